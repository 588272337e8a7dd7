import type { Message } from 'botframework-directlinejs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { createLogger } from '../../src/log';
import { latestCodeFor } from '../../src/recovery/mail';
import { demoData, linkIn, setNewKey } from '../helpers/demo';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix, waitFor } from '../helpers/redis';
import { installBrowserGlobals } from '../helpers/channel';
import { Page, fold } from '../directline/harness';
import { untilAsync } from '../helpers/wait';
import { ACCOUNT_SID, AUTH_TOKEN, inbound, postSigned, whatsappEnv } from '../whatsapp/webhooks';
import { BotFrameworkPerson, ConnectorRecorder, chooseFrom, keysWithContent, startInstances } from './harness';

installBrowserGlobals();
const redis = await sharedRedis();

interface DemoPerson {
  cedula: string;
  birthDate: string;
  email: string;
  contributingSince?: number;
  /** None for a montepío pensioner. */
  workHistory?: Array<{ employer: string }>;
  /** Answers to the personal questions, by question id. */
  personal?: Record<string, string>;
}
const person = (cedula: string) => (demoData.persons as DemoPerson[]).find((p) => p.cedula === cedula)!;

/** What one recovery typed, received and set: none of it may be found in Redis afterwards. */
interface Secrets {
  who: string;
  cedula: string;
  email: string;
  /** The birth date as the person typed it, and as the directory holds it. */
  birthTyped: string;
  birthDate: string;
  /** The right options, which the person typed (or tapped) as text. */
  answers: string[];
  code?: string;
  linkToken?: string;
  newKey: string;
}

const secretsOf = (who: string, p: DemoPerson, birthTyped: string, newKey: string): Secrets => ({
  who,
  cedula: p.cedula,
  email: p.email,
  birthTyped,
  birthDate: p.birthDate,
  answers: [...(p.workHistory ?? []).map((w) => w.employer), ...(p.contributingSince ? [String(p.contributingSince)] : [])],
  newKey,
});

/** What is typed to each personal question, by a word of its text: not the answers on file, as people type. */
interface Typed {
  byWord: Record<string, string>;
  /** Both the answers as typed and as on file: neither may be kept. */
  secrets: string[];
}

/** A secret as it would appear in a stored value: on its own, not inside a longer id or hash. */
const standalone = (secret: string) => new RegExp(`(?<![\\w-])${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'i');

/**
 * Whole recoveries on each channel, through the real app on a real Redis, with agents
 * configured so that transcripts are kept too; then every key and value under the run's
 * prefix is read and searched for every secret the people typed, received or set.
 */
describe.skipIf(!redis.ok)(`nothing secret is kept in clear${redis.reason ? ` (skipped: no ${redis.reason})` : ''}`, () => {
  const prefix = uniquePrefix('secrets');
  /** Every line the app logs, at every level. */
  const logLines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  let twilio: FakeTwilio;
  let connector: ConnectorRecorder;
  let group: Awaited<ReturnType<typeof startInstances>>;

  beforeAll(async () => {
    twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    connector = await new ConnectorRecorder().start();
    const agent = `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`;
    group = await startInstances(
      1,
      { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, AGENTS: agent, ...whatsappEnv(twilio.url) },
      { log },
    );
  });

  afterAll(async () => {
    await group?.close();
    await twilio?.close();
    await connector?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  const codeFor = (email: string) => untilAsync(() => latestCodeFor(group.outbox, email), `the code email to ${email}`, 15_000);

  /** Each kept key and value, searched for `secret`; `when` names the moment in the message. */
  async function expectNowhere(secrets: string[], when: string): Promise<void> {
    const stored = await keysWithContent(TEST_REDIS_URL, prefix);
    stored.set('(the log lines)', logLines.join(''));
    expect(stored.size).toBeGreaterThan(3);
    for (const [key, content] of stored)
      for (const secret of secrets)
        expect(standalone(secret).test(content), `«${secret}» ${when} in ${key}: ${content.slice(0, 400)}`).toBe(false);
  }

  /**
   * Web chat: our Direct Line with the official client, buttons tapped; personal questions
   * (no buttons) answered by typing, and everything kept searched for the answer typed
   * while the conversation waits for the next one.
   */
  async function overWebChat(s: Secrets, typed?: Typed): Promise<void> {
    const { url } = group.instances[0];
    const issued = (await (await fetch(`${url}/api/webchat/token`, { method: 'POST', body: '{"locale":"es-EC"}' })).json()) as {
      token: string;
      conversationId: string;
      domain: string;
    };
    // The page is served behind the public (https) address; the test speaks to the instance
    // itself, so it polls (the stream's address is the public one).
    const domain = issued.domain.replace(/^https?:\/\/[^/]+/, url);
    const page = new Page({ domain, token: issued.token, webSocket: false });
    try {
      const menu = await page.expectBot('¿Qué necesitas hacer?', 0);
      let at = await page.say(Page.button(menu, ['Recuperar mi clave']));
      await page.expectBot('cédula', at);
      at = await page.say(s.cedula);
      await page.expectBot('día y mes de nacimiento', at);
      at = await page.say(s.birthTyped);
      let question = await page.expectBot('?', at);
      for (let asked = 0; asked < 6 && !fold(question.text ?? '').includes('correo'); asked++) {
        const word = Object.keys(typed?.byWord ?? {}).find((w) => fold(question.text ?? '').includes(w));
        if (typed && word && !question.suggestedActions?.actions?.length) {
          at = await page.say(typed.byWord[word]);
          question = await page.expectBot('?', at);
          await expectNowhere(typed.secrets, `while the next question waits (after «${question.text}»)`);
          continue;
        }
        at = await page.say(Page.button(question, s.answers));
        question = await page.expectBot('?', at);
      }
      at = await page.say('sí');
      await page.expectBot('Te envié un código', at);
      s.code = await codeFor(s.email);
      at = await page.say(s.code);
      const link = await page.expectBot('/clave/nueva', at);
      s.linkToken = linkIn(link.text ?? '').token;
      expect(await setNewKey(url, s.linkToken, s.newKey)).toBe(200);
      await page.expectBot('Tu clave del IESS fue cambiada', at);
      at = await page.say(`listo, mi clave nueva es ${s.newKey}`);
      await page.expectBot('', at);

      // What a reloaded page replays is what was kept: the person's own cédula by its ends.
      const history = new Page({ domain, token: page.token, conversationId: issued.conversationId, watermark: '0', webSocket: false });
      try {
        await history.expectBot('Tu clave del IESS fue cambiada', 0);
        const texts = history.seen.map((a) => (a as Message).text ?? '');
        expect(texts).toContain(`•••••••${s.cedula.slice(-3)}`);
        expect(texts.join('\n')).not.toContain(s.linkToken);
      } finally {
        history.end();
      }
    } finally {
      page.end();
    }
  }

  /** WhatsApp: signed webhooks, numbered lists answered by the option's words. */
  async function overWhatsApp(s: Secrets): Promise<void> {
    const { url } = group.instances[0];
    const user = 'whatsapp:+593987650077';
    const say = async (text: string, until: RegExp): Promise<string> => {
      const before = twilio.bodiesTo(user).length;
      expect((await postSigned(url, '/api/whatsapp', inbound(user, text))).status).toBe(200);
      const arrived = await waitFor(() => until.test(twilio.bodiesTo(user).slice(before).at(-1) ?? ''), 20_000, 50);
      if (!arrived) throw new Error(`reply to «${text}»: ${twilio.bodiesTo(user).slice(before).join('\n---\n')}`);
      return twilio.bodiesTo(user).slice(before).join('\n\n');
    };
    const optionWords = (question: string) =>
      question
        .split('\n')
        .map((line) => /^\d+\.\s+(.+)$/.exec(line.trim())?.[1])
        .find((label) => label && s.answers.includes(label));

    await say('hola', /1\. Recuperar mi clave/);
    await say('1', /cédula/);
    await say(s.cedula, /día y mes de nacimiento/);
    let question = await say(s.birthTyped, /\?[^?]*\n1\. [\s\S]*$/);
    for (let asked = 0; asked < 6 && !/¿Tienes acceso a este correo\?/.test(question); asked++) {
      const words = optionWords(question);
      if (!words) throw new Error(`no right answer among:\n${question}`);
      question = await say(words, /(\?[^?]*\n1\. [\s\S]*|¿Tienes acceso a este correo\?[\s\S]*)$/);
    }
    await say('sí', /Escribe aquí el código/);
    s.code = await codeFor(s.email);
    s.linkToken = linkIn(await say(s.code, /clave\/nueva/)).token;
    expect(await setNewKey(url, s.linkToken, s.newKey)).toBe(200);
    expect(await waitFor(() => twilio.bodiesTo(user).some((b) => /clave del IESS fue cambiada/.test(b)), 20_000)).toBe(true);
    await say(`ya está, mi clave nueva es ${s.newKey}`, /./);
  }

  /** /api/messages: a Bot Framework channel (the Emulator's id), replies in the response, options by their words. */
  async function overBotFramework(s: Secrets): Promise<void> {
    const { url } = group.instances[0];
    const person = new BotFrameworkPerson(connector.url);
    const say = async (text: string) => {
      const answer = await person.say(url, text);
      expect(answer.status, `answer to «${text}»`).toBe(200);
      return answer;
    };
    await say('hola');
    await say('1');
    await say(s.cedula);
    let question = await say(s.birthTyped);
    for (let asked = 0; asked < 6 && !question.texts.join('\n').includes('¿Tienes acceso a este correo?'); asked++) {
      question = await say(chooseFrom(question, s.answers));
    }
    expect(question.texts.join('\n')).toContain('¿Tienes acceso a este correo?');
    await say('sí');
    s.code = await codeFor(s.email);
    s.linkToken = linkIn((await say(s.code)).texts.join('\n')).token;
    expect(await setNewKey(url, s.linkToken, s.newKey)).toBe(200);
    expect(await waitFor(() => connector.delivered.some((d) => /clave del IESS fue cambiada/.test(d.text ?? '')), 20_000)).toBe(true);
    await say(`gracias, mi clave nueva es ${s.newKey}`);
  }

  it('in Redis, the logs or the metrics after whole recoveries on web chat, WhatsApp and /api/messages', { timeout: 180_000 }, async () => {
    const maria = secretsOf('web chat', person('1714307103'), '15 de marzo', 'Quinde2026web');
    const diana = secretsOf('WhatsApp', person('1803945268'), '30/01/1992', 'PasoFirme2026');
    const carlos = secretsOf('/api/messages', person('0928457167'), 'el 2 de noviembre', 'Estero2026bf');
    // A montepío widow: personal questions only, typed as people type them (one with a slip).
    const widow = person('0604182733');
    const blanca = secretsOf('web chat, typed answers', widow, '27 de abril', 'Paramo2026web');
    const typed: Typed = {
      byWord: { madre: 'mercedes paucar', ciudad: 'riobanba' },
      secrets: ['mercedes paucar', 'riobanba', ...Object.values(widow.personal!)],
    };
    blanca.answers = typed.secrets;
    await overWebChat(maria);
    await overWebChat(blanca, typed);
    await overWhatsApp(diana);
    await overBotFramework(carlos);
    await group.mailSent();

    const stored = await keysWithContent(TEST_REDIS_URL, prefix);
    expect(logLines.length).toBeGreaterThan(10);
    stored.set('(the log lines)', logLines.join(''));
    stored.set('(the metrics)', await group.instances[0].app.services.metrics.registry.metrics());
    expect(stored.size).toBeGreaterThan(10);
    const kinds = new Set([...stored.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length).split(':')[0]));
    // The Direct Line log, transcripts and bot state were all there to be searched.
    for (const kind of ['dl', 'handoff', 'state']) expect(kinds, [...kinds].join(', ')).toContain(kind);

    for (const s of [maria, diana, carlos, blanca]) {
      const [year, month, day] = s.birthDate.split('-');
      const secrets: Array<[string, RegExp]> = [
        ['cédula', standalone(s.cedula)],
        ['email', standalone(s.email)],
        ['birth date as typed', standalone(s.birthTyped)],
        ['birth date', standalone(`${day}/${month}`)],
        ['birth date (ISO)', standalone(`${year}-${month}-${day}`)],
        ['code', standalone(s.code!)],
        ['link token', standalone(s.linkToken!)],
        ['new key', standalone(s.newKey)],
        ...s.answers.map((answer): [string, RegExp] => [`challenge answer «${answer}»`, standalone(answer)]),
      ];
      for (const [key, content] of stored) {
        const where = key.startsWith(prefix) ? key.slice(prefix.length).split(':').slice(0, 2).join(':') : key;
        for (const [name, pattern] of secrets) {
          expect(pattern.test(key), `${s.who}: ${name} in the key ${where}`).toBe(false);
          expect(pattern.test(content), `${s.who}: ${name} in ${where}: ${content.slice(0, 400)}`).toBe(false);
        }
      }
    }
    expect(logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});
