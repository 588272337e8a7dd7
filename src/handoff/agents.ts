import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AgentsConfigError } from '../errors';

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum for scrypt), 64 MB of memory per check. */
const DEFAULT_COST = { N: 32768, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** "scrypt$N$r$p$salt$hash" with base64url salt and hash: safe inside AGENTS (no ":" or ";"). */
export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const hashSchema = z
  .string()
  .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/)
  .transform((s) => {
    const [, N, r, p, salt, key] = s.split('$');
    return { cost: { N: Number(N), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
  })
  .refine((h) => h.cost.N >= 1024 && (h.cost.N & (h.cost.N - 1)) === 0 && h.cost.N <= 1 << 20 && h.key.length === KEY_LENGTH, {
    message: 'unsupported scrypt parameters',
  });

type ParsedHash = z.infer<typeof hashSchema>;

export async function verifyPassword(password: string, hash: ParsedHash): Promise<boolean> {
  const key = await scrypt(password, hash.salt, hash.cost);
  return timingSafeEqual(key, hash.key);
}

export type AgentRole = 'agent' | 'supervisor';

export interface Agent {
  /** Login name, lower case. */
  name: string;
  /** How the person sees the agent: "Ana". */
  displayName: string;
  /** Supervisors also see the team's view (/agent/supervisor) and get no tickets by auto-assignment. */
  role: AgentRole;
}

export const agentNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, 'agent names: lower-case letters, digits, . _ -');

const roleSchema = z.enum(['agent', 'supervisor']);

/** The operator's agents (AGENTS="ana:scrypt$...;marta:scrypt$...:supervisor"), checked by password. */
export class AgentDirectory {
  private readonly agents = new Map<string, ParsedHash>();
  private readonly roles = new Map<string, AgentRole>();
  /** Checked when the name is unknown, so both cases take the same time. */
  private decoy?: Promise<ParsedHash>;

  constructor(spec: string | undefined) {
    for (const entry of (spec ?? '')
      .split(';')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [rawName, rawHash = '', rawRole = 'agent', ...rest] = entry.split(':').map((p) => p.trim());
      const name = agentNameSchema.safeParse(rawName.toLowerCase());
      const hash = hashSchema.safeParse(rawHash);
      const role = roleSchema.safeParse(rawRole.toLowerCase());
      if (!rawName || !name.success) throw new AgentsConfigError(`AGENTS: bad agent name in entry ${this.agents.size + 1}`);
      if (!hash.success) throw new AgentsConfigError(`AGENTS: the hash of "${name.data}" is not a scrypt hash from npm run agent-hash`);
      if (!role.success || rest.length) throw new AgentsConfigError(`AGENTS: the role of "${name.data}" must be agent or supervisor`);
      this.agents.set(name.data, hash.data);
      this.roles.set(name.data, role.data);
    }
  }

  get size(): number {
    return this.agents.size;
  }

  /** Everyone configured, by login name. */
  all(): Agent[] {
    return [...this.roles.keys()].map((name) => this.named(name)!);
  }

  /** The configured agent of that name (undefined when no longer configured). */
  named(name: string): Agent | undefined {
    const role = this.roles.get(name);
    return role ? agentNamed(name, role) : undefined;
  }

  /** The agent when name and password match; undefined otherwise (same work either way). */
  async check(name: string, password: string): Promise<Agent | undefined> {
    const key = name.trim().toLowerCase();
    const hash = this.agents.get(key);
    if (!hash) {
      // Same cost as a real agent's hash, so a wrong name takes as long as a wrong password.
      const cost = this.agents.values().next().value?.cost ?? DEFAULT_COST;
      this.decoy ??= hashPassword('decoy', cost).then((h) => hashSchema.parse(h));
      await verifyPassword(password, await this.decoy);
      return undefined;
    }
    return (await verifyPassword(password, hash)) ? this.named(key) : undefined;
  }
}

export function agentNamed(name: string, role: AgentRole = 'agent'): Agent {
  return { name, displayName: name.charAt(0).toUpperCase() + name.slice(1), role };
}
