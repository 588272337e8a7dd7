import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { chatOn } from '../helpers/person';
import { playScenario } from '../helpers/scenario';
import { sharedRedis } from '../helpers/redis';
import { InProcessChats } from '../helpers/app';
import { groupPerTest, storeCases } from '../redis/harness';

const redis = await sharedRedis();

describe.each(storeCases('funnel', redis))('the recovery funnel on $name', (store) => {
  const startGroup = groupPerTest(store);

  it.skipIf(store.skip)('counts each step reached once per conversation, and where and why each one ended', async () => {
    const group = await startGroup(
      { AGENTS: `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`, SERVICE_HOURS: '' },
      { chats: new InProcessChats(['console', 'directline']) },
    );
    const [a, b = a] = group.instances;

    // 1. A wrong birth date, twice, then silence.
    const wrongDate = a.chat('console');
    for (const text of ['hola', '1', '1714307103', '31 de febrero', '30 de febrero']) await wrongDate.say(text);
    // 2. Asks for a person at the code step… (on the other instance)
    const readCode = (email: string) => group.code(email);
    await playScenario('paola-asesor-en-el-codigo', await chatOn('inprocess', b, { readCode }));
    // 3. …and a whole recovery to the new key, on the web.
    await playScenario('maria-cedula-en-una-frase', await chatOn('inprocess', a, { conversation: a.chat('directline'), readCode }));

    const report = await b.app.handoff.funnel.report();
    const today = report.filter((d) => d.day === report.at(-1)!.day);
    const consoleDay = today.find((d) => d.channel === 'console')!;
    const webDay = today.find((d) => d.channel === 'directline')!;
    expect(consoleDay.reached).toMatchObject({
      // Paola says what she wants at once: the menu is skipped.
      'main.menu': 1,
      'person.cedula': 2,
      'person.birth': 2,
      'questions.answer': 1,
      'emailCode.confirm': 1,
      'emailCode.code': 1,
    });
    expect(consoleDay.ended).toEqual({
      'person.birth': { birth_invalid_date: 1 },
      'emailCode.code': { handoff: 1 },
    });
    expect(webDay.reached).toMatchObject({ 'main.menu': 1, 'emailCode.code': 1, code_verified: 1, key_changed: 1 });
    expect(webDay.ended).toEqual({ key_changed: { none: 1 } });
    // Nothing personal in the counts: step names and reason keys only.
    expect(JSON.stringify(report)).not.toMatch(/1714307103|@|\d{6}/);
  });
});
