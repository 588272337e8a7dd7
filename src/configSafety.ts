/** The settings checked here: what travels or is kept, and the secrets that protect it. */
export interface SafetySettings {
  SERVER_SECRET: string;
  DIRECTLINE_SECRET?: string;
  HANDOFF_WEBHOOK_SECRET?: string;
  HANDOFF_WEBHOOK_URL?: string;
  DIRECTORY: string;
  DIRECTORY_URL?: string;
  TWILIO_API_BASE_URL?: string;
  SMTP_URL?: string;
  SMTP_ALLOW_PLAIN_LOCAL: boolean;
  CODE_MAX_TRIES: number;
  CODE_TTL_SECONDS: number;
  LINK_TTL_SECONDS: number;
  IDENTITY_CHECK_MIN_MS?: number;
}

/** Bits a secret must carry by the estimate below: 32 random base64 or hex characters pass, "aaaa…" and "abab…" do not. */
export const MIN_SECRET_BITS = 96;
/** Bounds from the references in FACTS.md (OWASP, NIST 800-63B) and the official reset link's life. */
export const SAFE_BOUNDS = { CODE_MAX_TRIES: 5, CODE_TTL_SECONDS: 600, LINK_TTL_SECONDS: 900 } as const;

/**
 * A cautious estimate of the information in a secret: its length times the Shannon entropy
 * of its characters. A repeated or tiny alphabet scores low whatever the length.
 */
export function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  let perChar = 0;
  for (const count of counts.values()) perChar -= (count / length) * Math.log2(count / length);
  return perChar * length;
}

const weakSecret = (value: string | undefined, min = 32): string | undefined => {
  if (value === undefined) return undefined;
  if (value.length < min) return `too short (${value.length} characters): use ${min}+ random characters, e.g. \`openssl rand -base64 32\``;
  const bits = Math.floor(estimatedBits(value));
  if (bits < MIN_SECRET_BITS)
    return `too predictable (about ${bits} bits, ${MIN_SECRET_BITS} needed): use random characters, e.g. \`openssl rand -base64 32\``;
  return undefined;
};

const isPlainHttp = (url: string | undefined) => url !== undefined && url.toLowerCase().startsWith('http://');
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** What is wrong with the SMTP URL for production, if anything. */
function smtpProblem(smtpUrl: string, allowPlainLocal: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return 'not a URL (smtps://user:pass@host:465 or smtp://user:pass@host:587?requireTLS=true)';
  }
  const params = url.searchParams;
  if (params.get('tls.rejectUnauthorized') === 'false') return 'tls.rejectUnauthorized=false accepts any certificate';
  if (params.get('ignoreTLS') === 'true') return 'ignoreTLS=true sends codes in clear';
  if (url.protocol === 'smtps:' || params.get('secure') === 'true' || params.get('requireTLS') === 'true') return undefined;
  if (allowPlainLocal && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return allowPlainLocal
    ? 'SMTP_ALLOW_PLAIN_LOCAL allows plain SMTP only to a relay on this machine (localhost)'
    : 'codes would travel without TLS: use smtps://, add ?requireTLS=true, or SMTP_ALLOW_PLAIN_LOCAL=true for a relay on localhost';
}

/** Each unsafe production setting, as [variable, why]; empty when all is well. */
export function productionProblems(c: SafetySettings): Array<[keyof SafetySettings, string]> {
  const problems: Array<[keyof SafetySettings, string]> = [];
  const check = (variable: keyof SafetySettings, problem: string | undefined) => {
    if (problem) problems.push([variable, problem]);
  };
  check('SERVER_SECRET', weakSecret(c.SERVER_SECRET));
  check('DIRECTLINE_SECRET', weakSecret(c.DIRECTLINE_SECRET));
  check('HANDOFF_WEBHOOK_SECRET', weakSecret(c.HANDOFF_WEBHOOK_SECRET));
  if (c.DIRECTORY === 'http' && isPlainHttp(c.DIRECTORY_URL))
    check('DIRECTORY_URL', 'must be https:// in production (cédulas and answers travel there)');
  check('TWILIO_API_BASE_URL', isPlainHttp(c.TWILIO_API_BASE_URL) ? 'must be https:// in production' : undefined);
  check('HANDOFF_WEBHOOK_URL', isPlainHttp(c.HANDOFF_WEBHOOK_URL) ? 'must be https:// in production' : undefined);
  if (c.SMTP_URL) check('SMTP_URL', smtpProblem(c.SMTP_URL, c.SMTP_ALLOW_PLAIN_LOCAL));
  for (const [variable, max] of Object.entries(SAFE_BOUNDS) as Array<[keyof typeof SAFE_BOUNDS, number]>)
    check(variable, c[variable] > max ? `at most ${max} in production` : undefined);
  if (c.DIRECTORY === 'http' && c.IDENTITY_CHECK_MIN_MS === 0)
    check('IDENTITY_CHECK_MIN_MS', 'must not be 0 with DIRECTORY=http: the time of the check would tell who is registered');
  return problems;
}
