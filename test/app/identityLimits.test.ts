import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA, pickOption } from '../helpers/demo';
import { type Chat, chatOn } from '../helpers/person';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOOKUP_FAILURES_PER_NUMBER: '2', LOOKUPS_PER_CONVERSATION_PER_HOUR: '3' });
});
afterAll(() => t.close());

/** From the cédula prompt to the identity check's answer; `right` gives María's facts, otherwise wrong ones. */
async function identify(chat: Chat, cedula: string, right = false): Promise<string> {
  await chat.say(cedula);
  const first = (await chat.say(right ? MARIA.birth : '16 de marzo')).join('\n');
  const second = (await chat.say(right ? pickOption(first, MARIA.answers) : '1')).join('\n');
  return (await chat.say(right ? pickOption(second, MARIA.answers) : '1')).join('\n');
}

describe('identity limits in the conversation', () => {
  it("a stranger who spends a cédula's tries is stopped, and its owner still gets in from a fresh conversation", async () => {
    const stranger = await chatOn('inprocess', t);
    await stranger.say('hola');
    await stranger.say('1');
    expect(await identify(stranger, MARIA.cedula)).toContain('no coinciden');
    await stranger.say('sí');
    expect(await identify(stranger, MARIA.cedula)).toContain('no coinciden');
    await stranger.say('1');
    expect(await identify(stranger, MARIA.cedula)).toContain('hubo muchos intentos con este número');

    const owner = await chatOn('inprocess', t);
    await owner.say('hola');
    await owner.say('1');
    expect(await identify(owner, MARIA.cedula, true)).toContain('¿Tienes acceso a este correo?');
  });

  it('holds one conversation to LOOKUPS_PER_CONVERSATION_PER_HOUR, and says so', async () => {
    const stranger = await chatOn('inprocess', t);
    await stranger.say('hola');
    const replies: string[] = [];
    for (const [i, cedula] of ['0602910945', '0926687856', '0910005917', '0962467429'].entries()) {
      await stranger.say(i % 2 ? 'sí' : '1');
      replies.push(await identify(stranger, cedula));
    }
    expect(replies.slice(0, 3).every((reply) => reply.includes('no coinciden'))).toBe(true);
    expect(replies[3]).toContain('ya hubo muchos intentos seguidos desde aquí');
  });
});
