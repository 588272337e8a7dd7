import { z } from 'zod';

/** The largest body a page may POST as one activity. */
export const MAX_ACTIVITY_BYTES = 16 * 1024;
/** The longest text a person may send in one message. */
export const MAX_TEXT_LENGTH = 2_000;

const shortString = (max: number) => z.string().max(max);

/**
 * What a page may post: the fields Web Chat and directlinejs send, each bounded. Anything
 * else is dropped; `from`, `conversation`, `recipient`, ids and timestamps are set by the
 * server from the token, never taken from the page.
 */
export const inboundActivitySchema = z.object({
  type: z.enum(['message', 'typing', 'event']),
  text: shortString(MAX_TEXT_LENGTH).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: shortString(35).optional(),
  localTimestamp: shortString(64).optional(),
  localTimezone: shortString(64).optional(),
  name: shortString(200).optional(),
  value: z.unknown().optional(),
  from: z.object({ id: shortString(200).optional(), name: shortString(200).optional() }).optional(),
  channelData: z
    .object({
      // Web Chat matches the echo to the message it shows as "sending" by this id.
      clientActivityID: shortString(100).optional(),
      clientTimestamp: shortString(64).optional(),
      postBack: z.boolean().optional(),
      messageBack: z.unknown().optional(),
    })
    .optional(),
  entities: z.array(z.record(z.string(), z.unknown())).max(10).optional(),
  attachments: z.array(z.unknown()).max(0, 'attachments are not accepted on this channel').optional(),
});

export type InboundActivity = z.infer<typeof inboundActivitySchema>;

/** What the conversation start and token request may carry. */
export const startBodySchema = z
  .object({
    user: z.object({ id: shortString(200).optional(), name: shortString(200).optional() }).optional(),
    locale: shortString(35).optional(),
  })
  .optional();
