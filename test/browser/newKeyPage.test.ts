import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { haveChromium, launchBrowser, openPage, requireChromiumOnCi, shot } from '../helpers/browser';

requireChromiumOnCi();

describe.skipIf(!haveChromium)('the new-key page in Chromium', () => {
  let harness: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startTestApp();
    browser = await launchBrowser();
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
    const { context, page, errors: pageErrors } = await openPage(browser, `${harness.url}${url.pathname}${url.search}${url.hash}`);

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
    await shot(page, 'newkey-done-390.png');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
