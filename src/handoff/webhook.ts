import { createHmac } from 'node:crypto';
import type { Logger } from '../log';

/**
 * Tells the operator's own software about each new ticket: a JSON POST signed with
 * HMAC-SHA256 over "<timestamp>.<body>" (headers X-Handoff-Timestamp and X-Handoff-Signature:
 * "sha256=<hex>"), so the receiver can check origin and refuse old replays.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookSender {
  send(payload: unknown): Promise<boolean>;
}

export function createWebhookSender(url: string, secret: string, log: Logger, timeoutMs = 5000): WebhookSender {
  return {
    async send(payload) {
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Handoff-Timestamp': timestamp,
            'X-Handoff-Signature': signWebhook(secret, timestamp, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!res.ok) log.warn({ status: res.status }, 'handoff webhook refused the ticket');
        await res.body?.cancel().catch(() => undefined);
        return res.ok;
      } catch (err) {
        log.warn({ err: { type: (err as Error).name } }, 'handoff webhook unreachable');
        return false;
      }
    },
  };
}
