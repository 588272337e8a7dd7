import type { Activity } from 'botbuilder';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderActivityText } from '../../src/channels/whatsapp/format';
import { agentNamed, hashPassword } from '../../src/handoff/agents';
import { InProcessChats, startTestApp, type TestApp } from '../helpers/app';

/** Sentences that were odd or untrue where they were said; what follows an ending is noDeadEnd.test.ts's. */

// Web Chat renders a bot's text with markdown-it and these options (botframework-webchat's renderMarkdown).
const MarkdownIt = createRequire(import.meta.url)('markdown-it');
const webChatMarkdown = new MarkdownIt({ breaks: false, html: true, linkify: true, typographer: true, xhtmlOut: true });

let harness: TestApp;
beforeAll(async () => {
  const cost = { N: 1024, r: 8, p: 1 };
  harness = await startTestApp(
    { AGENTS: `ana:${await hashPassword('clave-ana-larga', cost)}`, SERVICE_HOURS: '' },
    {},
    { chats: new InProcessChats(['console', 'directline', 'whatsapp']) },
  );
});
afterAll(async () => {
  await harness.close();
});

const joined = (replies: Partial<Activity>[]) => replies.map((a) => a.text ?? '').join('\n');

describe('a person asked for', () => {
  it('right away: the bot does not claim to have shared a conversation there was not', async () => {
    const chat = harness.chat('console');
    await chat.say('hola');
    const replies = (await chat.say('quiero hablar con un asesor')).join('\n');
    expect(replies).toContain('Estás en el puesto');
    expect(replies).toContain('Cuéntale aquí en qué necesitas ayuda');
    expect(replies).not.toContain('lo que hablamos');
  });

  it('halfway through a step: what was said is shared, and the bot says so', async () => {
    const chat = harness.chat('console');
    for (const text of ['hola', 'recuperar mi clave', '1714307103']) await chat.say(text);
    expect((await chat.say('mejor paseme con un asesor')).join('\n')).toContain('Ya le compartí lo que hablamos');
  });

  it('«cancelar» while an agent attends ends that conversation, not a queue the person is not in', async () => {
    const chat = harness.chat('console');
    await chat.say('hola');
    await chat.say('necesito un asesor');
    const ticket = (await harness.app.handoff.tickets.openForConversation('console', chat.id))!;
    await harness.app.handoff.claim(ticket.id, agentNamed('ana'));
    const replies = (await chat.say('cancelar')).join('\n');
    expect(replies).toContain('terminé tu conversación con Ana');
    expect(replies).not.toContain('fila');
  });
});

describe('«ayuda»', () => {
  it('on the web: the commands are a list, one item each', async () => {
    const chat = harness.chat('directline');
    await chat.say('hola');
    const help = (await chat.sayActivities('ayuda')).find((a) => /menú/.test(a.text ?? ''));
    const html: string = webChatMarkdown.render(help?.text ?? '');
    expect(html.match(/<li>/g)).toHaveLength(3);
    expect(html).toMatch(
      /<li><strong>menú<\/strong>[^<]*<\/li>\s*<li><strong>cancelar<\/strong>[^<]*<\/li>\s*<li><strong>asesor<\/strong>/,
    );
  });

  it('on WhatsApp: each command on its own line', async () => {
    const chat = harness.chat('whatsapp');
    await chat.say('hola');
    const help = renderActivityText((await chat.sayActivities('ayuda')).find((a) => /menú/.test(a.text ?? '')) ?? {});
    expect(help).toMatch(/\n- \*menú\* [^\n]+\n- \*cancelar\* [^\n]+\n- \*asesor\* /);
  });
});

describe('on the web the options carry no number', () => {
  it('so an answer not understood is told to tap one or write it, never to type its number', async () => {
    const chat = harness.chat('directline');
    await chat.say('hola');
    const menu = joined(await chat.sayActivities('kiero ver lo de mi jubilacion'));
    expect(menu).toMatch(/Toca una de las opciones/);
    expect(menu).not.toMatch(/número/);
    await chat.say('preguntas frecuentes');
    const faq = joined(await chat.sayActivities('zzz'));
    expect(faq).toMatch(/tócala o escribe cuál quieres/);
    expect(faq).not.toMatch(/número|botón/);
  });

  it('while the terminal, where options are numbered and there is no button, says to type the number', async () => {
    const chat = harness.chat('console');
    await chat.say('hola');
    await chat.say('preguntas frecuentes');
    const faq = (await chat.say('zzz')).join('\n');
    expect(faq).toMatch(/escribe su número/);
    expect(faq).not.toMatch(/botón|toca/i);
  });
});
