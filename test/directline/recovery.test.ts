import type { Message } from 'botframework-directlinejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCodeFor } from '../../src/recovery/mail';
import { startTestApp, type TestApp } from '../helpers/app';
import { linkIn, MARIA, setNewKey } from '../helpers/demo';
import { Page, fold, installBrowserGlobals } from './harness';
import { untilAsync } from '../helpers/wait';

installBrowserGlobals();

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
    const tokenResponse = await fetch(`${harness.url}/api/webchat/token`, { method: 'POST', body: '{"locale":"es-EC"}' });
    const issued = (await tokenResponse.json()) as { token: string; conversationId: string; domain: string };
    const page = new Page({ domain: issued.domain, token: issued.token, webSocket });

    const menu = await page.expectBot('¿Qué necesitas hacer?', 0);
    let at = await page.say(Page.button(menu, ['Recuperar mi clave']));
    await page.expectBot('cédula', at);
    at = await page.say(MARIA.cedula);
    await page.expectBot('día y mes de nacimiento', at);
    at = await page.say(MARIA.birth);

    // The challenge questions come with buttons; a person taps the right one each time.
    let question = await page.expectBot('?', at);
    for (let asked = 0; asked < 6 && !fold(question.text ?? '').includes('correo'); asked++) {
      at = await page.say(Page.button(question, MARIA.answers));
      question = await page.expectBot('?', at);
    }
    expect(question.text).toContain('¿Tienes acceso a este correo?');
    expect(question.text).not.toContain(MARIA.email);

    at = await page.say('sí');
    await page.expectBot('Te envié un código', at);
    const code = await untilAsync(() => latestCodeFor(harness.outbox, MARIA.email), 'the code email');
    at = await page.say(code);
    await page.expectBot('Código correcto', at);
    const linkMessage = await page.expectBot('/clave/nueva', at);
    const { token: linkToken } = linkIn(linkMessage.text ?? '');

    // The page goes away; the key is changed on the new-key page meanwhile.
    const lastId = page.seen.filter((a) => a.id?.includes('|')).at(-1)!.id!;
    const watermark = String(Number(lastId.split('|')[1]) + 1);
    const token = page.token;
    page.end();

    expect(await setNewKey(harness.url, linkToken, 'NuevaClave26')).toBe(200);

    const back = new Page({ domain: issued.domain, token, conversationId: issued.conversationId, watermark, webSocket });
    const notice = await back.expectBot('Tu clave del IESS fue cambiada', 0);
    expect(notice.from.role).toBe('bot');
    // It got only what it missed.
    expect(back.seen.some((a) => a.type === 'message' && fold((a).text ?? '').includes('codigo correcto'))).toBe(false);
    back.end();
  });
});
