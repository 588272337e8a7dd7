import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/handoff/agents';
import { startTestApp, type TestApp } from '../helpers/app';
import { haveChromium, launchBrowser, openPage, openWebChat, requireChromiumOnCi, see, shot, type } from '../helpers/browser';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, inbound } from '../whatsapp/webhooks';

const WHATSAPP_USER = 'whatsapp:+593987650001';
/** The person's window: a phone held sideways, or a small laptop's side panel. */
const PERSON = { width: 420, height: 860 };
const PASSWORD = 'clave-de-ana-para-pruebas';
const LUIS_PASSWORD = 'clave-de-luis-para-pruebas';
const MARTA_PASSWORD = 'clave-de-marta-supervisora';

requireChromiumOnCi();

/** A port free now, so the public address (signed into Twilio webhooks) is known before the app starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!haveChromium)('the agent console in Chromium, with a web chat and a WhatsApp person', () => {
  let harness: TestApp;
  let fakeTwilio: FakeTwilio;
  let browser: Browser;

  /** A WhatsApp message in, signed as Twilio signs it. */
  async function whatsapp(text: string) {
    const params = inbound(WHATSAPP_USER, text);
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${harness.url}/api/whatsapp`, params);
    const res = await fetch(`${harness.url}/api/whatsapp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
  }

  /** Waits until the WhatsApp person has received a message matching `pattern`. */
  async function whatsappReceives(pattern: RegExp) {
    await expect.poll(() => fakeTwilio.bodiesTo(WHATSAPP_USER).join('\n\n'), { timeout: 20_000 }).toMatch(pattern);
  }

  beforeAll(async () => {
    fakeTwilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
    const port = await freePort();
    harness = await startTestApp({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      AGENTS: `ana:${await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 })};luis:${await hashPassword(LUIS_PASSWORD, { N: 1024, r: 8, p: 1 })};marta:${await hashPassword(MARTA_PASSWORD, { N: 1024, r: 8, p: 1 })}:supervisor`,
      SERVICE_HOURS: '',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_WHATSAPP_FROM: SENDER,
      TWILIO_API_BASE_URL: fakeTwilio.url,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await fakeTwilio?.close();
  });

  it('an agent signs in, serves both people live, closes, and the bot takes over again', async () => {
    const pageErrors: string[] = [];

    // 1. A person on the website chat asks for a person.
    const { context: personContext, page: person } = await openWebChat(browser, harness.url, {
      viewport: PERSON,
      errors: pageErrors,
      label: 'web chat: ',
    });
    await type(person, 'quiero hablar con un asesor');
    await see(person, 'Estás en el puesto 1 de la fila');

    // 2. A person on WhatsApp does the same.
    await whatsapp('hola');
    await whatsappReceives(/Hablar con una persona/);
    await whatsapp('quiero hablar con un asesor');
    await whatsappReceives(/Estás en el puesto 2 de la fila/);

    // 3. The agent signs in and sees both in the queue.
    const { context: agentContext, page: agent } = await openPage(browser, `${harness.url}/agent`, {
      viewport: { width: 1280, height: 860 },
      errors: pageErrors,
      label: 'console: ',
    });
    agent.on('dialog', (dialog) => void dialog.accept());
    await agent.getByLabel('Usuario').fill('ana');
    await agent.getByLabel('Contraseña').fill('no-es-la-clave');
    await agent.getByRole('button', { name: 'Ingresar' }).click();
    await see(agent, 'Usuario o contraseña incorrectos.');
    await agent.getByLabel('Contraseña').fill(PASSWORD);
    await agent.getByRole('button', { name: 'Ingresar' }).click();
    await see(agent, 'Hola, Ana');
    const queue = agent.locator('#queue');
    await expect.poll(() => queue.locator('li').count(), { timeout: 20_000 }).toBe(2);
    await expect(queue.innerText()).resolves.toMatch(/Chat del sitio web[\s\S]*WhatsApp/);
    await shot(agent, 'agent-queue.png');

    // A third person arrives while the console is open: the queue updates with no reload.
    await whatsappTicketPastWindow();
    await expect.poll(() => queue.locator('li').count(), { timeout: 20_000 }).toBe(3);

    // 4. Web chat: claim, read the summary and transcript, talk both ways.
    await queue.getByRole('button', { name: /Chat del sitio web/ }).click();
    await see(agent, 'Pidió hablar con una persona');
    await expect(agent.locator('#transcript').innerText()).resolves.toContain('quiero hablar con un asesor');
    await agent.getByRole('button', { name: 'Atender' }).click();
    // A person writes now: their own bubble (a card with their name and role), from the first message.
    await see(person, 'soy Ana, una persona del equipo de asesores');
    const agentBubble = person.locator('.ac-adaptiveCard').filter({ hasText: 'Ana, del equipo de asesores del IESS' });
    await expect.poll(() => agentBubble.count(), { timeout: 20_000 }).toBe(1);
    await agent.getByLabel('Escribe tu mensaje para la persona…').fill('Hola, ¿ya revisaste la carpeta de spam?');
    await agent.getByRole('button', { name: 'Enviar' }).click();
    await see(person, 'ya revisaste la carpeta de spam');
    await expect.poll(() => agentBubble.count(), { timeout: 20_000 }).toBe(2);
    await type(person, 'Sí, y no hay nada');
    await see(agent, 'Sí, y no hay nada');
    await shot(agent, 'agent-webchat-conversation.png');
    await shot(person, 'person-webchat-with-agent.png');

    // 5. WhatsApp: the same, through the signed webhook and the stand-in Twilio API.
    await queue
      .getByRole('button', { name: /WhatsApp/ })
      .first()
      .click();
    await see(agent, 'Estás en el puesto');
    await agent.getByRole('button', { name: 'Atender' }).click();
    await whatsappReceives(/\*Ana, del equipo de asesores del IESS:\* 👋 Hola, soy Ana/);
    await agent.getByLabel('Escribe tu mensaje para la persona…').fill('Te ayudo con tu correo. ¿Es de Gmail?');
    await agent.getByRole('button', { name: 'Enviar' }).click();
    await whatsappReceives(/\*Ana, del equipo de asesores del IESS:\* Te ayudo con tu correo\. ¿Es de Gmail\?/);
    await whatsapp('Sí, es de Gmail');
    await see(agent, 'Sí, es de Gmail');
    await shot(agent, 'agent-whatsapp-conversation.png');

    // 6. The WhatsApp person cancels: the agent hears it at once; the web chat is closed by the agent.
    await whatsapp('cancelar');
    // In a live region (role=alert), so a screen reader says it without the agent moving focus.
    const alert = agent.getByRole('alert').filter({ hasText: 'La persona terminó la atención (escribió «cancelar»)' });
    await alert.waitFor({ state: 'visible', timeout: 20_000 });
    await shot(agent, 'agent-person-cancelled.png');
    await whatsappReceives(/saliste de la fila|Sigo yo contigo/);
    await whatsapp('preguntas frecuentes');
    await whatsappReceives(/¿Sobre qué tienes dudas\?|preguntas|\?\s*$/);

    await queue.getByRole('button', { name: /Chat del sitio web/ }).click();
    await agent.getByRole('button', { name: /Cerrar/ }).click();
    await see(agent, 'Esta conversación ya está cerrada');
    await see(person, 'Ana, del equipo de asesores del IESS terminó la atención');
    // The one-tap survey: a button for the rating, another to skip the comment.
    await see(person, '¿cómo te atendió Ana, del equipo de asesores del IESS?');
    await shot(person, 'person-webchat-survey.png');
    await person.getByRole('button', { name: 'Excelente', exact: true }).last().click();
    await see(person, '¿Quieres contarnos algo más');
    await person.getByRole('button', { name: 'Omitir', exact: true }).last().click();
    await see(person, '¡Gracias por tu opinión!');
    await type(person, 'hola');
    await see(person, 'Hablar con una persona');
    await shot(person, 'person-webchat-back-to-bot.png');
    expect((await harness.app.handoff.survey.report()).byAgent.ana).toMatchObject({ responses: 1, average: 5 });

    // History: closed conversations, searched by agent and reason, with the survey's rating.
    await agent.getByLabel('Asesor', { exact: true }).selectOption('ana');
    await agent.getByLabel('Motivo', { exact: true }).selectOption({ label: 'Pidió hablar con una persona' });
    await agent.getByRole('button', { name: 'Buscar' }).click();
    // Both were Ana's: the web chat she closed, the WhatsApp one the person cancelled.
    await see(agent, 'Conversaciones cerradas encontradas: 2');
    await expect(agent.locator('#history').innerText()).resolves.toMatch(/Chat del sitio web[\s\S]*Atiende: Ana · encuesta 5\/5/);
    await shot(agent, 'agent-history.png');

    // 7. The WhatsApp conversation past the 24-hour window is shown as such before writing.
    await queue.getByRole('button', { name: /WhatsApp/ }).click();
    await agent.getByRole('button', { name: 'Atender' }).click();
    await see(agent, 'pasaron más de 24 horas');
    await see(agent, 'No se envió: en WhatsApp pasaron más de 24 horas');
    // Nothing can be sent to the person; a note for the team still can.
    await expect(agent.getByRole('button', { name: 'Enviar' }).isDisabled()).resolves.toBe(true);
    await expect(agent.getByRole('button', { name: 'Guardar como nota interna' }).isDisabled()).resolves.toBe(false);
    await shot(agent, 'agent-whatsapp-window-closed.png');

    expect(await harness.app.handoff.tickets.listOpen()).toHaveLength(1);
    expect(pageErrors).toEqual([]);
    await personContext.close();
    await agentContext.close();
  }, 180_000);

  /** A WhatsApp person who last wrote 25 hours ago (their ticket made directly in the store). */
  async function whatsappTicketPastWindow() {
    const conversationId = 'whatsapp:+593987650002';
    const { ticket } = await harness.app.handoff.tickets.open({
      channelId: 'whatsapp',
      conversationId,
      reference: {
        channelId: 'whatsapp',
        conversation: { id: conversationId },
        user: { id: conversationId },
        bot: { id: SENDER },
        serviceUrl: 'https://whatsapp.invalid',
      },
      locale: 'es-EC',
      reason: 'lost_email',
      summary: { profile: 'person', maskedNumber: '•••••••856', step: 'lostEmail.offerAgent', failures: [] },
    });
    await harness.app.handoff.tickets.record(ticket.conversationKey, {
      at: Date.now() - 25 * 3600_000,
      from: 'user',
      text: 'ya no tengo acceso a mi correo',
    });
  }

  async function signIn(name: string, password: string) {
    const { context, page } = await openPage(browser, `${harness.url}/agent`, { viewport: { width: 1280, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('Usuario').fill(name);
    await page.getByLabel('Contraseña').fill(password);
    await page.getByLabel('Contraseña').press('Enter');
    await see(page, `Hola, ${name.charAt(0).toUpperCase()}${name.slice(1)}`);
    return { context, page };
  }

  it('two agents: canned replies by shortcut and picker, an internal note, presence and a transfer with a note', async () => {
    const pageErrors: string[] = [];
    const { context: personContext, page: person } = await openWebChat(browser, harness.url, {
      viewport: PERSON,
      errors: pageErrors,
      label: 'web chat: ',
    });
    await type(person, 'quiero hablar con un asesor');
    await see(person, 'Estás en el puesto');

    const ana = await signIn('ana', PASSWORD);
    const luis = await signIn('luis', LUIS_PASSWORD);
    for (const p of [ana.page, luis.page]) p.on('pageerror', (e) => pageErrors.push(`console: ${e.message}`));
    await ana.page
      .locator('#queue')
      .getByRole('button', { name: /Chat del sitio web/ })
      .last()
      .click();
    await ana.page.getByRole('button', { name: 'Atender' }).click();
    await see(person, 'soy Ana, una persona del equipo de asesores');

    // A canned reply by its shortcut: "/spam" then Tab, in the person's language, facts filled in.
    const box = ana.page.getByLabel('Escribe tu mensaje para la persona…');
    await box.fill('/spam');
    await box.press('Tab');
    await expect(box.inputValue()).resolves.toMatch(/^Espera 1 o 2 minutos y revisa las carpetas Spam/);
    await box.press('Enter');
    await see(person, 'Espera 1 o 2 minutos y revisa las carpetas Spam');
    // …and from the picker, with the keyboard.
    await ana.page.getByLabel('Respuestas guardadas').selectOption({ label: '/linea · Línea telefónica' });
    await expect(box.inputValue()).resolves.toBe('También puedes llamar a la línea 140.');
    await expect.poll(() => ana.page.evaluate(() => document.activeElement?.id)).toBe('message');
    await shot(ana.page, 'agent-canned-reply.png');
    await box.press('Enter');
    await see(person, 'También puedes llamar a la línea 140.');

    // An internal note: Luis reads it in the ticket, the person never does.
    await box.fill('Ya le di lo del spam; parece ser Hotmail.');
    await ana.page.getByRole('button', { name: 'Guardar como nota interna' }).click();
    await see(ana.page, 'Ya le di lo del spam; parece ser Hotmail.');
    await luis.page
      .locator('#queue')
      .getByRole('button', { name: /Chat del sitio web/ })
      .last()
      .click();
    await see(luis.page, 'Ya le di lo del spam; parece ser Hotmail.');
    await expect(luis.page.locator('#transcript li.note').last().innerText()).resolves.toContain('Nota interna · Ana');

    // Presence: while Luis is away he is not offered for a transfer.
    await ana.page.getByText('Transferir', { exact: true }).first().click();
    const target = ana.page.getByLabel('Pasar a');
    await expect.poll(() => target.locator('option').allInnerTexts()).toEqual(['Volver a la fila', 'Luis (atiende 0)']);
    await luis.page.getByLabel('Mi estado').selectOption('away');
    await expect.poll(() => target.locator('option').allInnerTexts(), { timeout: 20_000 }).toEqual(['Volver a la fila']);
    await luis.page.getByLabel('Mi estado').selectOption('available');
    await expect
      .poll(() => target.locator('option').allInnerTexts(), { timeout: 20_000 })
      .toEqual(['Volver a la fila', 'Luis (atiende 0)']);

    await target.selectOption('luis');
    await ana.page.getByLabel('Nota para quien sigue (opcional)').fill('Revisa si puede entrar a Hotmail.');
    await shot(ana.page, 'agent-transfer.png');
    await ana.page.getByRole('button', { name: 'Transferir', exact: true }).click();
    await see(person, 'Te paso con Luis, del equipo de asesores del IESS');
    const told = luis.page.getByRole('alert').filter({ hasText: 'Te pasaron una conversación: ya es tuya.' });
    await told.waitFor({ state: 'visible', timeout: 20_000 });
    await see(luis.page, 'Ana pasó la conversación a Luis. Revisa si puede entrar a Hotmail.');
    await luis.page.getByLabel('Escribe tu mensaje para la persona…').fill('Hola, soy Luis. ¿Puedes entrar a tu Hotmail?');
    await luis.page.getByRole('button', { name: 'Enviar' }).click();
    await see(person, '¿Puedes entrar a tu Hotmail?');
    await shot(luis.page, 'agent-after-transfer.png');
    await shot(person, 'person-transferred.png');
    await expect(person.locator('body').innerText()).resolves.not.toContain('parece ser Hotmail');

    expect(pageErrors).toEqual([]);
    await Promise.all([personContext.close(), ana.context.close(), luis.context.close()]);
  }, 180_000);

  it('a supervisor sees the live queue and wait times, the team, satisfaction and the funnel as charts, in both languages', async () => {
    const pageErrors: string[] = [];
    // Someone waiting now, so the queue is live.
    const { context: personContext, page: person } = await openWebChat(browser, harness.url, { viewport: PERSON });
    await type(person, 'quiero hablar con un asesor');
    await see(person, 'Estás en el puesto');

    const marta = await signIn('marta', MARTA_PASSWORD);
    marta.page.on('pageerror', (e) => pageErrors.push(`supervisor: ${e.message}`));
    const chartRequests: string[] = [];
    marta.page.on('request', (r) => chartRequests.push(new URL(r.url()).host));
    // The link to the view is there for supervisors only, and reached with the keyboard.
    const link = marta.page.getByRole('link', { name: 'Vista de supervisión' });
    await link.focus();
    await marta.page.keyboard.press('Enter');
    await marta.page.waitForURL(/\/agent\/supervisor$/);
    await see(marta.page, 'Esperando: ');
    await expect(marta.page.getByRole('status').first().innerText()).resolves.toMatch(/Esperando: [1-9]\d* · Espera más larga: \d+ min/);
    await expect(marta.page.locator('#queue-rows').innerText()).resolves.toContain('Chat del sitio web');
    await expect(marta.page.locator('#team-rows').innerText()).resolves.toMatch(/Ana[\s\S]*5 de 5 \(1 respuestas\)/);
    // Every chart is drawn (Chart.js from this server) and has its numbers as a table.
    for (const id of ['reached', 'ended', 'days', 'rating']) {
      await expect
        .poll(() =>
          marta.page.evaluate(
            (c) =>
              !!(window as unknown as { Chart: { getChart(el: Element): unknown } }).Chart.getChart(document.getElementById(`${c}-chart`)!),
            id,
          ),
        )
        .toBe(true);
    }
    await marta.page.getByText('Ver los datos').first().click();
    await expect(marta.page.locator('#reached-table').innerText()).resolves.toMatch(/Menú principal\s+\d+/);
    await marta.page.getByText('Ver los datos').nth(1).click();
    await expect(marta.page.locator('#ended-table').innerText()).resolves.toContain('pidió una persona');
    await shot(marta.page, 'supervisor-view.png');
    expect(chartRequests.every((host) => host === new URL(harness.url).host)).toBe(true);

    // The queue moves live: the person leaves, the view follows with no reload.
    await type(person, 'cancelar');
    await expect.poll(() => marta.page.locator('#live-summary').innerText(), { timeout: 20_000 }).toMatch(/^Esperando: 0 /);

    // In English.
    await marta.page.goto(`${harness.url}/agent/supervisor?lang=en`);
    await see(marta.page, 'Where each conversation ended, and why');
    await shot(marta.page, 'supervisor-view-en.png');

    // An agent who is not a supervisor gets nothing from it.
    const luis = await signIn('luis', LUIS_PASSWORD);
    await expect(luis.page.getByRole('link', { name: 'Vista de supervisión' }).isHidden()).resolves.toBe(true);
    await luis.page.goto(`${harness.url}/agent/supervisor`);
    await see(luis.page, 'Esta vista es solo para supervisores.');

    expect(pageErrors).toEqual([]);
    await Promise.all([personContext.close(), marta.context.close(), luis.context.close()]);
  }, 180_000);
});
