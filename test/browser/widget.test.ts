import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCodeFor } from '../../src/recovery/mail';
import { startTestApp, type TestApp } from '../helpers/app';
import { MARIA } from '../helpers/demo';
import { untilAsync } from '../directline/harness';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

if (!haveChromium && !process.env.CI) {
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
}

it.runIf(!haveChromium && process.env.CI)('has Debian chromium for the browser tests', () => {
  throw new Error(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium)`);
});

/** Web Chat's suggested-action buttons (its screen-reader copies are hidden, outside the toolbar). */
const button = (page: Page, name: string) => page.getByRole('toolbar').getByRole('button', { name, exact: true });

/** The answer buttons of the question on screen, if one of them is a right answer. */
async function visibleAnswer(page: Page, answers: string[]) {
  for (const answer of answers) {
    const button = page.getByRole('toolbar').getByRole('button', { name: answer, exact: true });
    if (await button.first().isVisible().catch(() => false)) return button.first();
  }
  return undefined;
}

/** Types into Web Chat's send box and presses Enter, as a person does. */
async function type(page: Page, text: string) {
  const box = page.getByRole('textbox');
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
}

/** Every text in the conversation's log on the server, read with the page's own token. */
async function logTexts(page: Page): Promise<string[]> {
  const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem('iess-chat-session'))) ?? '{}') as {
    domain: string;
    conversationId: string;
    token: string;
  };
  const texts: string[] = [];
  let watermark = 0;
  for (let pages = 0; pages < 50; pages++) {
    const res = await fetch(`${session.domain}/conversations/${session.conversationId}/activities?watermark=${watermark}`, {
      headers: { Authorization: `Bearer ${session.token}` },
    });
    const body = (await res.json()) as { activities: { text?: string }[]; watermark: string };
    if (body.activities.length === 0) break;
    texts.push(...body.activities.map((a) => a.text ?? ''));
    watermark = Number(body.watermark);
  }
  return texts;
}

/** Waits for a bot sentence to be on screen (the newest of them when it repeats). */
async function see(page: Page, text: string) {
  await page.getByText(text, { exact: false }).last().waitFor({ state: 'visible', timeout: 20_000 });
}

describe.skipIf(!haveChromium)('the widget page in Chromium', () => {
  let harness: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('a person recovers their key on a phone, then reloads and finds the conversation where it was', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-EC' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${harness.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('es-EC');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Recupera tu clave del IESS');
    await see(page, '¿Qué necesitas hacer?');

    // Keyboard: Tab reaches the send box, which has a name a screen reader reads out.
    let focusedSendBox = false;
    for (let presses = 0; presses < 40 && !focusedSendBox; presses++) {
      await page.keyboard.press('Tab');
      focusedSendBox = await page.getByRole('textbox').evaluate((el) => el === document.activeElement);
    }
    expect(focusedSendBox).toBe(true);
    expect(await page.getByRole('textbox').getAttribute('aria-label')).toBeTruthy();
    expect(await page.getByRole('textbox').getAttribute('placeholder')).toBe('Escribe tu mensaje');

    await button(page, 'Recuperar mi clave').click();
    await see(page, 'cédula');
    // Web Chat's own labels speak like the bot (tú), not its es-ES "usted".
    const transcriptHtml = await page.content();
    expect(transcriptHtml).toContain('Tú dijiste:');
    expect(transcriptHtml).not.toMatch(/Usted dijo|Escriba su mensaje/);
    await type(page, MARIA.cedula);
    await see(page, 'día y mes de nacimiento');
    await type(page, MARIA.birth);

    // The challenge questions: tap the right button each time until the email is shown.
    const emailQuestion = page.getByText('¿Tienes acceso a este correo?').last();
    for (let asked = 0; asked < 6; asked++) {
      const next = await untilAsync(
        async () => ((await emailQuestion.isVisible()) ? 'email' : await visibleAnswer(page, MARIA.answers)),
        'a question with a right answer, or the email',
        20_000,
      );
      if (next === 'email') break;
      await next.click();
      // Web Chat clears the buttons once the answer is sent; wait so the next loop sees the new ones.
      await next.waitFor({ state: 'hidden', timeout: 20_000 });
    }
    await see(page, '¿Tienes acceso a este correo?');
    expect(await page.getByText(MARIA.email).count()).toBe(0);

    await type(page, 'sí');
    await see(page, 'Te envié un código');
    const code = await untilAsync(() => latestCodeFor(harness.outbox, MARIA.email), 'the code email');
    await type(page, code);
    await see(page, 'Código correcto');

    // The one-time link, opened as the person would; the page is served by this same app.
    const link = await untilAsync(async () => {
      const href = await page.locator('a[href*="/clave/nueva"]').last().getAttribute('href', { timeout: 1_000 }).catch(() => null);
      if (href) return href;
      const text = (await page.locator('body').innerText()).match(/https?:\/\/\S+\/clave\/nueva\S*/)?.[0];
      return text;
    }, 'the new-key link');
    const linkUrl = new URL(link);
    const keyPage = await context.newPage();
    await keyPage.goto(`${harness.url}${linkUrl.pathname}${linkUrl.search}${linkUrl.hash}`);
    const keyFields = keyPage.locator('input[type="password"]');
    await keyFields.first().waitFor({ timeout: 20_000 });
    // Weak keys get the server's reason on the page, and the link stays usable.
    for (const [weak, reason] of [
      ['15031988', 'Esa clave lleva tu cédula o tu fecha de nacimiento'],
      ['123456', 'Esa clave es de las más usadas'],
    ]) {
      await keyFields.nth(0).fill(weak);
      await keyFields.nth(1).fill(weak);
      await keyPage.locator('button[type="submit"], form button').first().click();
      await keyPage.locator('#status', { hasText: reason }).waitFor({ timeout: 20_000 });
      expect(await keyFields.nth(0).getAttribute('aria-invalid')).toBe('true');
    }
    await keyFields.nth(0).fill('NuevaClave26');
    await keyFields.nth(1).fill('NuevaClave26');
    await keyPage.locator('button[type="submit"], form button').first().click();

    // The chat is told, through our Direct Line, that the key changed.
    await see(page, 'Tu clave del IESS fue cambiada');
    await keyPage.close();

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-recovery.png') });

    const conversationBefore = await page.evaluate(() => sessionStorage.getItem('iess-chat-session'));
    const logBefore = await logTexts(page);

    await page.reload();
    await see(page, 'Tu clave del IESS fue cambiada');
    await see(page, MARIA.cedula);
    await see(page, 'Código correcto');
    const conversationAfter = await page.evaluate(() => sessionStorage.getItem('iess-chat-session'));
    expect(JSON.parse(conversationAfter ?? '{}').conversationId).toBe(JSON.parse(conversationBefore ?? '{}').conversationId);
    // Resumed, not restarted: the same conversation, nothing added to it by the reload.
    expect(await logTexts(page)).toEqual(logBefore);
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-after-reload.png') });

    // The conversation goes on after the reload.
    await type(page, 'gracias');
    await see(page, '¿En qué más te puedo ayudar?');

    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
