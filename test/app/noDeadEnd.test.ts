import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderActivityText } from '../../src/channels/whatsapp/format';
import { agentNamed, hashPassword } from '../../src/handoff/agents';
import { Texts } from '../../src/i18n';
import { InProcessChats, startTestApp, type TestApp, type TestConversation } from '../helpers/app';

/**
 * Every message that ends a topic offers what can come next: the menu's options, as buttons
 * on the web, as options on WhatsApp (its list, or a numbered list), numbered in the terminal.
 * What comes after an ending, not its wording: the wording is oddSentences.test.ts's.
 */
const MENU = ['person', 'employer', 'lostEmail', 'faq', 'agent'].map((o) => new Texts().t('es-EC', `main:options.${o}`));
const titles = (last: Partial<Activity>) => last.suggestedActions?.actions?.map((a) => a.title);

/** The last thing the person reads offers the menu, as each channel shows options. */
const MENU_OFFERED = {
  directline: (last: Partial<Activity>) => expect(titles(last), last.text).toEqual(MENU),
  whatsapp: (last: Partial<Activity>) => {
    expect(titles(last), last.text).toEqual(MENU);
    expect(renderActivityText(last)).toMatch(new RegExp(`\\n1\\. ${MENU[0]}\\n[\\s\\S]*\\n5\\. ${MENU[4]}$`));
  },
  console: (last: Partial<Activity>) => expect(last.text).toContain(MENU.map((label, i) => `${i + 1}. ${label}`).join('\n')),
};
const CHANNELS = Object.keys(MENU_OFFERED) as Array<keyof typeof MENU_OFFERED>;

function expectMenuOffered(channel: keyof typeof MENU_OFFERED, last: Partial<Activity> | undefined) {
  expect(last, 'the bot said something').toBeDefined();
  MENU_OFFERED[channel](last!);
}

/** Plays what the person writes and returns the bot's last message of the last turn. */
async function play(chat: TestConversation, messages: string[]): Promise<Partial<Activity> | undefined> {
  let replies: Partial<Activity>[] = [];
  for (const text of messages) replies = await chat.sayActivities(text);
  return replies.at(-1);
}

/** Conversations that each end a topic, written as people type. */
const ENDINGS: Array<{ ending: string; messages: string[] }> = [
  { ending: 'a frequent question, and no other', messages: ['hola', 'preguntas frecuentes', 'es seguro?', 'no gracias'] },
  { ending: 'the lost-mailbox help, done', messages: ['hola', 'no puedo abrir mi correo', 'listo gracias'] },
  { ending: 'a person asked for, with no agents on this service', messages: ['hola', 'quiero hablar con una persona'] },
  { ending: 'data that do not match, and no new try', messages: ['hola', 'recuperar mi clave', '0926687856', '1/1', '1', '2', 'no'] },
];

describe('no dead end: the menu after each topic', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp({}, {}, { chats: new InProcessChats(CHANNELS) });
  });
  afterAll(async () => {
    await harness.close();
  });

  describe.each(CHANNELS)('%s', (channel) => {
    it.each(ENDINGS)('after $ending', async ({ messages }) => {
      expectMenuOffered(channel, await play(harness.chat(channel), messages));
    });
  });
});

describe('no dead end: the menu after a person helped', () => {
  let harness: TestApp;
  beforeAll(async () => {
    const cost = { N: 1024, r: 8, p: 1 };
    harness = await startTestApp(
      { AGENTS: `ana:${await hashPassword('clave-ana-larga', cost)}`, SERVICE_HOURS: '' },
      {},
      { chats: new InProcessChats(CHANNELS) },
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const openTicket = async (channel: keyof typeof MENU_OFFERED) => {
    const chat = harness.chat(channel);
    await play(chat, ['hola', 'necesito un asesor']);
    const ticket = (await harness.app.handoff.tickets.openForConversation(channel, chat.id))!;
    expect(ticket, 'a ticket is open').toBeDefined();
    return { chat, ticket };
  };

  describe.each(CHANNELS)('%s', (channel) => {
    it('after the survey', async () => {
      const { chat, ticket } = await openTicket(channel);
      const ana = agentNamed('ana');
      await harness.app.handoff.claim(ticket.id, ana);
      expect(await harness.app.handoff.close(ticket.id, ana)).toBe('closed');
      expectMenuOffered(channel, await play(chat, ['5', 'todo bien, muy amable']));
    });

    it('after leaving the queue', async () => {
      const { chat } = await openTicket(channel);
      expectMenuOffered(channel, await play(chat, ['cancelar']));
    });
  });
});
