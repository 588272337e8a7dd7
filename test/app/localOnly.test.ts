import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/log';
import { startTestApp } from '../helpers/app';

const capturedLog = () => {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  return { lines, log };
};

it('with the development secret outside production, listens on 127.0.0.1 only whatever HOST says, and says so once', async () => {
  const { lines, log } = capturedLog();
  const harness = await startTestApp({ HOST: '0.0.0.0' }, { log });
  try {
    expect(harness.app.server.address().address).toBe('127.0.0.1');
    expect(lines.filter((line) => line.includes('serving this machine only'))).toHaveLength(1);
    // The outbox (every code email) is there, for this machine only.
    expect((await fetch(`${harness.url}/dev/outbox`)).status).toBe(200);
  } finally {
    await harness.close();
  }
});

it('with a secret of its own, listens where HOST says', async () => {
  const { lines, log } = capturedLog();
  const harness = await startTestApp({ HOST: '0.0.0.0', SERVER_SECRET: 'mIVGAu+gXcz2gzlnFg8mTjhRY9Iin960Qx7e' }, { log });
  try {
    expect(harness.app.server.address().address).toBe('0.0.0.0');
    expect(lines.join('')).not.toMatch(/serving this machine only/);
  } finally {
    await harness.close();
  }
});
