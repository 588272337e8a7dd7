import { randomBytes, timingSafeEqual } from 'node:crypto';
import { tokenHash } from '../hashing';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Config } from '../config';
import { type Limiter, type LimiterStore, SoftAccountLimit, createLimiter } from '../recovery/limits';
import type { KeyValueStore } from '../store/keyValue';
import type { Agent, AgentDirectory } from './agents';

/** The settings this module reads. */
export type AgentAuthConfig = Pick<Config, 'AGENT_SESSION_TTL_SECONDS' | 'PUBLIC_BASE_URL'>;

/**
 * Agent sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure when the
 * public address is https), stored hashed with a per-session CSRF token. State-changing
 * requests must come from our own origin, carry the CSRF token, and a request id that is
 * accepted only once (a captured request cannot be replayed).
 */

export interface AgentSession {
  agent: Agent;
  csrf: string;
}

const sessionSchema = z.object({ agent: z.string(), csrf: z.string() });
const requestIdSchema = z.string().regex(/^[A-Za-z0-9-]{16,64}$/);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export type Verdict = { ok: true; session: AgentSession; sessionId: string } | { ok: false; status: 401 | 403 };

export class AgentAuth {
  readonly cookieName: string;
  private readonly secure: boolean;
  private readonly ttlMs: number;
  private readonly publicOrigin: string;

  constructor(
    private readonly store: KeyValueStore,
    config: AgentAuthConfig,
    /** A session lives only while its agent is still configured, with the role configured now. */
    private readonly directory: AgentDirectory,
  ) {
    this.secure = config.PUBLIC_BASE_URL.startsWith('https://');
    // __Host- makes browsers refuse the cookie unless Secure, host-only and Path=/.
    this.cookieName = this.secure ? '__Host-iess_agent' : 'iess_agent';
    this.ttlMs = config.AGENT_SESSION_TTL_SECONDS * 1000;
    this.publicOrigin = new URL(config.PUBLIC_BASE_URL).origin;
  }

  async create(agent: Agent): Promise<{ sessionId: string; session: AgentSession }> {
    const sessionId = randomBytes(32).toString('base64url');
    const session = { agent, csrf: randomBytes(32).toString('base64url') };
    await this.store.set(`handoff:session:${tokenHash(sessionId)}`, JSON.stringify({ agent: agent.name, csrf: session.csrf }), this.ttlMs);
    return { sessionId, session };
  }

  async destroy(sessionId: string): Promise<void> {
    await this.store.delete(`handoff:session:${tokenHash(sessionId)}`);
  }

  cookie(sessionId: string): string {
    const parts = [`${this.cookieName}=${sessionId}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(this.ttlMs / 1000)}`];
    if (this.secure) parts.push('Secure');
    return parts.join('; ');
  }

  clearCookie(): string {
    return [`${this.cookieName}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(this.secure ? ['Secure'] : [])].join('; ');
  }

  private sessionIdOf(req: IncomingMessage): string | undefined {
    for (const part of (header(req, 'cookie') ?? '').split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === this.cookieName) {
        const value = rest.join('=');
        return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
      }
    }
    return undefined;
  }

  /** Same-origin check from the browser's own headers (Origin, Sec-Fetch-Site). */
  sameOrigin(req: IncomingMessage, requireOrigin: boolean): boolean {
    const site = header(req, 'sec-fetch-site');
    if (site && site !== 'same-origin') return false;
    const origin = header(req, 'origin');
    if (!origin) return !requireOrigin;
    if (origin === this.publicOrigin) return true;
    try {
      return new URL(origin).host === header(req, 'host');
    } catch {
      return false;
    }
  }

  /** Reads requests (GET): a valid session, not from another site. */
  async forRead(req: IncomingMessage): Promise<Verdict> {
    if (!this.sameOrigin(req, false)) return { ok: false, status: 403 };
    return this.session(req);
  }

  /** Changing requests (POST): session, our origin, CSRF token, a request id never seen before. */
  async forWrite(req: IncomingMessage): Promise<Verdict> {
    const verdict = await this.session(req);
    if (!verdict.ok) return verdict;
    if (!this.sameOrigin(req, true)) return { ok: false, status: 403 };
    if (!sameSecret(header(req, 'x-csrf-token') ?? '', verdict.session.csrf)) return { ok: false, status: 403 };
    const requestId = requestIdSchema.safeParse(header(req, 'x-request-id'));
    if (!requestId.success) return { ok: false, status: 403 };
    const fresh = await this.store.setIfAbsent(`handoff:request:${tokenHash(verdict.sessionId)}:${requestId.data}`, '1', this.ttlMs);
    return fresh ? verdict : { ok: false, status: 403 };
  }

  private async session(req: IncomingMessage): Promise<Verdict> {
    const sessionId = this.sessionIdOf(req);
    if (!sessionId) return { ok: false, status: 401 };
    let raw: unknown;
    try {
      raw = JSON.parse((await this.store.get(`handoff:session:${tokenHash(sessionId)}`)) ?? 'null');
    } catch {
      raw = null;
    }
    const parsed = sessionSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, status: 401 };
    const agent = this.directory.named(parsed.data.agent);
    if (!agent) return { ok: false, status: 401 };
    return { ok: true, sessionId, session: { agent, csrf: parsed.data.csrf } };
  }
}

/** Agent sign-in limits (src/recovery/README.md, "Limits"): one window for all. */
const LOGIN_WINDOW_SECONDS = 15 * 60;
const LOGIN_ATTEMPTS_PER_ADDRESS = 20;
const LOGIN_FAILURES_PER_NAME = 5;
const LOGIN_FRESH_ADDRESS_TRIES = 3;

/**
 * Login attempts: firm per address; per user name soft, so a stranger guessing from
 * elsewhere never locks the agent out of their own desk. Shared in Redis when configured.
 */
export class LoginLimiter {
  private readonly byAddress: Limiter;
  private readonly byName: SoftAccountLimit;

  constructor(store: LimiterStore) {
    this.byAddress = createLimiter(
      { name: 'agent-login-address', points: LOGIN_ATTEMPTS_PER_ADDRESS, durationSeconds: LOGIN_WINDOW_SECONDS, whenStoreFails: 'closed' },
      store,
    );
    this.byName = new SoftAccountLimit(
      {
        name: 'agent-login-name',
        failures: LOGIN_FAILURES_PER_NAME,
        windowSeconds: LOGIN_WINDOW_SECONDS,
        freshSourceTries: LOGIN_FRESH_ADDRESS_TRIES,
      },
      store,
    );
  }

  /** False when this address is used up, or the name is hot and this address already failed on it (or the store fails). */
  async allow(address: string, name: string): Promise<boolean> {
    const [byAddress, byName] = await Promise.all([this.byAddress.consume(address), this.byName.allow(name.toLowerCase(), address)]);
    return byAddress.ok && byName.ok;
  }

  async failed(address: string, name: string): Promise<void> {
    await this.byName.failed(name.toLowerCase(), address);
  }

  async succeeded(name: string): Promise<void> {
    await this.byName.succeeded(name.toLowerCase());
  }
}
