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
import { chatOn } from '../helpers/person';
import { playScenario } from '../helpers/scenario';

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

/**
 * Plays a person's recovery on `channel` and returns the activity that asked about the email
 * (everyone's is María's Gmail here). One person per channel: a second recovery of one account
 * would wait for the code's resend delay.
 */
async function theEmailQuestion(channel: 'directline' | 'whatsapp', person: string): Promise<Partial<Activity>> {
  const conversation = harness.chat(channel);
  const chat = await chatOn('inprocess', harness, { conversation, readCode: () => harness.code('maria.andrade@gmail.com') });
  await playScenario(person, chat);
  const asking = conversation.activities.find((a) => /¿Tienes acceso a este correo\?/.test(a.text ?? ''));
  expect(asking, conversation.transcript.join('\n')).toBeDefined();
  return asking!;
}

describe('the masked email as sent', () => {
  it('on the web: the first letters and gmail.com, in bold, with no stray asterisks', async () => {
    const activity = await theEmailQuestion('directline', 'maria-cedula-en-una-frase');
    expect(activity.text).toContain('**ma•••@gmail.com**');
    const html: string = webChatMarkdown.render(activity.text);
    expect(html).toContain('<strong>ma•••@gmail.com</strong>');
    // Markdown that did not pair up shows its stars as text, and gmail.com must not become a link.
    expect(html).not.toContain('*');
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('maria.andrade');
  });

  it('on WhatsApp: bold as WhatsApp writes it, and nothing else starred', async () => {
    const text = renderActivityText(await theEmailQuestion('whatsapp', 'darwin-esmeraldas'));
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
