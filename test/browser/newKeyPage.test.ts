import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

if (!haveChromium && !process.env.CI) {
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
}

it.runIf(!haveChromium && process.env.CI)('has Debian chromium for the browser tests', () => {
  throw new Error(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium)`);
});

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'];

describe.skipIf(!haveChromium)('the new-key page in Chromium', () => {
  let harness: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startTestApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('after the key is changed, offers to try it on the official site, a safety tip and the contact data', async () => {
    const link = await harness.app.services.links.create({
      kind: 'person',
      accountId: 'p01',
      locale: 'es-EC',
      conversation: { conversation: { id: 'none' } },
    });
    const url = new URL(link);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-EC' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${harness.url}${url.pathname}${url.search}${url.hash}`);

    const tryIt = page.getByRole('link', { name: 'Probar mi clave ahora' });
    const fields = page.locator('input[type="password"]');
    await fields.first().waitFor();
    // Nothing to do next before the key is changed.
    expect(await tryIt.isVisible()).toBe(false);

    await fields.nth(0).fill('NuevaClave26');
    await fields.nth(1).fill('NuevaClave26');
    await page.getByRole('button', { name: 'Guardar mi nueva clave' }).click();
    await page.getByRole('alert').filter({ hasText: 'Tu clave fue cambiada' }).waitFor();

    await tryIt.waitFor({ state: 'visible' });
    expect(await tryIt.getAttribute('href')).toBe('https://www.iess.gob.ec');
    expect(await tryIt.getAttribute('rel')).toContain('noreferrer');
    // A button to tap on a phone, not a bare link.
    expect((await tryIt.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    const next = await page.locator('main').innerText();
    expect(next).toContain('nadie del IESS te la va a pedir');
    expect(next).toContain('Actualiza tus datos en un CAU');
    expect(next).toContain('Vuelve al chat y cuéntanos si te sirvió');
    expect(await fields.first().isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'newkey-done-390.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
