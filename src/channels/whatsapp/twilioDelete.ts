import http from 'node:http';
import https from 'node:https';
import type { WhatsAppSettings } from './settings';

/** Twilio's answer to a deletion it did not do: its HTTP status and, when it says, its error code. */
export class TwilioDeleteError extends Error {
  constructor(
    readonly status: number,
    readonly code?: number,
  ) {
    super(`twilio answered ${status} to a deletion`);
  }
}

/** Deletes one resource of the account, e.g. `Messages/SM….json`; resolves once Twilio no longer has it. */
export type TwilioDelete = (resource: string) => Promise<void>;

/** Sockets kept open to Twilio for deletions (the retention never runs more requests at once). */
const MAX_SOCKETS = 32;
/** Of an error answer only its code is read. */
const MAX_ERROR_BYTES = 4_096;

/**
 * `DELETE /2010-04-01/Accounts/{sid}/{resource}` with Basic auth on kept-alive connections,
 * as Twilio documents it. Deletions are the one request per message that is not a reply, and
 * through the twilio package (axios) each one cost about six times the CPU of node's own
 * request: a busy instance spent a fifth of its turn on them. 204 is done and so is 404
 * (nothing left to delete); anything else rejects with TwilioDeleteError, a network failure
 * or a timeout with node's error.
 */
export function createTwilioDelete(settings: WhatsAppSettings, timeoutMs = 10_000): TwilioDelete {
  const base = `${settings.apiBaseUrl?.replace(/\/+$/, '') ?? 'https://api.twilio.com'}/2010-04-01/Accounts/${settings.accountSid}/`;
  const secure = base.startsWith('https:');
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })
    : new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const request = secure ? https.request : http.request;
  const headers = {
    authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`,
    accept: 'application/json',
  };
  return (resource) =>
    new Promise<void>((resolve, reject) => {
      const req = request(new URL(resource, base), { method: 'DELETE', agent, headers, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || status === 404) {
          res
            .resume()
            .on('end', () => resolve())
            .on('error', reject);
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_ERROR_BYTES) body += chunk;
        });
        res.on('end', () => reject(new TwilioDeleteError(status, errorCode(body))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('twilio deletion timed out')));
      req.on('error', reject);
      req.end();
    });
}

/** Twilio's error body is `{"code": 20404, "message": …}`. */
function errorCode(body: string): number | undefined {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
