import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';
import { chatOn, says } from '../helpers/person';
import { playScenario } from '../helpers/scenario';

describe.each([
  { mode: 'WebSocket', webSocket: true },
  { mode: 'polling', webSocket: false },
])('a whole recovery over our Direct Line with botframework-directlinejs ($mode)', ({ webSocket }) => {
  let harness: TestApp;

  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('goes from the greeting to the key changed, and a reconnecting page gets what it missed', async () => {
    const chat = await chatOn('directline', harness, { webSocket });
    // The page goes away while the key is changed on the new-key page, and comes back.
    const setKey = chat.setKey;
    chat.setKey = (token, key) => chat.away!(() => setKey(token, key));
    try {
      const played = await playScenario('maria-olvido-la-clave', chat);
      const said = chat.read();
      // The greeting and the menu, with its buttons, come as the page opens.
      const [greeting] = played.turns;
      expect(greeting.person).toBe('');
      expect(says(greeting.bot, 'main:menu')).toBe(true);
      expect(greeting.bot.join('\n')).toMatch(/^1\. /m);
      expect(says(said, 'code:confirmEmail')).toBe(true);
      expect(said.join('\n')).not.toContain(MARIA.email);
      // Back, it got only what it missed: the notice, not the turns again.
      expect(says(chat.later(), 'common:keyChanged')).toBe(true);
      expect(said.filter((m) => says([m], 'code:verified'))).toHaveLength(1);
    } finally {
      await chat.close();
    }
  });
});
