import { z } from 'zod';

/** The longest text one message may carry here (a person types far less). */
export const MAX_TEXT_LENGTH = 5_000;

const date = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not a date')
  .transform((value) => new Date(value));
const account = z.looseObject({ id: z.string().min(1).max(256), name: z.string().max(256).optional() });

/**
 * An activity as Bot Framework channels post it, with the fields the bot relies on checked
 * and bounded (anything else passes through untouched, as botbuilder expects). Timestamps
 * become dates, as botbuilder's own check would make them.
 */
export const botFrameworkActivitySchema = z.looseObject({
  type: z.string().regex(/^[A-Za-z]{1,40}$/, 'a Bot Framework activity type'),
  id: z.string().max(256).optional(),
  channelId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", up to 64'),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  conversation: z.looseObject({ id: z.string().min(1).max(512) }),
  from: account,
  recipient: account.optional(),
  text: z.string().max(MAX_TEXT_LENGTH).optional(),
  locale: z.string().max(35).optional(),
  deliveryMode: z.enum(['normal', 'notification', 'expectReplies', 'ephemeral']).optional(),
  timestamp: date.optional(),
  localTimestamp: date.optional(),
  expiration: date.optional(),
});

export type BotFrameworkActivity = z.infer<typeof botFrameworkActivitySchema>;

/** The first problem, as "field: what was wrong", short enough for a response body. */
export function firstReason(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  return `${where}: ${issue?.message ?? 'invalid'}`.slice(0, 160);
}

/** True for http(s) URLs on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
