import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import twilio from 'twilio';
import WebSocket from 'ws';
import {
  body,
  pageMessage,
  contentType,
  encoded,
  extraHeaders,
  gzipBomb,
  method,
  newKeyRequest,
  pathWith,
  whatsappForm,
  wsFrame,
} from './inputs';

/** The server under test, reached only over the network, and what is known about it. */
export interface Target {
  url: string;
  /** The address Twilio signs webhooks over (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  twilioAuthToken: string;
  sender: string;
  agent: { name: string; password: string };
  /** False once the process has ended. */
  alive(): boolean;
  /** Resident memory of the process, in bytes. */
  rss(): number;
}

export interface Budget {
  count: number;
  seconds: number;
  seed: number;
  concurrency: number;
  /** Size of the gzip bomb once decompressed. */
  bombMegabytes: number;
}

export interface Report {
  sent: number;
  bySurface: Record<string, number>;
  /** Per surface, how many inputs got each answer (an HTTP status, or how a socket ended). */
  answers: Record<string, Record<string, number>>;
  serverErrors: Array<{ surface: string; what: string; status: number }>;
  networkErrors: number;
  networkErrorSamples: string[];
  crashed: boolean;
  rssBefore: number;
  rssAfter: number;
  seconds: number;
}

type Outcome = number | string;
interface Case {
  surface: string;
  what: string;
  run(): Promise<Outcome>;
}

const TIMEOUT_MS = 15_000;

/** A conversation and an agent session to fuzz the authenticated routes with. */
interface Sessions {
  conversationId: string;
  token: string;
  agentCookie?: string;
  csrf?: string;
}

async function openSessions(target: Target): Promise<Sessions> {
  const issued = (await (
    await fetch(`${target.url}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  ).json()) as {
    token: string;
  };
  // The server names its https public address; the fuzzer talks to the process directly.
  const started = await fetch(`${target.url}/v3/directline/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${issued.token}` },
  });
  if (started.status !== 201) throw new Error(`could not start a Direct Line conversation: ${started.status}`);
  const conversation = (await started.json()) as { conversationId: string; token: string };
  const login = await fetch(`${target.url}/agent/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: target.url },
    body: JSON.stringify(target.agent),
  });
  const sessions: Sessions = { conversationId: conversation.conversationId, token: conversation.token };
  if (login.status === 200) {
    sessions.agentCookie = login.headers.get('set-cookie')?.split(';')[0];
    sessions.csrf = ((await login.json()) as { csrf: string }).csrf;
  }
  return sessions;
}

async function send(url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array }): Promise<Outcome> {
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers,
    body: init.body && !['GET', 'HEAD'].includes(init.method) ? new Uint8Array(init.body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  // An event stream never ends by itself: its answer is the status, then the client leaves.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
  else await res.arrayBuffer();
  return res.status;
}

/** Sends one frame on a fresh Direct Line socket; the outcome is how the socket ended up. */
async function sendFrame(target: Target, sessions: Sessions, bytes: Buffer): Promise<Outcome> {
  const res = await fetch(`${target.url}/v3/directline/conversations/${sessions.conversationId}`, {
    headers: { authorization: `Bearer ${sessions.token}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status !== 200) return res.status;
  const { streamUrl } = (await res.json()) as { streamUrl: string };
  const ws = new WebSocket(streamUrl.replace(/^wss:/, 'ws:'));
  ws.on('error', () => undefined); // the outcome is read from 'close'
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed before open')));
    });
    (ws as unknown as { _socket: Socket })._socket.write(bytes);
    // A pong proves the server read past the frame; a close says it refused it.
    return await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => resolve('ws-no-answer'), TIMEOUT_MS);
      ws.once('pong', () => {
        clearTimeout(timer);
        resolve('ws-open');
      });
      ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(`ws-close-${code}`);
      });
      ws.ping();
    });
  } finally {
    ws.terminate();
  }
}

/** Every kind of input, as fast-check arbitraries of cases. */
function cases(target: Target, sessions: Sessions, bomb: Buffer): fc.Arbitrary<Case> {
  const base = target.url;
  const anyRoute = fc
    .tuple(method, pathWith(sessions.conversationId), body, contentType, extraHeaders)
    .chain(([verb, path, b, type, headers]) => encoded(b, bomb).map((e) => ({ verb, path, e, type, headers })))
    .map(({ verb, path, e, type, headers }): Case => ({
      surface: 'http',
      what: `${verb} ${path} ${e.label} ${type ?? '(no type)'} ${Object.keys(headers).join(',')}`,
      run: () =>
        send(`${base}${path}`, {
          method: verb,
          headers: {
            ...headers,
            ...(type !== undefined ? { 'content-type': type } : {}),
            ...(e.encoding ? { 'content-encoding': e.encoding } : {}),
          },
          body: e.bytes,
        }),
    }));

  const directLine = fc
    .tuple(fc.oneof(pageMessage, body), fc.constantFrom('application/json', 'text/plain', ''))
    .map(([b, type]): Case => ({
      surface: 'directline',
      what: `activity ${b.label} ${type}`,
      run: () =>
        send(`${base}/v3/directline/conversations/${sessions.conversationId}/activities`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sessions.token}`, 'content-type': type },
          body: b.bytes,
        }),
    }));

  const webSocket = wsFrame.map((f): Case => ({
    surface: 'websocket',
    what: `frame ${f.label}`,
    run: () => sendFrame(target, sessions, f.bytes),
  }));

  const whatsapp = fc
    .tuple(fc.constantFrom('/api/whatsapp', '/api/whatsapp/status'), whatsappForm(target.sender))
    .map(([path, params]): Case => ({
      surface: 'whatsapp',
      what: `signed ${path} ${Object.keys(params).join(',')}`,
      run: () =>
        send(`${base}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(target.twilioAuthToken, `${target.publicBaseUrl}${path}`, params),
          },
          body: Buffer.from(new URLSearchParams(params).toString()),
        }),
    }));

  const newKey = fc.tuple(fc.constantFrom('/api/clave/estado', '/api/clave/nueva'), newKeyRequest).map(([path, request]): Case => ({
    surface: 'newkey',
    what: `${path} ${Object.keys(request).join(',')}`,
    run: () =>
      send(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(request)),
      }),
  }));

  const agentPaths = fc
    .constantFrom('claim', 'messages', 'close')
    .chain((action) =>
      fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })).map((id) => `/agent/api/tickets/${encodeURIComponent(id)}/${action}`),
    );
  const agent = fc
    .tuple(fc.oneof(agentPaths, fc.constantFrom('/agent/api/login', '/agent/api/tickets', '/agent/api/events')), body, fc.boolean())
    .map(([path, b, withCsrf]): Case => ({
      surface: 'agent',
      what: `${path} ${b.label}${withCsrf ? ' csrf' : ''}`,
      run: () =>
        send(`${base}${path}`, {
          method: path.endsWith('/tickets') || path.endsWith('/events') ? 'GET' : 'POST',
          headers: {
            'content-type': 'application/json',
            origin: base,
            ...(sessions.agentCookie ? { cookie: sessions.agentCookie } : {}),
            ...(withCsrf && sessions.csrf ? { 'x-csrf-token': sessions.csrf, 'x-request-id': randomUUID() } : {}),
          },
          body: b.bytes,
        }),
    }));

  return fc.oneof(
    { weight: 6, arbitrary: anyRoute },
    { weight: 2, arbitrary: directLine },
    { weight: 1, arbitrary: webSocket },
    { weight: 2, arbitrary: whatsapp },
    { weight: 1, arbitrary: newKey },
    { weight: 1, arbitrary: agent },
  );
}

/** Sends up to `budget.count` inputs within `budget.seconds`, and says what happened. */
export async function fuzz(target: Target, budget: Budget): Promise<Report> {
  const started = Date.now();
  const deadline = started + budget.seconds * 1000;
  const bomb = gzipBomb(budget.bombMegabytes);
  const sessions = await openSessions(target);
  const arbitrary = cases(target, sessions, bomb);
  const report: Report = {
    sent: 0,
    bySurface: {},
    answers: {},
    serverErrors: [],
    networkErrors: 0,
    networkErrorSamples: [],
    crashed: false,
    rssBefore: target.rss(),
    rssAfter: 0,
    seconds: 0,
  };

  let next = 0;
  // Generated a batch at a time, so large bodies never pile up in memory.
  const BATCH = 50;
  let batch: Case[] = [];
  const take = (): Case | undefined => {
    if (next >= budget.count || Date.now() > deadline || !target.alive()) return undefined;
    if (next % BATCH === 0) batch = fc.sample(arbitrary, { numRuns: BATCH, seed: budget.seed + next });
    return batch[next++ % BATCH];
  };

  const worker = async () => {
    for (let c = take(); c; c = take()) {
      report.sent++;
      report.bySurface[c.surface] = (report.bySurface[c.surface] ?? 0) + 1;
      let outcome: Outcome;
      try {
        outcome = await c.run();
      } catch (error) {
        outcome = 'network-error';
        report.networkErrors++;
        const cause = (error as Error & { cause?: Error }).cause ?? (error as Error);
        if (report.networkErrorSamples.length < 10) report.networkErrorSamples.push(`${c.what.slice(0, 120)}: ${cause.message}`);
      }
      const answers = (report.answers[c.surface] ??= {});
      answers[String(outcome)] = (answers[String(outcome)] ?? 0) + 1;
      if (typeof outcome === 'number' && outcome >= 500)
        report.serverErrors.push({ surface: c.surface, what: c.what.slice(0, 200), status: outcome });
    }
  };
  await Promise.all(Array.from({ length: budget.concurrency }, worker));

  const health = await fetch(`${target.url}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
    (res) => res.status,
    () => 0,
  );
  // Up means answering: a refusal (429) is an answer, silence or a 5xx is not.
  report.crashed = !target.alive() || health === 0 || health >= 500;
  report.rssAfter = target.alive() ? target.rss() : 0;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** The report as a person reads it. */
export function formatReport(report: Report): string {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const lines = [
    `inputs sent: ${report.sent} in ${report.seconds.toFixed(1)} s`,
    ...Object.entries(report.bySurface).map(
      ([surface, n]) =>
        `  ${surface} ${n}: ${Object.entries(report.answers[surface] ?? {})
          .sort()
          .map(([k, v]) => `${k}×${v}`)
          .join(' ')}`,
    ),
    `crashes: ${report.crashed ? 1 : 0}`,
    `5xx: ${report.serverErrors.length}`,
    ...report.serverErrors.slice(0, 10).map((e) => `  ${e.status} ${e.surface}: ${e.what}`),
    `network errors (client side): ${report.networkErrors}`,
    ...report.networkErrorSamples.map((s) => `  ${s}`),
    `RSS before/after: ${mb(report.rssBefore)} → ${mb(report.rssAfter)}`,
  ];
  return lines.join('\n');
}
