import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codeInText, readOutbox } from '../src/recovery/mail';
import { InProcessChats, startTestApp, type TestApp, type TestConversation } from './helpers/app';
import { linkIn, pickOption, setNewKey } from './helpers/demo';

/**
 * Conversations written as data in test/transcripts/*.json, readable by a support lead:
 * each step is what the person writes and pieces of what the bot must answer, in order.
 * "{code}" stands for the newest code in the outbox; a "choose" step answers with the number
 * of whichever listed option is one of the given right answers; a "newKey" step opens the last link
 * and sets that key, and "later" lists what the chat must then be told.
 */
const Expect = { bot: z.array(z.string()).default([]), notBot: z.array(z.string()).default([]) };
const Step = z.union([
  z.object({ user: z.string(), ...Expect }),
  z.object({ choose: z.array(z.string()).min(1), ...Expect }),
  z.object({ newKey: z.string(), later: z.array(z.string()).default([]) }),
]);
const Transcript = z.object({
  title: z.string(),
  channel: z.string().default('console'),
  locale: z.string().default('es-EC'),
  steps: z.array(Step),
});

const dir = join(__dirname, 'transcripts');
const transcripts = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, ...Transcript.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }));

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

let harness: TestApp;
beforeAll(async () => {
  harness = await startTestApp({}, {}, { chats: new InProcessChats(['console', 'directline', 'whatsapp']) });
});
afterAll(async () => {
  await harness.close();
});

async function newestCode(): Promise<string> {
  await harness.mailSent();
  const mails = await readOutbox(harness.outbox);
  const code = mails
    .sort((a, b) => b.date.getTime() - a.date.getTime() || b.file.localeCompare(a.file))
    .map((m) => codeInText(m.text))
    .find(Boolean);
  if (!code) throw new Error('no code in the outbox');
  return code;
}

async function setKey(conversation: TestConversation, key: string) {
  const { token } = linkIn([...conversation.transcript].reverse().join('\n'));
  expect(await setNewKey(harness.url, token, key), 'new-key page answer').toBe(200);
}

describe.each(transcripts)('$file: $title', (transcript) => {
  it('answers as written', async () => {
    const conversation = harness.chat(transcript.channel, transcript.locale);
    for (const [index, step] of transcript.steps.entries()) {
      if ('newKey' in step) {
        await setKey(conversation, step.newKey);
        await expect.poll(() => fold(conversation.later.join('\n')), { timeout: 5_000 }).toContain(fold(step.later[0] ?? ''));
        for (const expected of step.later) expect(fold(conversation.later.join('\n'))).toContain(fold(expected));
        continue;
      }
      const said = 'choose' in step ? `choose ${step.choose.join(' | ')}` : step.user;
      const text =
        'choose' in step
          ? pickOption(conversation.transcript.at(-1) ?? '', step.choose)
          : step.user === '{code}'
            ? await newestCode()
            : step.user;
      const replies = fold((await conversation.say(text)).join('\n---\n'));
      let from = 0;
      for (const expected of step.bot) {
        const at = replies.indexOf(fold(expected), from);
        expect(at, `step ${index + 1} (${said}) should answer «${expected}», got:\n${replies}`).toBeGreaterThanOrEqual(0);
        from = at + 1;
      }
      for (const unexpected of step.notBot) {
        expect(replies, `step ${index + 1} (${said}) must not say «${unexpected}»`).not.toContain(fold(unexpected));
      }
    }
  });
});
