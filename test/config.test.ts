import { describe, expect, it } from 'vitest';
import { DEV_SECRET, listenHost, loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { estimatedBits } from '../src/configSafety';

/** A production setup that passes; each case below spoils one thing. */
const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://asistente.example.org',
  SERVER_SECRET: 'mIVGAu+gXcz2gzlnFg8mTjhRY9Iin960Qx7e',
  SMTP_URL: 'smtps://user:pass@smtp.example.org:465',
  DIRECTORY: 'http',
  DIRECTORY_URL: 'https://identidad.example.org',
};

/** The message the configuration is refused with ('' when it is accepted). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

const WHATSAPP = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: 'f76ad0b916f420bdc8e1915ac7b79aab',
  TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
};
const AZURE_WEBCHAT = { WEBCHAT_DIRECTLINE: 'azure', MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'p' };
const WEBHOOK = { HANDOFF_WEBHOOK_URL: 'https://crm.example.org/hook' };

describe('production refuses unsafe settings, naming each', () => {
  it('accepts a safe setup', () => {
    expect(refusal(PRODUCTION)).toBe('');
    expect(refusal({ ...PRODUCTION, SMTP_URL: 'smtp://user:pass@smtp.example.org:587?requireTLS=true' })).toBe('');
    expect(refusal({ ...PRODUCTION, SMTP_URL: 'smtp://127.0.0.1:25', SMTP_ALLOW_PLAIN_LOCAL: 'true' })).toBe('');
    expect(refusal({ ...PRODUCTION, SERVER_SECRET: 'f76ad0b916f420bdc8e1915ac7b79aab' })).toBe('');
    expect(refusal({ ...PRODUCTION, ...WHATSAPP, TWILIO_API_BASE_URL: 'https://api.twilio.com' })).toBe('');
    expect(
      refusal({ ...PRODUCTION, CODE_MAX_TRIES: '5', CODE_TTL_SECONDS: '600', LINK_TTL_SECONDS: '900', IDENTITY_CHECK_MIN_MS: '1500' }),
    ).toBe('');
  });

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a 32 × "a" server secret', { SERVER_SECRET: 'a'.repeat(32) }, /SERVER_SECRET: too predictable \(about 0 bits/],
    ['a repeated pair as server secret', { SERVER_SECRET: 'ab'.repeat(20) }, /SERVER_SECRET: too predictable/],
    ['the development secret', { SERVER_SECRET: DEV_SECRET }, /SERVER_SECRET/],
    ['a 1-character Direct Line secret', { ...AZURE_WEBCHAT, DIRECTLINE_SECRET: 'x' }, /DIRECTLINE_SECRET: too short \(1 characters\)/],
    [
      'a predictable handoff webhook secret',
      { ...WEBHOOK, HANDOFF_WEBHOOK_SECRET: '0'.repeat(40) },
      /HANDOFF_WEBHOOK_SECRET: too predictable/,
    ],
    ['a plain-http identity API', { DIRECTORY_URL: 'http://identidad.example.org' }, /DIRECTORY_URL: must be https/],
    ['a plain-http Twilio API', { ...WHATSAPP, TWILIO_API_BASE_URL: 'http://twilio.internal' }, /TWILIO_API_BASE_URL: must be https/],
    [
      'a plain-http handoff webhook',
      { HANDOFF_WEBHOOK_URL: 'http://crm.example.org/hook', HANDOFF_WEBHOOK_SECRET: 'mIVGAu+gXcz2gzlnFg8mTjhRY9Iin960Qx7e' },
      /HANDOFF_WEBHOOK_URL: must be https/,
    ],
    ['SMTP without TLS', { SMTP_URL: 'smtp://user:pass@smtp.example.org:25' }, /SMTP_URL: codes would travel without TLS/],
    [
      'a plain relay elsewhere than this machine',
      { SMTP_URL: 'smtp://relay.example.org:25', SMTP_ALLOW_PLAIN_LOCAL: 'true' },
      /SMTP_URL: SMTP_ALLOW_PLAIN_LOCAL allows plain SMTP only/,
    ],
    [
      'SMTP accepting any certificate',
      { SMTP_URL: 'smtps://smtp.example.org:465?tls.rejectUnauthorized=false' },
      /SMTP_URL: tls.rejectUnauthorized=false/,
    ],
    ['1000 tries per code', { CODE_MAX_TRIES: '1000' }, /CODE_MAX_TRIES: at most 5/],
    ['a one-year code', { CODE_TTL_SECONDS: String(365 * 86400) }, /CODE_TTL_SECONDS: at most 600/],
    ['an hour-long link', { LINK_TTL_SECONDS: '3600' }, /LINK_TTL_SECONDS: at most 900/],
    ['no floor on the identity check with the http directory', { IDENTITY_CHECK_MIN_MS: '0' }, /IDENTITY_CHECK_MIN_MS: must not be 0/],
    [
      'Azure web chat without an app id',
      { WEBCHAT_DIRECTLINE: 'azure', DIRECTLINE_SECRET: 'mIVGAu+gXcz2gzlnFg8mTjhRY9Iin960Qx7e' },
      /MicrosoftAppId: required with WEBCHAT_DIRECTLINE=azure/,
    ],
  ];
  it.each(cases)('refuses %s', (_what, change, reason) => {
    expect(refusal({ ...PRODUCTION, ...change })).toMatch(reason);
  });

  it('names every bad variable at once', () => {
    const message = refusal({
      ...PRODUCTION,
      SERVER_SECRET: 'a'.repeat(32),
      DIRECTORY_URL: 'http://identidad.example.org',
      SMTP_URL: 'smtp://smtp.example.org',
      CODE_MAX_TRIES: '1000',
      CODE_TTL_SECONDS: '31536000',
      IDENTITY_CHECK_MIN_MS: '0',
    });
    for (const variable of ['SERVER_SECRET', 'DIRECTORY_URL', 'SMTP_URL', 'CODE_MAX_TRIES', 'CODE_TTL_SECONDS', 'IDENTITY_CHECK_MIN_MS'])
      expect(message).toMatch(new RegExp(`^  ${variable}: `, 'm'));
  });

  it('leaves development alone', () => {
    const { NODE_ENV: _production, ...development } = PRODUCTION;
    for (const [, change] of cases.filter(([what]) => !what.startsWith('Azure') && !what.includes('Direct Line')))
      expect(refusal({ ...development, ...change })).toBe('');
  });

  it('wants the Microsoft app password with an app id in every mode', () => {
    expect(refusal({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001' })).toMatch(/MicrosoftAppPassword: required/);
    expect(
      refusal({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' }),
    ).toMatch(/MicrosoftAppTenantId/);
  });
});

describe('secret strength', () => {
  it('estimates bits from length and the spread of characters', () => {
    expect(estimatedBits('a'.repeat(32))).toBe(0);
    expect(estimatedBits('ab'.repeat(16))).toBe(32);
    expect(estimatedBits('f76ad0b916f420bdc8e1915ac7b79aab')).toBeGreaterThan(96);
    expect(estimatedBits('mIVGAu+gXcz2gzlnFg8mTjhRY9Iin960')).toBeGreaterThan(128);
  });
});

describe('where the server listens', () => {
  it('serves this machine only with the development secret outside production, whatever HOST says', () => {
    expect(listenHost(loadConfig({ HOST: '0.0.0.0' }))).toEqual({ host: '127.0.0.1', localOnly: true });
    expect(listenHost(loadConfig({ NODE_ENV: 'test', HOST: '::' }))).toEqual({ host: '127.0.0.1', localOnly: true });
    expect(listenHost(loadConfig({ HOST: '0.0.0.0', SERVER_SECRET: PRODUCTION.SERVER_SECRET }))).toEqual({
      host: '0.0.0.0',
      localOnly: false,
    });
    expect(listenHost(loadConfig({ ...PRODUCTION, HOST: '0.0.0.0' }))).toEqual({ host: '0.0.0.0', localOnly: false });
  });
});
