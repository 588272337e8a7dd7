import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCodeFor } from '../../src/recovery/mail';
import { startTestApp, type TestApp } from '../helpers/app';
import { ARTIFACTS, PHONES, haveChromium, launchBrowser, openPage, openWebChat, requireChromiumOnCi, see, type } from '../helpers/browser';
import { MARIA } from '../helpers/demo';
import { untilAsync } from '../helpers/wait';

requireChromiumOnCi();

/** Web Chat's suggested-action buttons (its screen-reader copies are hidden, outside the toolbar). */
const button = (page: Page, name: string) => page.getByRole('toolbar').getByRole('button', { name, exact: true });

/** The answer buttons of the question on screen, if one of them is a right answer. */
async function visibleAnswer(page: Page, answers: string[]) {
  for (const answer of answers) {
    const button = page.getByRole('toolbar').getByRole('button', { name: answer, exact: true });
    if (
      await button
        .first()
        .isVisible()
        .catch(() => false)
    )
      return button.first();
  }
  return undefined;
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

/** This tab's saved conversation, as the page keeps it. */
async function savedSession(page: Page) {
  return JSON.parse((await page.evaluate(() => sessionStorage.getItem('iess-chat-session'))) ?? '{}') as {
    domain: string;
    conversationId: string;
    token: string;
  };
}

/** The option titles of the newest bot message that has any, read from the server's log. */
async function offeredOptions(page: Page): Promise<string[]> {
  const session = await savedSession(page);
  const res = await fetch(`${session.domain}/conversations/${session.conversationId}/activities?watermark=0`, {
    headers: { Authorization: `Bearer ${session.token}` },
  });
  const body = (await res.json()) as { activities: { suggestedActions?: { actions: { title: string }[] } }[] };
  const withOptions = body.activities.filter((a) => a.suggestedActions?.actions.length).at(-1);
  return (withOptions?.suggestedActions?.actions ?? []).map((a) => a.title);
}

/** Each option button on screen: its text, and whether its box or its label is wider than shown. */
async function optionButtons(page: Page) {
  return page
    .getByRole('toolbar')
    .locator('button.webchat__suggested-action')
    .evaluateAll((buttons) =>
      buttons.map((b) => {
        const label = b.querySelector('.webchat__suggested-action__text') as HTMLElement;
        const box = b.getBoundingClientRect();
        return {
          text: (b as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
          cut: b.scrollWidth > b.clientWidth || label.scrollWidth > label.clientWidth || label.scrollHeight > label.clientHeight + 1,
          inside: box.left >= 0 && box.right <= document.documentElement.clientWidth,
        };
      }),
    );
}

/** The font size, in px, of the newest bot bubble's text. */
const bubbleFontSize = (page: Page) =>
  page
    .locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__text-content')
    .last()
    .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));

/** The transcript's messages whose boxes overlap the notice under the chat (none may). */
async function overlapsWithNotice(page: Page): Promise<number> {
  return page.evaluate(() => {
    const notice = document.getElementById('chat-status')!.getBoundingClientRect();
    const activities = Array.from(document.querySelectorAll('.webchat__basic-transcript__activity')).map((a) => a.getBoundingClientRect());
    return activities.filter((a) => a.bottom > notice.top && a.top < notice.bottom && a.right > notice.left && a.left < notice.right)
      .length;
  });
}

describe.skipIf(!haveChromium)('the widget page in Chromium', () => {
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

  it('a person recovers their key on a phone, then reloads and finds the conversation where it was', async () => {
    const { context, page, errors: pageErrors } = await openPage(browser, `${harness.url}/`);
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

    // María's two challenge questions (where she worked, since when): she taps the right button of each.
    for (const question of ['an employer', 'a year']) {
      const answer = await untilAsync(() => visibleAnswer(page, MARIA.answers), `a question about ${question} with a right answer`, 20_000);
      await answer.click();
      // Web Chat clears the buttons once the answer is sent; wait so the next question's are the ones seen.
      await answer.waitFor({ state: 'hidden', timeout: 20_000 });
    }
    await see(page, '¿Tienes acceso a este correo?');
    expect(await page.getByText(MARIA.email).count()).toBe(0);

    await type(page, 'sí');
    await see(page, 'Te envié un código');
    const code = await untilAsync(() => latestCodeFor(harness.outbox, MARIA.email), 'the code email');
    await type(page, code);
    await see(page, 'Código correcto');

    // The one-time link is a button with a name, not a raw address over three lines.
    const linkButton = page.locator('a[href*="/clave/nueva"]').last();
    await linkButton.waitFor({ timeout: 20_000 });
    expect(await linkButton.innerText()).toBe('Crear mi nueva clave');
    expect(await page.locator('.webchat__basic-transcript').innerText()).not.toMatch(/https?:\/\/\S*\/clave\/nueva/);
    const linkLook = await linkButton.evaluate((a) => {
      const style = getComputedStyle(a);
      return { display: style.display, background: style.backgroundColor, height: a.getBoundingClientRect().height };
    });
    expect(linkLook).toMatchObject({ display: 'inline-block', background: 'rgb(11, 79, 138)' });
    expect(linkLook.height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-link-390.png') });
    const link = (await linkButton.getAttribute('href'))!;
    // The one-time link, opened as the person would; the page is served by this same app.
    const linkUrl = new URL(link);
    expect(linkUrl.hash).toMatch(/^#[A-Za-z0-9_-]{43}$/);
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
    // What to do next: the official site as a button in a card, and the one-tap «¿Te sirvió?».
    const tryIt = page.getByRole('button', { name: 'Probar mi clave ahora' }).last();
    await tryIt.waitFor({ timeout: 20_000 });
    expect(await tryIt.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(linkLook.background);
    await see(page, '¿Te sirvió esta ayuda?');
    await button(page, 'Mucho').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-key-changed-390.png') });

    await page.screenshot({ path: join(ARTIFACTS, 'webchat-recovery.png') });

    const conversationBefore = await page.evaluate(() => sessionStorage.getItem('iess-chat-session'));
    const logBefore = await logTexts(page);

    await page.reload();
    await see(page, 'Tu clave del IESS fue cambiada');
    await see(page, 'Seguimos donde nos quedamos.');
    // The notice stands apart from the transcript: once Web Chat has scrolled to the end, no message lies under it.
    await untilAsync(async () => (await overlapsWithNotice(page)) === 0 || undefined, 'the resumed notice clear of the transcript', 10_000);
    // The history is what was kept: the cédula by its ends, no code, no link token.
    await see(page, '•••••••103');
    await see(page, 'Código correcto');
    const history = await page.locator('body').innerText();
    for (const secret of [MARIA.cedula, code, linkUrl.hash.slice(1)]) expect(history).not.toContain(secret);
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

  for (const phone of PHONES) {
    it(`on a ${phone.width} px phone: whole option labels, lists, tap hints, large text kept, a question before starting over`, async () => {
      const { context, page, errors: pageErrors } = await openWebChat(browser, harness.url, { viewport: phone });

      // «ayuda»: its options are a list, one item each.
      await type(page, 'ayuda');
      await see(page, 'para volver al inicio');
      const items = page.locator('.webchat__render-markdown li');
      expect(await items.allInnerTexts()).toEqual([
        'menú para volver al inicio',
        'cancelar para dejar el trámite',
        'asesor para hablar con una persona',
      ]);

      // A word that is no option: the hint speaks of tapping, as these buttons carry no numbers.
      await type(page, 'xyzzy');
      const hint = page.getByText('No entendí tu respuesta').last();
      await hint.waitFor({ timeout: 20_000 });
      expect(await hint.innerText()).not.toMatch(/número/);
      expect(await hint.innerText()).toMatch(/Toca/);

      // Large text: the bubbles grow, and stay so after a reload in this tab.
      const normalSize = await bubbleFontSize(page);
      const largeText = page.getByRole('button', { name: 'Letra grande' });
      expect(await largeText.getAttribute('aria-pressed')).toBe('false');
      await largeText.click();
      expect(await largeText.getAttribute('aria-pressed')).toBe('true');
      expect(await bubbleFontSize(page)).toBeGreaterThanOrEqual(normalSize * 1.2);
      await page.reload();
      await see(page, 'para volver al inicio');
      await see(page, 'Seguimos donde nos quedamos.');
      await untilAsync(
        async () => (await overlapsWithNotice(page)) === 0 || undefined,
        'the resumed notice clear of the transcript',
        10_000,
      );
      expect(await largeText.getAttribute('aria-pressed')).toBe('true');
      expect(await bubbleFontSize(page)).toBeGreaterThanOrEqual(normalSize * 1.2);
      await page.screenshot({ path: join(ARTIFACTS, `webchat-reload-${phone.width}.png`) });
      await largeText.click();
      expect(await bubbleFontSize(page)).toBe(normalSize);

      // Company names on the buttons: each label whole (wrapped, never cut) and inside the screen.
      await button(page, 'Recuperar mi clave').click();
      await see(page, 'cédula');
      await type(page, MARIA.cedula);
      await see(page, 'día y mes de nacimiento');
      await type(page, MARIA.birth);
      await untilAsync(() => visibleAnswer(page, MARIA.answers), 'a question with company names', 20_000);
      const offered = await offeredOptions(page);
      expect(offered.length).toBeGreaterThan(1);
      const shown = await optionButtons(page);
      expect(shown.map((b) => b.text)).toEqual(offered);
      expect(shown.filter((b) => b.cut || !b.inside)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `webchat-options-${phone.width}.png`) });

      // «Empezar de nuevo» asks first; saying no keeps the conversation.
      const before = await savedSession(page);
      const asked: string[] = [];
      page.once('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.dismiss();
      });
      await page.getByRole('button', { name: 'Empezar de nuevo' }).click();
      expect(asked).toEqual(['¿Empezar de nuevo? Se borrará esta conversación de este navegador.']);
      expect((await savedSession(page)).conversationId).toBe(before.conversationId);
      await see(page, MARIA.cedula);
      page.once('dialog', (dialog) => void dialog.accept());
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Empezar de nuevo' }).click()]);
      await see(page, '¿Qué necesitas hacer?');
      const after = await untilAsync(async () => (await savedSession(page)).conversationId, 'a new conversation');
      expect(after).not.toBe(before.conversationId);
      expect(await page.getByText(MARIA.cedula).count()).toBe(0);

      expect(pageErrors).toEqual([]);
      await context.close();
    }, 120_000);
  }

  it('after a server restart (memory store) the open chat says so and goes on in a new conversation', async () => {
    const first = await startTestApp();
    const port = new URL(first.url).port;
    let second: TestApp | undefined;
    const { context, page } = await openWebChat(browser, first.url, { viewport: PHONES[0] });
    try {
      await type(page, 'ayuda');
      await see(page, 'para volver al inicio');
      const before = await savedSession(page);

      await first.close();
      second = await startTestApp({ PORT: port });
      await type(page, 'menú');

      const notice = page.locator('#chat-status', { hasText: 'El chat se reinició y no guardó nuestra conversación.' });
      await notice.waitFor({ timeout: 30_000 });
      await see(page, '¿Qué necesitas hacer?');
      const after = await savedSession(page);
      expect(after.conversationId).not.toBe(before.conversationId);
      expect(await page.getByText('No se pudo enviar').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, 'webchat-server-restart-320.png') });

      // The new conversation works.
      await type(page, 'ayuda');
      await page
        .locator('.webchat__render-markdown li', { hasText: 'asesor para hablar con una persona' })
        .first()
        .waitFor({ timeout: 20_000 });
      expect(await logTexts(page)).toContain('ayuda');
    } finally {
      await context.close();
      await second?.close();
    }
  }, 120_000);
});
