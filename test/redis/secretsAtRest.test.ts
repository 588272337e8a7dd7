import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { createLogger } from '../../src/log';
import { type Chat, type ChannelName, chatOn, says } from '../helpers/person';
import { demoData, spokenBirth } from '../helpers/demo';
import { TEST_REDIS_URL, deleteKeys, sharedRedis, uniquePrefix } from '../helpers/redis';
import { playScenario, scenario } from '../helpers/scenario';
import { keysWithContent, startInstances } from './harness';

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

/** The questions whose answers are secrets: who the person is, what the IESS knows of them, the code. */
const ABOUT_THEM = [
  'recovery:askCedula',
  'recovery:askBirth',
  'recovery:askBirthAgain',
  'questions:employer_worked',
  'questions:year_started',
  'questions:mother_name',
  'questions:birth_city',
  'code:ask',
];

/** What one recovery typed, received and set: none of it may be found in Redis afterwards. */
interface Secrets {
  who: string;
  /** Each secret by its name. */
  named: Array<[string, string]>;
}

/** A secret as it would appear in a stored value: on its own, not inside a longer id or hash. */
const standalone = (secret: string) => new RegExp(`(?<![\\w-])${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'i');

/**
 * Whole recoveries on each channel (people of conversations/people), through the real app on a
 * real Redis, with agents configured so that transcripts are kept too; each person then types
 * the new key in the chat as well. Every key and value under the run's prefix is read and
 * searched for every secret the people typed, received or set.
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
  let group: Awaited<ReturnType<typeof startInstances>>;

  beforeAll(async () => {
    const agent = `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`;
    group = await startInstances(1, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, AGENTS: agent }, { log }, { twilio: true });
  });

  afterAll(async () => {
    await group?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  /** Each kept key and value, and the log lines, searched for each of `secrets`; `when` names the moment in the message. */
  async function expectNowhere(secrets: string[], when: string): Promise<void> {
    const stored = await keysWithContent(TEST_REDIS_URL, prefix);
    stored.set('(the log lines)', logLines.join(''));
    expect(stored.size).toBeGreaterThan(3);
    for (const [key, content] of stored)
      for (const secret of secrets)
        expect(standalone(secret).test(content), `«${secret}» ${when} in ${key}: ${content.slice(0, 400)}`).toBe(false);
  }

  /**
   * Plays `name` on `channel` and returns what it typed, received and set: the account's
   * data, the code it read, the link's token, the new key, which it then also types in the chat.
   */
  async function recover(
    name: string,
    channel: ChannelName,
    { during, after }: { during?: (chat: Chat) => void; after?: (chat: Chat, named: Secrets['named']) => Promise<void> } = {},
  ): Promise<Secrets> {
    const person = scenario(name);
    const account = (demoData.persons as DemoPerson[]).find((p) => p.cedula === person.account)!;
    const [year, month, day] = account.birthDate.split('-');
    const named: Array<[string, string]> = [
      ['cédula', account.cedula],
      ['email', account.email],
      ['birth date as typed', spokenBirth(account.birthDate)],
      ['birth date', `${day}/${month}`],
      ['birth date (ISO)', `${year}-${month}-${day}`],
      ['new key', person.newKey],
      ...(account.workHistory ?? []).map((w): [string, string] => ['employer answer', w.employer]),
      ...(account.contributingSince ? [['year answer', String(account.contributingSince)] as [string, string]] : []),
      ...Object.values(account.personal ?? {}).map((answer): [string, string] => ['personal answer', answer]),
    ];
    // With WhatsApp on, the app's public address is https: the page polls the instance itself (the stream's address is the public one).
    const chat = await chatOn(channel, group.instances[0], { webSocket: false, readCode: (email) => group.code(email) });
    const code = chat.code.bind(chat);
    chat.code = async (email) => {
      const read = await code(email);
      named.push(['code', read]);
      return read;
    };
    const setKey = chat.setKey;
    chat.setKey = (token, key) => {
      named.push(['link token', token]);
      return setKey(token, key);
    };
    during?.(chat);
    try {
      const played = await playScenario(name, chat);
      // What the person typed to a question about them, as they typed it.
      named.push(
        ...played.turns
          .filter((turn, i) => i > 0 && turn.person && ABOUT_THEM.some((key) => says(played.turns[i - 1].bot, key)))
          .map((turn): [string, string] => ['typed answer', turn.person]),
      );
      await chat.say(`listo, mi clave nueva es ${person.newKey}`);
      await after?.(chat, named);
      return { who: `${name} on ${channel}`, named };
    } finally {
      await chat.close();
    }
  }

  it('in Redis, the logs or the metrics after whole recoveries on web chat, WhatsApp and /api/messages', { timeout: 180_000 }, async () => {
    // Once she has typed her cédula and birth date, the bot state holds both while the first
    // security question waits: searched for then too.
    const searchedMidFlow: string[] = [];
    const maria = await recover('maria-olvido-la-clave', 'directline', {
      during: (chat) => {
        const say = chat.say;
        let asked: string[] = [];
        let cedula = '';
        chat.say = async (text, attached) => {
          if (says(asked, 'recovery:askCedula')) cedula = text;
          const askedBirth = says(asked, 'recovery:askBirth');
          asked = await say(text, attached);
          if (askedBirth) {
            const typed = [cedula, text];
            await expectNowhere(typed, `after «${text}», while the next question waits,`);
            searchedMidFlow.push(...typed);
          }
          return asked;
        };
      },
      // What a reloaded page replays is what was kept: the person's own cédula by its ends, the link no more.
      after: async (chat, named) => {
        const { conversationId, token } = chat.directLine!;
        const response = await fetch(`${group.instances[0].url}/v3/directline/conversations/${conversationId}/activities?watermark=0`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        const replayed = ((await response.json()) as { activities: Array<{ text?: string }> }).activities.map((a) => a.text ?? '');
        expect(replayed).toContain('•••••••103');
        expect(replayed.join('\n')).not.toContain(named.find(([n]) => n === 'link token')![1]);
      },
    });

    expect(searchedMidFlow).toEqual(['1714307103', expect.any(String)]);

    // A montepío widow: personal questions only, typed as people type them (one with a slip), each searched
    // for as soon as it is typed, while the conversation waits for the next one.
    const typed = ['mercedes paucar', 'riobanba'];
    const searchedWhileWaiting: string[] = [];
    const blanca = await recover('blanca-montepio-escribe-sus-respuestas', 'directline', {
      during: (chat) => {
        const say = chat.say;
        chat.say = async (text, attached) => {
          const replies = await say(text, attached);
          // Right after each typed answer, while the next question waits.
          for (const answer of typed.filter((t) => t === text)) {
            await expectNowhere([answer], `after «${text}»`);
            searchedWhileWaiting.push(answer);
          }
          return replies;
        };
      },
    });
    expect(searchedWhileWaiting.sort()).toEqual([...typed].sort());
    blanca.named.push(...typed.map((t): [string, string] => ['personal answer as typed', t]));
    const carlos = await recover('carlos-datos-por-adelantado', 'whatsapp');
    const diana = await recover('diana-codigo-equivocado', 'api');
    await group.mailSent();

    const stored = await keysWithContent(TEST_REDIS_URL, prefix);
    expect(logLines.length).toBeGreaterThan(10);
    stored.set('(the log lines)', logLines.join(''));
    stored.set('(the metrics)', await group.instances[0].app.services.metrics.registry.metrics());
    expect(stored.size).toBeGreaterThan(10);
    const kinds = new Set([...stored.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length).split(':')[0]));
    // The Direct Line log, transcripts and bot state were all there to be searched.
    for (const kind of ['dl', 'handoff', 'state']) expect(kinds, [...kinds].join(', ')).toContain(kind);

    for (const s of [maria, blanca, carlos, diana]) {
      expect(s.named.map(([name]) => name)).toEqual(expect.arrayContaining(['code', 'link token', 'typed answer']));
      for (const [key, content] of stored) {
        const where = key.startsWith(prefix) ? key.slice(prefix.length).split(':').slice(0, 2).join(':') : key;
        for (const [name, secret] of s.named) {
          expect(standalone(secret).test(key), `${s.who}: ${name} in the key ${where}`).toBe(false);
          expect(standalone(secret).test(content), `${s.who}: ${name} in ${where}: ${content.slice(0, 400)}`).toBe(false);
        }
      }
    }
    expect(logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});
