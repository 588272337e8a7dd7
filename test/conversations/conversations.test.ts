import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { startTestApp } from '../helpers/app';
import { type ChannelName, chatOn } from '../helpers/person';
import { loadPeople, type Person } from './driver/person';
import { play, transcript, verdict } from './driver/play';

/**
 * Simulated people (test/conversations/people/*.yaml) played against the whole app: every one
 * in process, and those that name them also on the web chat (Direct Line, official client)
 * and on WhatsApp (signed webhooks). CONVERSATIONS_DIR plays another folder;
 * CONVERSATION_NOTES writes each failing conversation's transcript there.
 */
const dir = process.env.CONVERSATIONS_DIR ?? join(__dirname, 'people');
const notes = process.env.CONVERSATION_NOTES;
const people = loadPeople(dir);

let agents = '';
beforeAll(async () => {
  agents = `ana:${await hashPassword('clave-ana-larga', { N: 1024, r: 8, p: 1 })}`;
});

/**
 * The app each person talks to: human agents configured and on duty (so "una persona" can be
 * reached), a one-second wait between codes (a person asking for a new code is not held a
 * minute), emails in a private outbox, WhatsApp against a stand-in of Twilio, and the TONE
 * the person's file asks for.
 */
const appFor = (channel: ChannelName, person: Person) =>
  startTestApp(
    { AGENTS: agents, SERVICE_HOURS: '', CODE_RESEND_SECONDS: '1', ...(person.tone === 'usted' ? { TONE: 'usted' } : {}) },
    {},
    { twilio: channel === 'whatsapp' || undefined },
  );

function writeNote(person: Person, channel: ChannelName, problems: string[], said: string): void {
  if (!notes) return;
  mkdirSync(notes, { recursive: true });
  const body = [
    `# ${person.name} (${channel})`,
    '',
    person.who,
    '',
    '## Lo que falló',
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    '## Conversación',
    '',
    said,
    '',
  ];
  writeFileSync(join(notes, `${person.name}${channel === 'inprocess' ? '' : `.${channel}`}.md`), body.join('\n'));
}

describe.each(people)('$name', (person) => {
  it.each(['inprocess' as const, ...person.channels])(`%s: ${person.who}`, { timeout: 90_000 }, async (channel) => {
    const app = await appFor(channel, person);
    const chat = await chatOn(channel, app);
    try {
      const played = await play(person, chat);
      const problems = verdict(person, played);
      if (problems.length) writeNote(person, channel, problems, transcript(played));
      expect(problems, transcript(played)).toEqual([]);
    } finally {
      await chat.close();
      await app.close();
    }
  });
});
