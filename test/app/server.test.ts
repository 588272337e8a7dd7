import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configSchema, loadConfig, testConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import type { AddressInfo } from 'node:net';
import { Texts } from '../../src/i18n';
import { loadDemoData } from '../../src/recovery/demoDirectory';
import { startTestApp, type TestApp } from '../helpers/app';
import { IDENTITY_API_TOKEN, OperatorData, identityApi } from '../helpers/identityApi';

const activity = (text: string, conversation = 'c1', extra: object = {}) => ({
  type: 'message',
  id: `m-${Math.random()}`,
  text,
  locale: 'es-EC',
  channelId: 'emulator',
  serviceUrl: 'http://127.0.0.1:1',
  from: { id: 'user-1' },
  recipient: { id: 'bot' },
  conversation: { id: conversation },
  deliveryMode: 'expectReplies',
  ...extra,
});

describe('the HTTP server', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(async () => {
    await harness.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${harness.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers /api/messages with the replies in the response when deliveryMode is expectReplies', async () => {
    const response = await post(activity('hola'));
    expect(response.status).toBe(200);
    const { activities } = (await response.json()) as { activities: Array<{ text: string; suggestedActions?: unknown }> };
    expect(activities.map((a) => a.text).join('\n')).toMatch(/Soy un asistente virtual/);
    expect(activities.at(-1)?.suggestedActions).toBeTruthy();
    const next = (await (await post(activity('1'))).json()) as { activities: Array<{ text: string }> };
    expect(next.activities[0].text).toMatch(/cédula/);
  });

  it('refuses malformed bodies with 400 and keeps serving', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post(activity('hola', 'c2'))).status).toBe(200);
  });

  it('reports health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    for (const name of [
      'iess_turns_total',
      'iess_turn_errors_total',
      'iess_codes_sent_total',
      'iess_codes_verified_total',
      'iess_step_reached_total',
    ])
      expect(metrics).toContain(name);
    expect(metrics).toMatch(/iess_turns_total\{channel="emulator"\} [1-9]/);
  });
});

describe('with a Microsoft app id', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'x' });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('rejects requests without a valid Bot Framework token', async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${harness.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(activity('hola')),
      });
    expect((await send({})).status).toBe(401);
    expect((await send({ authorization: 'Bearer forged.token.value' })).status).toBe(401);
  });
});

describe('configuration', () => {
  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ CODE_TTL_SECONDS: '-5' })).toThrow(/CODE_TTL_SECONDS/);
    expect(() => loadConfig({ DIRECTORY: 'http' })).toThrow(/DIRECTORY_URL/);
  });

  it('refuses the outbox, the demo directory and default secrets in production', () => {
    let message = '';
    try {
      loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://asistente.example.org' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/SERVER_SECRET/);
    expect(message).toMatch(/SMTP_URL/);
    expect(message).toMatch(/DIRECTORY/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        PUBLIC_BASE_URL: 'https://asistente.example.org',
        SERVER_SECRET: 'a-real-secret-of-more-than-32-characters!',
        SMTP_URL: 'smtps://user:pass@smtp.example.org:465',
        DIRECTORY: 'http',
        DIRECTORY_URL: 'https://identidad.example.org',
      }),
    ).not.toThrow();
  });

  it('.env.example documents every variable, and only those', () => {
    const documented = [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('has working defaults', () => {
    expect(testConfig().PORT).toBe(0);
    expect(loadConfig({}).PORT).toBe(3978);
  });
});

describe('the process', () => {
  it('refuses to start with a bad variable, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: { ...process.env, PORT: 'nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT/);
  }, 60_000);

  it('chats in the terminal (npm run chat) and leaves on "salir"', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/chat.ts'], {
      env: { ...process.env, PORT: '0', OUTBOX_DIR: 'test-artifacts/outbox-chat' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    await expect.poll(() => stdout, { timeout: 60_000 }).toMatch(/1\. Recuperar mi clave/);
    child.stdin.write('1\n');
    await expect.poll(() => stdout, { timeout: 30_000 }).toMatch(/número de cédula/);
    child.stdin.write('salir\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
  }, 120_000);

  it('drains and exits cleanly on SIGTERM, answering the turn in flight', async () => {
    // The directory holds the account lookup: the turn is surely in flight when SIGTERM comes.
    const api = identityApi(new OperatorData(loadDemoData('src/recovery/demo-accounts.json'), 'sigterm-secret-0123456789-abcdef'));
    let release!: () => void;
    const lookupArrived = new Promise<void>((arrived) => {
      api.state.holdLookup = () => {
        arrived();
        return new Promise<void>((resolve) => (release = resolve));
      };
    });
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    const directoryUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api/`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'info',
        OUTBOX_DIR: 'test-artifacts/outbox-sigterm',
        DIRECTORY: 'http',
        DIRECTORY_URL: directoryUrl,
        DIRECTORY_TOKEN: IDENTITY_API_TOKEN,
        DIRECTORY_TIMEOUT_MS: '30000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      await expect.poll(() => stdout, { timeout: 60_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1];
      const send = (text: string) =>
        fetch(`${url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity(text, 'drain')),
        });
      expect((await send('hola')).status).toBe(200);
      expect((await send('1')).status).toBe(200);
      expect((await send('1714307103')).status).toBe(200);
      // After the birth date the bot looks the number up, to ask its questions.
      const turn = send('15 de marzo');
      await lookupArrived;
      child.kill('SIGTERM');
      await expect.poll(() => stdout, { timeout: 10_000 }).toMatch(/draining/);
      release();
      const response = await turn;
      expect(response.status).toBe(200);
      const { activities } = (await response.json()) as { activities: Array<{ text?: string }> };
      expect(activities.map((a) => a.text ?? '').join('\n')).toContain(new Texts().t('es-EC', 'questions:employer_worked'));
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      api.server.closeAllConnections();
      await new Promise<void>((resolve) => api.server.close(() => resolve()));
    }
  }, 90_000);
});
