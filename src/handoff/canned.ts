import { z } from 'zod';
import type { Locale, Texts } from '../i18n';

/** A saved answer an agent inserts with its shortcut ("/spam") or from the picker. */
export interface CannedReply {
  shortcut: string;
  title: string;
  text: string;
}

const listSchema = z.array(
  z.object({ shortcut: z.string().regex(/^[a-z0-9-]{1,20}$/), title: z.string().min(1), text: z.string().min(1) }),
);

/**
 * The canned replies of a locale (locales/<locale>/handoff.json, "canned"), with the facts
 * filled in: {{phone}}, {{site}} and {{institution}} from configuration, {{agent}} the agent's name.
 */
export function cannedReplies(texts: Texts, locale: Locale, vars: { agent: string }): CannedReply[] {
  const raw = listSchema.safeParse(texts.t(locale, 'handoff:canned', { returnObjects: true }));
  if (!raw.success) return [];
  return raw.data.map((reply, i) => ({
    shortcut: reply.shortcut,
    title: reply.title,
    text: texts.t(locale, `handoff:canned.${i}.text`, vars),
  }));
}
