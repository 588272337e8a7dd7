import { Agent, request } from 'node:http';

/** One keep-alive agent for the whole load generator: a person's turns reuse sockets, as a client library does. */
const agent = new Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });

export interface HttpResult {
  status: number;
  body: string;
}

/** A plain HTTP request to 127.0.0.1, bounded by `timeoutMs`; node:http is lighter than fetch, so the load generator costs less CPU. */
export function send(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body?: string,
  timeoutMs = 30_000,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.hostname !== '127.0.0.1') return reject(new Error(`traffic only to 127.0.0.1, not ${target.hostname}`));
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(
      {
        method,
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        agent,
        headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const postJson = (url: string, value: unknown, headers: Record<string, string> = {}, timeoutMs?: number) =>
  send('POST', url, { 'content-type': 'application/json', ...headers }, JSON.stringify(value), timeoutMs);
