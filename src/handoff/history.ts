import { z } from 'zod';
import { agentNameSchema } from './agents';
import type { ClosedTicket } from './tickets';

/** What an agent may search closed tickets by; every field optional, all must match. */
export const historyQuerySchema = z.object({
  /** Last digits of the cédula/RUC, as the masked number shows them (at most 3). */
  digits: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional(),
  /** The day it was opened, in the operator's time zone. */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  reason: z
    .string()
    .regex(/^[a-z_]{1,32}$/)
    .optional(),
  agent: agentNameSchema.optional(),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** Most results a search returns (newest first). */
export const HISTORY_LIMIT = 50;

/** "2026-12-01" for an instant, in a time zone. */
export function localDay(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function searchHistory(tickets: ClosedTicket[], query: HistoryQuery, timeZone: string): ClosedTicket[] {
  return tickets
    .filter(
      (t) =>
        (!query.digits || (t.maskedNumber ?? '').endsWith(query.digits)) &&
        (!query.date || localDay(t.openedAt, timeZone) === query.date) &&
        (!query.reason || t.reason === query.reason) &&
        (!query.agent || t.agent === query.agent),
    )
    .slice(0, HISTORY_LIMIT);
}
