import { existsSync } from 'node:fs';
import { z } from 'zod';
import { AgentDirectory } from './handoff/agents';
import { productionProblems } from './configSafety';
import { ServiceHours } from './handoff/hours';
import { ConfigError } from './errors';

/** Placeholder secret for local use; production refuses it. */
export const DEV_SECRET = 'dev-only-secret-change-me-0123456789';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const seconds = (def: number) => z.coerce.number().int().positive().default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url().optional());

/** "host:port,host:port" → [{ host, port }] (the port may be left out); empty → undefined. */
const hostList = (defaultPort: number) =>
  optionalString.transform((list, ctx) => {
    if (!list) return undefined;
    const hosts: Array<{ host: string; port: number }> = [];
    for (const item of list
      .split(',')
      .map((i) => i.trim())
      .filter(Boolean)) {
      const at = item.lastIndexOf(':');
      const host = at > 0 ? item.slice(0, at) : item;
      const port = at > 0 ? Number(item.slice(at + 1)) : defaultPort;
      if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port (e.g. 10.0.0.5:${defaultPort})` });
        return z.NEVER;
      }
      hosts.push({ host, port });
    }
    return hosts.length ? hosts : undefined;
  });

/** "https://a.example, https://b.example" → their origins. */
const originList = optionalString.transform((list, ctx) => {
  const origins: string[] = [];
  for (const entry of (list ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    if (!URL.canParse(entry) || !/^https?:$/.test(new URL(entry).protocol)) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not a site address like https://www.example.ec` });
      return z.NEVER;
    }
    origins.push(new URL(entry).origin);
  }
  return origins;
});

/** Every environment variable the assistant reads. `.env.example` documents each one. */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_BASE_URL: z.url().default('http://localhost:3978'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DEFAULT_LOCALE: z.enum(['es-EC', 'en']).default('es-EC'),
    /** How the bot addresses people in Spanish: tú, or usted in every sentence (locales/es-EC-x-usted). */
    TONE: z.enum(['tu', 'usted']).default('tu'),
    SERVER_SECRET: z.string().min(32).default(DEV_SECRET),
    // Prometheus metrics: on a port of their own, and/or behind a bearer token (production: one of them, or none served).
    METRICS_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
    METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'use 32+ random characters').optional()),

    // Azure Bot Service on /api/messages (empty app id = open, as the Emulator expects).
    MicrosoftAppId: optionalString,
    MicrosoftAppPassword: optionalString,
    MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    MicrosoftAppTenantId: optionalString,

    // Account directory.
    DIRECTORY: z.enum(['demo', 'http']).default('demo'),
    DEMO_ACCOUNTS_FILE: z.string().default('src/recovery/demo-accounts.json'),
    DIRECTORY_URL: optionalUrl,
    DIRECTORY_TOKEN: optionalString,
    DIRECTORY_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
    /** Floor on identity-check time so known and unknown numbers take the same time (default: 0 demo, 1200 http). */
    IDENTITY_CHECK_MIN_MS: z.coerce.number().int().min(0).optional(),

    // Email.
    SMTP_URL: optionalString,
    /** Production accepts plain smtp:// only to a relay on localhost, and only with this set. */
    SMTP_ALLOW_PLAIN_LOCAL: bool.default(false),
    OUTBOX_DIR: z.string().default('outbox'),
    MAIL_FROM: z.string().default('IESS Asistente <no-responder@localhost>'),

    // Codes, links and limits.
    CODE_TTL_SECONDS: seconds(600),
    CODE_MAX_TRIES: z.coerce.number().int().positive().default(5),
    CODE_RESEND_SECONDS: seconds(60),
    CODE_MAX_SENDS_PER_HOUR: z.coerce.number().int().positive().default(3),
    LINK_TTL_SECONDS: seconds(900),
    // Identity checks: firm per source, soft per number (src/recovery/README.md, "Limits").
    LOOKUPS_PER_CONVERSATION_PER_HOUR: z.coerce.number().int().positive().default(5),
    LOOKUPS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().positive().default(30),
    LOOKUP_FAILURES_PER_NUMBER: z.coerce.number().int().positive().default(5),
    CODE_FAILURES_PER_DAY: z.coerce.number().int().positive().default(10),
    MESSAGES_PER_CONVERSATION_PER_MINUTE: z.coerce.number().int().positive().default(30),
    STATE_TTL_SECONDS: seconds(86400),
    TRANSCRIPT_TTL_SECONDS: seconds(7 * 86400),

    // Facts an operator may change (FACTS.md defaults).
    IESS_PHONE: z.string().default('140'),
    /** When the line's operators answer (2023 press: 07:00–19:00 on weekdays, 08:00–14:00 on weekends and holidays). */
    IESS_PHONE_WEEKDAYS: z.string().default('07:00–19:00'),
    IESS_PHONE_WEEKENDS: z.string().default('08:00–14:00'),
    /** The line is mainly the medical-appointment centre; this menu option is institute information. */
    IESS_PHONE_OPTION: z.string().default('4'),
    IESS_SITE: z.string().default('www.iess.gob.ec'),
    /** How the assistant names itself ("Soy …"); empty: "un asistente virtual" in the person's language. */
    ASSISTANT_NAME: optionalString,
    /** The institution the support team belongs to, as people read it ("Ana, del equipo de asesores del IESS"). */
    INSTITUTION_NAME: z.string().min(1).default('IESS'),

    // Website chat widget: our own Direct Line 3.0 server (self) or Azure's (azure).
    WEBCHAT_DIRECTLINE: z.enum(['self', 'azure']).default('self'),
    DIRECTLINE_SECRET: optionalString,
    DIRECTLINE_ENDPOINT: z.url().default('https://directline.botframework.com/v3/directline'),
    WEBCHAT_ALLOWED_ORIGINS: originList,
    DIRECTLINE_TOKEN_TTL_SECONDS: seconds(1800),
    TOKEN_REQUESTS_PER_MINUTE_PER_IP: z.coerce.number().int().positive().default(10),
    // Requests per client address and minute on every route anyone may call (429 beyond).
    REQUESTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().positive().default(300),
    // Proxies in front of the assistant that append to X-Forwarded-For (0: none, use the socket).
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),

    // WhatsApp through Twilio: on when the account SID, auth token and sender are all set.
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_WHATSAPP_FROM: optionalString.pipe(
      z
        .string()
        .regex(/^whatsapp:\+\d{6,15}$/, 'like whatsapp:+14155238886')
        .optional(),
    ),
    TWILIO_API_BASE_URL: optionalUrl,
    TWILIO_TEMPLATE_SID: optionalString,
    WHATSAPP_WINDOW_HOURS: z.coerce.number().positive().max(24).default(24),
    // Options as WhatsApp buttons and lists (Content API contents the assistant creates); false: numbered text.
    TWILIO_CONTENT_API: bool.default(false),
    // Voice notes: an OpenAI-compatible /v1/audio/transcriptions endpoint (empty: audios get a kind line).
    SPEECH_TO_TEXT_URL: optionalUrl,
    SPEECH_TO_TEXT_TOKEN: optionalString,
    SPEECH_TO_TEXT_MODEL: z.string().default('whisper-1'),
    SPEECH_TO_TEXT_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(20_000),
    WHATSAPP_AUDIO_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .max(16 * 1024 * 1024)
      .default(5 * 1024 * 1024),
    // A turn still running after this many ms shows "escribiendo…" on the person's message (and marks it read); 0 = never.
    WHATSAPP_TYPING_AFTER_MS: z.coerce.number().int().min(0).max(20_000).default(1000),
    // Seconds after handling (or delivery) before messages and media are deleted at Twilio; 0 keeps them.
    TWILIO_DELETE_AFTER_SECONDS: z.coerce.number().min(0).max(86_400).default(60),

    // Redis (empty = everything in memory).
    REDIS_URL: optionalString,
    REDIS_SENTINELS: hostList(26379),
    REDIS_SENTINEL_NAME: z.string().default('mymaster'),
    REDIS_CLUSTER_NODES: hostList(6379),
    REDIS_KEY_PREFIX: z.string().default('iess:'),
    REDIS_PASSWORD: optionalString,
    REDIS_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
    CONVERSATION_LOCK_TTL_MS: z.coerce.number().int().positive().default(30_000),
    CONVERSATION_LOCK_WAIT_MS: z.coerce.number().int().positive().default(10_000),

    // Human handoff: the agent console (console) or the Bot Framework handoff event on Azure channels (event).
    HANDOFF_MODE: z.enum(['console', 'event']).default('console'),
    HANDOFF_WEBHOOK_URL: optionalUrl,
    HANDOFF_WEBHOOK_SECRET: optionalString,
    AGENTS: optionalString,
    SERVICE_HOURS: z.string().default('mon-fri 08:00-16:30'),
    TIMEZONE: z.string().default('America/Guayaquil'),
    AGENT_SESSION_TTL_SECONDS: seconds(8 * 3600),
    // Days of recovery-funnel counts kept for the supervisor view (anonymous counts per step).
    FUNNEL_DAYS: z.coerce.number().int().positive().max(366).default(30),
    // Waiting people go by themselves to the available agent with the fewest open tickets.
    HANDOFF_AUTO_ASSIGN: bool.default(false),
    // Above this many people served at once an agent counts as busy (and gets none by auto-assignment).
    HANDOFF_MAX_TICKETS_PER_AGENT: z.coerce.number().int().positive().default(3),
    // The console warns the agent when the person has not written for this long while served.
    HANDOFF_IDLE_SECONDS: seconds(300),
    // …and when WhatsApp's window will close within these minutes.
    WHATSAPP_WINDOW_WARNING_MINUTES: z.coerce.number().int().positive().default(60),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    const refuse = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.SERVER_SECRET === DEV_SECRET) refuse('SERVER_SECRET', 'set a random secret of 32+ characters in production');
    if (!c.SMTP_URL) refuse('SMTP_URL', 'the outbox email is for development; set an SMTP server in production');
    if (c.DIRECTORY === 'demo') refuse('DIRECTORY', 'the demo directory is for development; use DIRECTORY=http');
    if (!c.PUBLIC_BASE_URL.startsWith('https://')) refuse('PUBLIC_BASE_URL', 'must be https:// in production');
    for (const [variable, problem] of productionProblems(c)) refuse(variable, problem);
    // Without an app id /api/messages is not served in production; these need it.
    if (!c.MicrosoftAppId && c.WEBCHAT_DIRECTLINE === 'azure')
      refuse('MicrosoftAppId', 'required with WEBCHAT_DIRECTLINE=azure in production');
    if (!c.MicrosoftAppId && c.HANDOFF_MODE === 'event') refuse('MicrosoftAppId', 'required with HANDOFF_MODE=event in production');
  })
  .superRefine((c, ctx) => {
    if (c.MicrosoftAppId && c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword)
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'required with MicrosoftAppId' });
    if (c.MicrosoftAppId && c.MicrosoftAppType !== 'MultiTenant' && !c.MicrosoftAppTenantId)
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: `required with MicrosoftAppType=${c.MicrosoftAppType}` });
    // Values with a grammar of their own are checked here too, so a bad one stops the start with its name.
    const parses = (path: string, parse: () => unknown, hint = (message: string) => message) => {
      try {
        parse();
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [path], message: hint((err as Error).message.replace(/^AGENTS: /, '')) });
      }
    };
    parses(
      'AGENTS',
      () => new AgentDirectory(c.AGENTS),
      (message) =>
        // An unquoted AGENTS loses its "$N$r$p$" parts to the shell's variable expansion.
        (c.AGENTS ?? '').includes('scrypt$')
          ? message
          : `${message}; put the value in single quotes (AGENTS='ana:scrypt$…'): the hash contains $`,
    );
    parses('SERVICE_HOURS', () => ServiceHours.parse(c.SERVICE_HOURS, c.TIMEZONE));
    if (c.DIRECTORY === 'http' && !c.DIRECTORY_URL)
      ctx.addIssue({ code: 'custom', path: ['DIRECTORY_URL'], message: 'required when DIRECTORY=http' });
    const twilio = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_WHATSAPP_FROM'] as const;
    if (twilio.some((k) => c[k]))
      for (const k of twilio.filter((k) => !c[k]))
        ctx.addIssue({ code: 'custom', path: [k], message: 'required for WhatsApp (set all three or none)' });
    if (c.WEBCHAT_DIRECTLINE === 'azure' && !c.DIRECTLINE_SECRET)
      ctx.addIssue({ code: 'custom', path: ['DIRECTLINE_SECRET'], message: 'required when WEBCHAT_DIRECTLINE=azure' });
    if (c.HANDOFF_WEBHOOK_URL && (c.HANDOFF_WEBHOOK_SECRET ?? '').length < 32)
      ctx.addIssue({
        code: 'custom',
        path: ['HANDOFF_WEBHOOK_SECRET'],
        message: 'a secret of 32+ characters is required with HANDOFF_WEBHOOK_URL',
      });
  });

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; the error names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * For the entry points: the environment (a `.env` file in the working folder fills what it
 * leaves unset) parsed, or one line per bad variable on stderr and exit code 1.
 */
export function configFromEnvironmentOrExit(defaults: NodeJS.ProcessEnv = {}): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig({ ...defaults, ...process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * Where to listen. Outside production with the public development secret anyone could
 * forge chat tokens and read the outbox, so only this machine is served, whatever HOST says.
 */
export function listenHost(config: Config): { host: string; localOnly: boolean } {
  const localOnly = config.NODE_ENV !== 'production' && config.SERVER_SECRET === DEV_SECRET;
  return { host: localOnly ? '127.0.0.1' : config.HOST, localOnly };
}

/** Defaults for tests: the embedded setup with overrides. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', ...overrides });
}
