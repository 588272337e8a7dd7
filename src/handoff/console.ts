import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import type restify from 'restify';
import { z } from 'zod';
import type { Config } from '../config';
import { CATALOGUES, LOCALES, type Texts } from '../i18n';
import type { Logger } from '../log';
import type { LimiterStore } from '../recovery/limits';
import { AgentAuth, type AgentSession, LoginLimiter, type AgentAuthConfig } from './auth';
import { cannedReplies } from './canned';
import { historyQuerySchema, searchHistory } from './history';
import type { Handoff } from './service';
import type { TicketView } from './tickets';
import { jsonBody } from '../http/body';
import { sendSecurityHeaders } from '../web/security';
import { clientAddress } from '../http/clientAddress';
import { WEB_DIR } from '../paths';

/** The settings this module reads. */
export type AgentConsoleConfig = Pick<
  Config,
  | 'DEFAULT_LOCALE'
  | 'HANDOFF_IDLE_SECONDS'
  | 'TIMEZONE'
  | 'TRUSTED_PROXY_HOPS'
  | 'WHATSAPP_WINDOW_HOURS'
  | 'WHATSAPP_WINDOW_WARNING_MINUTES'
> &
  AgentAuthConfig;

const STATIC: Record<string, { file: string; type: string }> = {
  '/agent/app.js': { file: 'agent/app.js', type: 'text/javascript; charset=utf-8' },
  '/agent/app.css': { file: 'agent/app.css', type: 'text/css; charset=utf-8' },
  '/agent/supervisor.js': { file: 'agent/supervisor.js', type: 'text/javascript; charset=utf-8' },
};
/** The console's pages: each is the head they share (agent/head.html), then its own title, scripts and body. */
const PAGES: Record<string, string> = { '/agent': 'agent.html', '/agent/supervisor': 'agentSupervisor.html' };
/** Chart.js (a well-kept charting library) for the supervisor's charts, served from node_modules: no CDN. */
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const KEEPALIVE_MS = 25_000;
const MAX_BODY = 16 * 1024;

const loginSchema = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const messageSchema = z.object({ text: z.string().trim().min(1).max(2000) });
const presenceSchema = z.object({ status: z.enum(['available', 'away']) });
const transferSchema = z.object({ to: z.string().max(64).optional(), note: z.string().trim().max(1000).optional() });
const ticketIdSchema = z.string().uuid();
// restify leaves `req.params` untyped: the ticket id in the path is read through this.
const ticketParamsSchema = z.object({ id: ticketIdSchema }).transform((params) => params.id);
/** Claim and close carry nothing the server reads. */
const noInput = z.unknown();

export interface AgentConsoleDeps {
  config: AgentConsoleConfig;
  handoff: Handoff;
  texts: Texts;
  log: Logger;
  /** Where sign-in attempts are counted (shared by every instance with Redis). */
  limits: LimiterStore;
}

const secureHeaders = (res: restify.Response) => sendSecurityHeaders(res);

function json(res: restify.Response, status: number, body: unknown) {
  secureHeaders(res);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.sendRaw(status, JSON.stringify(body));
}

/** What the console may see of a ticket: no conversation reference (ids, phone numbers). */
export function publicTicket(ticket: TicketView, position?: number) {
  return {
    id: ticket.id,
    channel: ticket.channelId,
    reason: ticket.reason,
    locale: ticket.locale,
    summary: ticket.summary,
    status: ticket.status,
    agent: ticket.agent,
    external: ticket.external ?? false,
    openedAt: ticket.openedAt,
    claimedAt: ticket.claimedAt,
    closedAt: ticket.closedAt,
    position,
  };
}

/** The agent console at /agent and its JSON + Server-Sent Events API under /agent/api. */
export async function registerAgentConsole(server: restify.Server, deps: AgentConsoleDeps): Promise<void> {
  const { config, handoff, texts, log } = deps;
  const auth = new AgentAuth(handoff.store, config, handoff.agents);
  const limiter = new LoginLimiter(deps.limits);
  const files = new Map(Object.entries(STATIC).map(([path, f]) => [path, { body: readFileSync(join(WEB_DIR, f.file)), type: f.type }]));
  const body = jsonBody({ maxBytes: MAX_BODY });

  files.set('/agent/chart.js', { body: readFileSync(CHART_JS), type: 'text/javascript; charset=utf-8' });
  const head = readFileSync(join(WEB_DIR, 'agent', 'head.html'));
  for (const [path, file] of Object.entries(PAGES))
    files.set(path, { body: Buffer.concat([head, readFileSync(join(WEB_DIR, file))]), type: 'text/html; charset=utf-8' });
  for (const [path, file] of files) {
    server.get(path, async (_req: restify.Request, res: restify.Response) => {
      secureHeaders(res);
      res.setHeader('Content-Type', file.type);
      res.sendRaw(200, file.body);
    });
  }

  server.get('/agent/texts', async (req: restify.Request, res: restify.Response) => {
    const lang = new URL(req.url ?? '/', 'http://x').searchParams.get('lang');
    const locale = LOCALES.find((l) => l === lang) ?? config.DEFAULT_LOCALE;
    const console = texts.t(locale, 'handoff:console', { returnObjects: true });
    const reasons = texts.t(locale, 'handoff:reasons', { returnObjects: true });
    json(res, 200, { locale, console, reasons });
  });

  /** Runs a handler only for a signed-in agent; otherwise 401/403 with nothing else said. */
  const guarded =
    (
      mode: 'read' | 'write',
      handler: (req: restify.Request, res: restify.Response, session: AgentSession, sessionId: string) => Promise<void>,
    ) =>
    async (req: restify.Request, res: restify.Response) => {
      try {
        const verdict = mode === 'read' ? await auth.forRead(req) : await auth.forWrite(req);
        if (!verdict.ok) return json(res, verdict.status, { error: verdict.status === 401 ? 'unauthorized' : 'forbidden' });
        await handler(req, res, verdict.session, verdict.sessionId);
      } catch (err) {
        log.warn({ err: { type: (err as Error).name } }, 'agent console request failed');
        if (!res.headersSent) json(res, 500, { error: 'unknown' });
      }
    };

  const ticketIdOf = (req: restify.Request) => ticketParamsSchema.safeParse(req.params);

  server.post('/agent/api/login', body, async (req: restify.Request, res: restify.Response) => {
    try {
      if (!auth.sameOrigin(req, true)) return json(res, 403, { error: 'forbidden' });
      const parsed = loginSchema.safeParse(req.body);
      if (!parsed.success) return json(res, 400, { error: 'bad_request' });
      const { name, password } = parsed.data;
      const address = clientAddress(req, config.TRUSTED_PROXY_HOPS);
      if (!(await limiter.allow(address, name))) return json(res, 429, { error: 'limited' });
      const agent = await handoff.agents.check(name, password);
      if (!agent) {
        await limiter.failed(address, name);
        return json(res, 401, { error: 'login_failed' });
      }
      await limiter.succeeded(name);
      const { sessionId, session } = await auth.create(agent);
      res.setHeader('Set-Cookie', auth.cookie(sessionId));
      log.info({ agent: agent.name }, 'agent signed in');
      // Signing in opens the console: the agent is available unless they chose away earlier.
      await handoff.consoleOpen(agent);
      json(res, 200, { agent: agent.displayName, role: agent.role, csrf: session.csrf, presence: await handoff.presence.of(agent.name) });
    } catch (err) {
      log.warn({ err: { type: (err as Error).name } }, 'agent login failed');
      json(res, 500, { error: 'unknown' });
    }
  });

  server.post(
    '/agent/api/logout',
    guarded('write', async (_req, res, session, sessionId) => {
      await auth.destroy(sessionId);
      await handoff.setPresence(session.agent, 'away');
      res.setHeader('Set-Cookie', auth.clearCookie());
      json(res, 200, { ok: true });
    }),
  );

  server.get(
    '/agent/api/session',
    guarded('read', async (_req, res, session) => {
      await handoff.consoleOpen(session.agent);
      json(res, 200, {
        agent: session.agent.displayName,
        role: session.agent.role,
        csrf: session.csrf,
        presence: await handoff.presence.of(session.agent.name),
      });
    }),
  );

  // The supervisor's view: the live queue, the team's load, satisfaction and the recovery funnel.
  server.get(
    '/agent/api/supervisor',
    guarded('read', async (_req, res, session) => {
      if (session.agent.role !== 'supervisor') return json(res, 403, { error: 'forbidden' });
      const [open, team, satisfaction, funnel] = await Promise.all([
        handoff.tickets.listOpen(),
        handoff.team(),
        handoff.survey.report(),
        handoff.funnel.report(),
      ]);
      let place = 0;
      const queue = open.filter((t) => !t.external).map((t) => publicTicket(t, t.status === 'waiting' ? ++place : undefined));
      json(res, 200, { now: Date.now(), queue, team, satisfaction, funnel });
    }),
  );

  server.get(
    '/agent/api/team',
    guarded('read', async (_req, res) => json(res, 200, { team: await handoff.team() })),
  );

  server.post(
    '/agent/api/presence',
    body,
    guarded('write', async (req, res, session) => {
      const parsed = presenceSchema.safeParse(req.body);
      if (!parsed.success) return json(res, 400, { error: 'bad_request' });
      await handoff.setPresence(session.agent, parsed.data.status);
      json(res, 200, { presence: parsed.data.status });
    }),
  );

  // Canned replies in the person's language (the ticket's locale), facts filled in.
  server.get(
    '/agent/api/canned',
    guarded('read', async (req, res, session) => {
      const lang = new URL(req.url ?? '/', 'http://x').searchParams.get('lang');
      // The ticket's catalogue: a person the bot speaks to in usted gets the replies in usted.
      const locale = CATALOGUES.find((l) => l === lang) ?? config.DEFAULT_LOCALE;
      json(res, 200, { locale, replies: cannedReplies(texts, locale, { agent: session.agent.displayName }) });
    }),
  );

  server.get(
    '/agent/api/tickets',
    guarded('read', async (_req, res) => {
      const open = await handoff.tickets.listOpen();
      let place = 0;
      const tickets = open.filter((t) => !t.external).map((t) => publicTicket(t, t.status === 'waiting' ? ++place : undefined));
      json(res, 200, { tickets });
    }),
  );

  // Closed tickets, searchable for as long as they are kept (TRANSCRIPT_TTL_SECONDS).
  server.get(
    '/agent/api/history',
    guarded('read', async (req, res) => {
      const params = Object.fromEntries([...new URL(req.url ?? '/', 'http://x').searchParams].filter(([, v]) => v !== ''));
      const query = historyQuerySchema.safeParse(params);
      if (!query.success) return json(res, 400, { error: 'bad_request' });
      const [closed, surveys] = await Promise.all([handoff.tickets.closedRecent(), handoff.survey.results()]);
      const ratings = new Map(surveys.map((r) => [r.id, r.rating]));
      const tickets = searchHistory(closed, query.data, config.TIMEZONE).map((t) => ({ ...t, rating: ratings.get(t.id) }));
      json(res, 200, { tickets });
    }),
  );

  server.get(
    '/agent/api/tickets/:id',
    guarded('read', async (req, res) => {
      const id = ticketIdOf(req);
      const detail = id.success ? await handoff.detail(id.data) : undefined;
      if (!detail) return json(res, 404, { error: 'missing' });
      json(res, 200, {
        ticket: publicTicket(detail.ticket, detail.position),
        transcript: detail.transcript,
        windowClosed: detail.windowClosed,
        windowClosesAt: detail.windowClosesAt,
        windowMs: config.WHATSAPP_WINDOW_HOURS * 3_600_000,
        // The console warns from these, live, with no further request.
        idleAfterMs: config.HANDOFF_IDLE_SECONDS * 1000,
        windowWarningMs: config.WHATSAPP_WINDOW_WARNING_MINUTES * 60_000,
      });
    }),
  );

  /**
   * `POST /agent/api/tickets/:id/<action>` for the signed-in agent: an id that names no ticket
   * is 404, a body that does not fit `schema` 400; `act` gives the answer's status and body.
   */
  const ticketAction = <T>(
    action: string,
    schema: z.ZodType<T>,
    act: (id: string, input: T, session: AgentSession) => Promise<[number, unknown]>,
  ) =>
    server.post(
      `/agent/api/tickets/:id/${action}`,
      body,
      guarded('write', async (req, res, session) => {
        const id = ticketIdOf(req);
        if (!id.success) return json(res, 404, { error: 'missing' });
        const input = schema.safeParse(req.body);
        if (!input.success) return json(res, 400, { error: 'bad_request' });
        const [status, answer] = await act(id.data, input.data, session);
        json(res, status, answer);
      }),
    );

  ticketAction('claim', noInput, async (id, _input, session) => {
    const result = await handoff.claim(id, session.agent);
    switch (result.result) {
      case 'claimed':
        return [200, { ticket: publicTicket(result.ticket), notified: result.notified, notDelivered: result.notDelivered }];
      case 'taken':
        return [
          409,
          { error: 'taken', agent: result.agent === session.agent.name ? session.agent.displayName : displayName(result.agent) },
        ];
      case 'closed':
        return [409, { error: 'closed' }];
      default:
        return [404, { error: 'missing' }];
    }
  });

  ticketAction('messages', messageSchema, async (id, { text }, { agent }) =>
    outcome(await handoff.send(id, agent, text), 'sent', {
      sent: 200,
      missing: 404,
      closed: 409,
      not_claimed: 409,
      not_yours: 403,
      window_closed: 409,
      failed: 502,
    }),
  );

  ticketAction('notes', messageSchema, async (id, { text }, { agent }) =>
    outcome(await handoff.addNote(id, agent, text), 'noted', { noted: 200, missing: 404, closed: 409 }),
  );

  ticketAction('transfer', transferSchema, async (id, { to, note }, { agent }) =>
    outcome(await handoff.transfer(id, agent, to || undefined, note || undefined), 'transferred', {
      transferred: 200,
      missing: 404,
      closed: 409,
      not_yours: 403,
      taken: 409,
      unknown_agent: 400,
      away: 409,
    }),
  );

  ticketAction('close', noInput, async (id, _input, { agent }) => {
    const result = await handoff.close(id, agent);
    // Closed twice reads as any other closed ticket does.
    return result === 'already' ? [409, { error: 'closed' }] : outcome(result, 'closed', { closed: 200, missing: 404, not_yours: 403 });
  });

  // Live updates: every change of the queue and every message, pushed to the open consoles.
  server.get('/agent/api/events', async (req: restify.Request, res: restify.Response) => {
    const verdict = await auth.forRead(req).catch(() => ({ ok: false as const, status: 401 as const }));
    if (!verdict.ok) return json(res, verdict.status, { error: verdict.status === 401 ? 'unauthorized' : 'forbidden' });
    const raw = res as unknown as ServerResponse;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.write('retry: 3000\n\n');
    let unsubscribe: (() => Promise<void>) | undefined;
    let closed = false;
    const stop = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      void unsubscribe?.().catch(() => undefined);
      raw.end();
    };
    const agent = verdict.session.agent;
    // While the console is open the agent is present (available unless they chose away).
    const present = () =>
      handoff.consoleOpen(agent).catch((err: Error) => log.warn({ err: { type: err.name } }, 'agent presence not kept'));
    const keepUp = async () => {
      // A session that ended (logout, expiry) ends its stream too.
      const still = await auth.forRead(req).catch(() => ({ ok: false }));
      if (closed) return; // ended while the session was checked: nothing more may be written
      if (!still.ok) {
        raw.write('event: session\ndata: {}\n\n');
        return stop();
      }
      await present();
      raw.write(': keep-alive\n\n');
    };
    // A stream that cannot be written to any more is ended, not left to fail at every beat.
    const keepAlive = setInterval(() => void keepUp().catch(stop), KEEPALIVE_MS);
    req.on('close', stop);
    raw.on('error', stop);
    try {
      unsubscribe = await handoff.tickets.subscribe((event) => {
        if (!closed) raw.write(`data: ${JSON.stringify(event)}\n\n`);
      });
      if (closed) void unsubscribe().catch(() => undefined);
      else {
        await present();
        raw.write('data: {"type":"ready"}\n\n');
      }
    } catch (err) {
      log.warn({ err: { type: (err as Error).name } }, 'agent event stream could not subscribe');
      stop();
    }
  });
}

/** A ticket action's answer: `{ ok: true }` for the result that means done, else the result as the error. */
function outcome<R extends string>(result: R, done: R, statuses: Record<R, number>): [number, unknown] {
  return [statuses[result], result === done ? { ok: true } : { error: result }];
}

function displayName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
