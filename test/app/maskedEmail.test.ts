import type { Activity } from 'botbuilder';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderActivityText } from '../../src/channels/whatsapp/format';
import { testConfig } from '../../src/config';
import { LOCALES, Texts } from '../../src/i18n';
import { createDirectory } from '../../src/recovery/directory';
import { maskEmail } from '../../src/recovery/mask';
import type { AccountDirectory } from '../../src/recovery/types';
import { InProcessChats, startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';

/**
 * The registered email as the person reads it, on the web (Markdown, rendered as Web Chat
 * renders it) and on WhatsApp: recognisable, and never garbled by the channel's formatting.
 */

// Web Chat renders a bot's text with markdown-it and these options (botframework-webchat's renderMarkdown).
const MarkdownIt = createRequire(import.meta.url)('markdown-it');
const webChatMarkdown = new MarkdownIt({ breaks: false, html: true, linkify: true, typographer: true, xhtmlOut: true });

/** The demo directory, but María's mailbox is at Gmail, as most people's is. */
function gmailDirectory(): AccountDirectory {
  const demo = createDirectory(testConfig());
  return Object.assign(Object.create(demo) as AccountDirectory, {
    contact: async (accountId: string) => ({ ...(await demo.contact(accountId)), email: 'maria.andrade@gmail.com' }),
  });
}

let harness: TestApp;
beforeAll(async () => {
  harness = await startTestApp({}, { directory: gmailDirectory() }, { chats: new InProcessChats(['directline', 'whatsapp']) });
});
afterAll(async () => {
  await harness.close();
});

/** Plays María up to the question about her email and returns the activity that asks it. */
async function upToTheEmail(channel: string): Promise<Partial<Activity>> {
  const chat = harness.chat(channel);
  await chat.say('hola');
  await chat.say('recuperar mi clave');
  await chat.say(MARIA.cedula);
  let replies = await chat.sayActivities(MARIA.birth);
  for (let question = 0; question < 2; question++) {
    const options = replies.at(-1)?.suggestedActions?.actions?.map((a) => String(a.title)) ?? [];
    const right = options.find((o) => MARIA.answers.includes(o));
    expect(right, `a right answer among ${options.join(' | ')}`).toBeDefined();
    replies = await chat.sayActivities(right!);
  }
  const asking = replies.find((a) => /¿Tienes acceso a este correo\?/.test(a.text ?? ''));
  expect(asking, replies.map((a) => a.text).join('\n')).toBeDefined();
  return asking!;
}

describe('the masked email as sent', () => {
  it('on the web: the first letters and gmail.com, in bold, with no stray asterisks', async () => {
    const activity = await upToTheEmail('directline');
    expect(activity.text).toContain('**ma•••@gmail.com**');
    const html: string = webChatMarkdown.render(activity.text);
    expect(html).toContain('<strong>ma•••@gmail.com</strong>');
    // Markdown that did not pair up shows its stars as text, and gmail.com must not become a link.
    expect(html).not.toContain('*');
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('maria.andrade');
  });

  it('on WhatsApp: bold as WhatsApp writes it, and nothing else starred', async () => {
    const text = renderActivityText(await upToTheEmail('whatsapp'));
    expect(text).toContain('*ma•••@gmail.com*');
    expect(text.match(/\*/g)).toHaveLength(2);
    expect(text).not.toContain('maria.andrade');
  });
});

describe('the FAQ on the masked email', () => {
  it.each(LOCALES)('%s: shows the mask as it is', (locale) => {
    const answer = new Texts().t(locale, 'faq:faq_forgot_email');
    for (const email of ['maria.andrade@gmail.com', 'marcelo@hotmail.com', 'juan.perez@empresa.com.ec'])
      expect(answer).toContain(maskEmail(email));
    expect(answer).not.toMatch(/[*_~]/);
  });
});
