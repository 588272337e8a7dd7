import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { it } from 'vitest';

/** Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
/** Where the browser tests leave their screenshots. */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

if (!haveChromium && !process.env.CI) {
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
}

/** In a browser suite's file: on CI, a missing Chromium fails the run instead of skipping it. */
export function requireChromiumOnCi(): void {
  it.runIf(!haveChromium && process.env.CI)('has Debian chromium for the browser tests', () => {
    throw new Error(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium)`);
  });
}

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** A phone as the widget is checked on: a small one (320 px) and a common one (390 px). */
export const PHONES = [
  { width: 320, height: 568 },
  { width: 390, height: 844 },
];

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Where the page's script errors go (to share one list between pages), each prefixed by `label`. */
  errors?: string[];
  label?: string;
}

/** A new browser context (es-EC, `viewport`: default a 390 px phone) with one page on `url`. */
export async function openPage(browser: Browser, url: string, { viewport = PHONES[1], errors = [], label = '' }: PageOptions = {}) {
  const context = await browser.newContext({ viewport, locale: 'es-EC' });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${label}${error.message}`));
  await page.goto(url);
  return { context, page, errors };
}

/** The widget page of the app at `appUrl`, once Web Chat has shown the bot's menu. */
export async function openWebChat(browser: Browser, appUrl: string, options: PageOptions = {}) {
  const opened = await openPage(browser, `${appUrl}/`, options);
  await see(opened.page, '¿Qué necesitas hacer?');
  return opened;
}

/** Waits for a sentence to be on screen (the newest of them when it repeats). */
export async function see(page: Page, text: string): Promise<void> {
  await page.getByText(text, { exact: false }).last().waitFor({ state: 'visible', timeout: 20_000 });
}

/** Types into Web Chat's send box and presses Enter, as a person does. */
export async function type(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox');
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
}

/** A full-page screenshot among the artifacts. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
