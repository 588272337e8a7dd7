import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { apiMessagesChat, type Chat, type ChannelName, directLineChat, inProcessChat, whatsAppChat } from './driver/channels';
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

let phone = 0;
const open: Record<ChannelName, () => Promise<Chat>> = {
  inprocess: () => inProcessChat(agents),
  directline: () => directLineChat(agents),
  whatsapp: () => whatsAppChat(agents, `+5939${String(80_000_000 + ++phone)}`),
  api: () => apiMessagesChat(agents),
};

function writeNote(person: Person, channel: ChannelName, problems: string[], said: string): void {
  if (!notes) return;
  mkdirSync(notes, { recursive: true });
  const body = [`# ${person.name} (${channel})`, '', person.who, '', '## Lo que falló', '', ...problems.map((p) => `- ${p}`), '', '## Conversación', '', said, ''];
  writeFileSync(join(notes, `${person.name}${channel === 'inprocess' ? '' : `.${channel}`}.md`), body.join('\n'));
}

describe.each(people)('$name', (person) => {
  it.each(['inprocess' as const, ...person.channels])(`%s: ${person.who}`, { timeout: 90_000 }, async (channel) => {
    const chat = await open[channel]();
    try {
      const played = await play(person, chat);
      const problems = verdict(person, played);
      if (problems.length) writeNote(person, channel, problems, transcript(played));
      expect(problems, transcript(played)).toEqual([]);
    } finally {
      await chat.close();
    }
  });
});
