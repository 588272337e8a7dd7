import { afterEach, describe, expect, it } from 'vitest';
import { InProcessChats, startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';
import { type Chat, type ChatOptions, chatOn } from '../helpers/person';
import { playScenario } from '../helpers/scenario';

let harness: TestApp | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** María recovers her key as a person types it and sets the new key on the page; resolves once «¿Te sirvió?» came. */
async function recoverAndChangeKey(t: TestApp, options: ChatOptions = {}): Promise<Chat> {
  const chat = await chatOn('inprocess', t, options);
  await playScenario('maria-cedula-en-una-frase', chat);
  await chat.waitLater((text) => /¿Te sirvió esta ayuda\?/.test(text));
  return chat;
}

const rows = async (t: TestApp, flow: string) => {
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  return metrics.split('\n').filter((line) => line.startsWith('iess_satisfaction_rating') && line.includes(`flow="${flow}"`));
};

describe('after the key was changed', () => {
  it('the chat offers the official site, a safety tip and contact data, then «¿Te sirvió?», counted in /metrics', async () => {
    harness = await startTestApp();
    const chat = await recoverAndChangeKey(harness);

    const later = chat.later().join('\n---\n');
    expect(later).toContain('Tu clave del IESS fue cambiada');
    // Try it now: a link to the configured official site, which the terminal shows as «label: address».
    expect(later).toContain('[Probar mi clave ahora](https://www.iess.gob.ec)');
    expect(later).toMatch(/nadie del IESS te la va a pedir/);
    expect(later).toMatch(/Actualiza tus datos en un CAU/);
    // The last thing asked is the one-tap survey, 1 to 5.
    expect(chat.later().at(-1)).toMatch(/^¿Te sirvió esta ayuda\?[^\n]*\n\n1\. Nada\n2\. Poco\n3\. Más o menos\n4\. Bastante\n5\. Mucho$/);
    expect(await rows(harness, 'recovery')).toEqual([]);

    expect((await chat.say('4')).join('\n')).toMatch(/algo más/);
    const thanks = await chat.say('todo bien, rapidito');
    expect(thanks[0]).toBe('¡Gracias por contarnos! 🙌');
    // No dead end: the menu's options come next.
    expect(thanks.join('\n')).toContain('Recuperar mi clave');

    const counted = await rows(harness, 'recovery');
    expect(counted).toContain('iess_satisfaction_rating_bucket{le="3",flow="recovery"} 0');
    expect(counted).toContain('iess_satisfaction_rating_bucket{le="4",flow="recovery"} 1');
    expect(counted).toContain('iess_satisfaction_rating_sum{flow="recovery"} 4');
    expect(counted).toContain('iess_satisfaction_rating_count{flow="recovery"} 1');
    expect(await rows(harness, 'handoff')).toEqual([]);

    // The survey is over: the next message is the bot's again.
    expect((await chat.say('preguntas frecuentes')).join('\n')).toContain('¿Sobre qué tienes dudas?');
  });

  it('keeps the comment masked and with nothing that names the person: no cédula, conversation, phone or exact time', async () => {
    harness = await startTestApp();
    const chat = await recoverAndChangeKey(harness);
    await chat.say('5');
    await chat.say('super facil. mi cedula es 1714307103 y mi cel 0991234567, correo maria.andrade@example.com');

    const day = new Date().toISOString().slice(0, 10);
    const stored = await harness.app.stores.kv.range(`recovery:surveys:${day}`);
    expect(stored).toHaveLength(2);
    const records = stored.map((raw) => JSON.parse(raw) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual(expect.arrayContaining(['at', 'channel', 'id']));
      expect(Object.keys(record).every((k) => ['at', 'channel', 'id', 'rating', 'comment'].includes(k))).toBe(true);
      // Only the hour is kept of when.
      expect((record.at as number) % 3_600_000).toBe(0);
    }
    const kept = stored.join('\n');
    // In-process conversation ids all begin so.
    for (const identity of [MARIA.cedula, `conv-${process.pid}-`, '0991234567', MARIA.email, 'user-']) expect(kept).not.toContain(identity);
    const comment = records.find((r) => r.comment)?.comment as string;
    expect(comment).toMatch(/^super facil\. mi cedula es •••••••103 y mi cel •••••••567, correo ma\S+@/);
    expect(await harness.app.bot.survey!.results()).toEqual([
      expect.objectContaining({ rating: 5, channel: 'console', comment: expect.stringContaining('super facil') }),
    ]);
  });

  it('on the web the site is a button that opens it', async () => {
    harness = await startTestApp({}, {}, { chats: new InProcessChats(['console', 'directline']) });
    // In process, shown as the web chat shows it, to see the activities themselves.
    const conversation = harness.chat('directline');
    const chat = await recoverAndChangeKey(harness, { conversation });
    const card = conversation.activities
      .flatMap((a) => a.attachments ?? [])
      .find((a) => a.contentType === 'application/vnd.microsoft.card.hero');
    expect((card?.content as { buttons?: unknown[] } | undefined)?.buttons).toEqual([
      { type: 'openUrl', title: 'Probar mi clave ahora', value: 'https://www.iess.gob.ec' },
    ]);
    expect(chat.later().join('\n')).not.toContain('](https://');
  });
});
