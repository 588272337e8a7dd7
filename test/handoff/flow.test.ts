import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { agentNamed, hashPassword } from '../../src/handoff/agents';
import type { HandoffEvent } from '../../src/handoff/tickets';
import { signWebhook } from '../../src/handoff/webhook';
import { startTestApp, type TestApp } from '../helpers/app';
import { chatOn } from '../helpers/person';

const ana = agentNamed('ana');
const luis = agentNamed('luis');

async function agentsSpec() {
  const cost = { N: 1024, r: 8, p: 1 };
  return `ana:${await hashPassword('clave-ana-larga', cost)};luis:${await hashPassword('clave-luis-larga', cost)}`;
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const openTicket = async (t: TestApp) => {
  const chat = await chatOn('inprocess', t);
  await chat.say('hola');
  const replies = await chat.say('quiero hablar con un asesor');
  const [ticket] = await t.app.handoff.tickets.listOpen();
  return { chat, replies, ticket };
};

describe('human handoff in a conversation', () => {
  it('opens a ticket with a summary and transcript that hold no code or full cédula', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const chat = await chatOn('inprocess', app);
    await chat.say('hola');
    await chat.say('1');
    await chat.say('1714307103');
    await chat.say('482913');
    const replies = await chat.say('quiero hablar con un asesor');
    expect(replies.join('\n')).toContain('Estás en el puesto 1 de la fila');
    expect(replies.join('\n')).toContain('«cancelar»');

    const [ticket] = await app.app.handoff.tickets.listOpen();
    expect(ticket).toMatchObject({ channelId: 'console', reason: 'asked', status: 'waiting' });
    expect(ticket.summary.step).toBe('person.birth');
    expect(ticket.summary.failures.length).toBeGreaterThan(0);
    const detail = await app.app.handoff.detail(ticket.id);
    const stored = JSON.stringify({ ticket: detail!.ticket.summary, transcript: detail!.transcript });
    expect(stored).not.toContain('1714307103');
    expect(stored).not.toContain('482913');
    expect(stored).toContain('•••••••103');
    expect(detail!.transcript.some((e) => e.from === 'user' && e.text === 'quiero hablar con un asesor')).toBe(true);
  });

  it('relays both ways while an agent serves, and gives the conversation back on close', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const { chat, ticket } = await openTicket(app);

    // Nobody has the console open: the person hears that as well as their place.
    expect(await chat.say('sigo aquí')).toEqual([
      expect.stringContaining('Estás en el puesto 1'),
      expect.stringContaining('no hay asesores disponibles'),
    ]);
    const claimed = await app.app.handoff.claim(ticket.id, ana);
    expect(claimed).toMatchObject({ result: 'claimed', notified: true });
    // From the first message the person reads that a person, and who, is writing.
    expect(chat.later().at(-1)).toMatch(/^\*\*Ana, del equipo de asesores del IESS:\*\* 👋 Hola, soy Ana/);

    // The person's messages go to the agent: the dialogs stay silent.
    expect(await chat.say('no me llega el correo')).toEqual([]);
    expect(await app.app.handoff.send(ticket.id, ana, 'Revisa la carpeta de spam, por favor')).toBe('sent');
    expect(chat.later().at(-1)).toBe('**Ana, del equipo de asesores del IESS:** Revisa la carpeta de spam, por favor');
    expect(await app.app.handoff.send(ticket.id, luis, 'hola')).toBe('not_yours');
    // A long answer is kept whole, as the agent wrote it (only bot lines are shortened).
    const long = `Te explico los pasos: ${'primero revisa tu bandeja de entrada y luego la carpeta de spam; '.repeat(6)}fin.`;
    expect(await app.app.handoff.send(ticket.id, ana, long)).toBe('sent');

    const transcript = (await app.app.handoff.detail(ticket.id))!.transcript;
    expect(transcript.slice(-3)).toEqual([
      { at: expect.any(Number), from: 'user', text: 'no me llega el correo' },
      { at: expect.any(Number), from: 'agent', agent: 'Ana', text: 'Revisa la carpeta de spam, por favor' },
      { at: expect.any(Number), from: 'agent', agent: 'Ana', text: long },
    ]);
    expect(transcript.filter((e) => e.from === 'agent')[0].text).toMatch(/^👋 Hola, soy Ana/);

    expect(await app.app.handoff.close(ticket.id, ana)).toBe('closed');
    // The person is told who left and that the assistant is back.
    expect(chat.later().join('\n')).toContain('Ana, del equipo de asesores del IESS terminó la atención y ahora sigo yo, el asistente');
    // Then the one-tap survey; the menu comes back once it is answered.
    expect(chat.later().at(-1)).toMatch(
      /¿cómo te atendió Ana, del equipo de asesores del IESS\? Elige del 1 \(muy mal\) al 5 \(excelente\)\.\n\n1\. Muy mal\n[\s\S]*5\. Excelente$/,
    );
    expect((await chat.say('Excelente')).join('\n')).toContain('¿Quieres contarnos algo más');
    const thanks = await chat.say('Muy amable, me ayudó con mi cédula 1714307103');
    expect(thanks[0]).toBe('¡Gracias por tu opinión! Nos ayuda a atenderte mejor 🙌');
    expect(thanks.at(-1)).toMatch(/¿En qué más te puedo ayudar\?\n\n1\. Recuperar mi clave[\s\S]*5\. Hablar con una persona$/);
    const report = await app.app.handoff.survey.report();
    expect(report.byAgent.ana).toEqual({ responses: 1, average: 5, distribution: [0, 0, 0, 0, 1], comments: 1 });
    expect(JSON.stringify(await app.app.handoff.survey.results())).toContain('•••••••103');
    expect(JSON.stringify(await app.app.handoff.survey.results())).not.toContain('1714307103');
    expect(await app.app.handoff.send(ticket.id, ana, '¿sigues ahí?')).toBe('closed');
    expect(await app.app.handoff.close(ticket.id, ana)).toBe('already');
    // The bot answers again.
    expect((await chat.say('preguntas frecuentes')).join('\n')).toContain('?');
    expect(await app.app.handoff.tickets.listOpen()).toEqual([]);
  });

  it('a message that is no answer to the survey goes on to the bot, and nothing is recorded', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const { chat, ticket } = await openTicket(app);
    await app.app.handoff.claim(ticket.id, luis);
    await app.app.handoff.close(ticket.id, luis);
    expect(chat.later().at(-1)).toContain('¿cómo te atendió Luis');
    expect((await chat.say('preguntas frecuentes')).join('\n')).toMatch(/\?/);
    expect((await chat.say('5')).join('\n')).not.toContain('¿Quieres contarnos algo más');
    expect(await app.app.handoff.survey.results()).toEqual([]);
    // An unserved ticket closed by an agent asks nothing.
    const again = await openTicket(app);
    await app.app.handoff.close(again.ticket.id, ana);
    expect(again.chat.later().join('\n')).not.toContain('¿cómo te atendió');
  });

  it('"cancelar" leaves the queue and the bot takes over; the agents hear it at once', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const { chat, ticket } = await openTicket(app);
    const events: HandoffEvent[] = [];
    const unsubscribe = await app.app.handoff.tickets.subscribe((e) => events.push(e));
    const replies = await chat.say('cancelar');
    expect(replies[0]).toContain('saliste de la fila');
    expect(replies.join('\n')).toContain('Hablar con una persona');
    expect((await app.app.handoff.tickets.get(ticket.id))?.status).toBe('closed');
    expect(await app.app.handoff.claim(ticket.id, ana)).toEqual({ result: 'closed' });
    await expect
      .poll(() => events.find((e) => e.type === 'notice'))
      .toEqual({ type: 'notice', ticketId: ticket.id, notice: 'personLeftQueue' });
    await unsubscribe();
    const transcript = (await app.app.handoff.detail(ticket.id))!.transcript;
    expect(transcript.at(-1)).toMatchObject({ from: 'system', text: expect.stringContaining('La persona salió de la fila') });
  });

  it('"cancelar" while served tells the agent serving, by name', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const { chat, ticket } = await openTicket(app);
    await app.app.handoff.claim(ticket.id, ana);
    const events: HandoffEvent[] = [];
    const unsubscribe = await app.app.handoff.tickets.subscribe((e) => events.push(e));
    await chat.say('cancelar');
    await expect
      .poll(() => events.find((e) => e.type === 'notice'))
      .toEqual({ type: 'notice', ticketId: ticket.id, notice: 'personCancelled', agent: 'ana' });
    await unsubscribe();
  });

  it("the institution in an agent's label comes from INSTITUTION_NAME", async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '', INSTITUTION_NAME: 'Seguro Social' });
    const { chat, ticket } = await openTicket(app);
    await app.app.handoff.claim(ticket.id, luis);
    expect(chat.later().at(-1)).toMatch(/^\*\*Luis, del equipo de asesores del Seguro Social:\*\*/);
  });

  it('the summary names the step where the person got stuck, not the menu they asked from', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const chat = await chatOn('inprocess', app);
    await chat.say('hola');
    await chat.say('1');
    await chat.say('1714307103');
    await chat.say('31 de febrero');
    await chat.say('menú');
    await chat.say('quiero hablar con un asesor');
    const [ticket] = await app.app.handoff.tickets.listOpen();
    expect(ticket.summary.step).toBe('person.birth');
    expect(ticket.summary.failures.at(-1)).toEqual({ step: 'person.birth', reason: 'birth_invalid_date' });
  });

  it('outside service hours says when agents are back and what to do meanwhile', async () => {
    // A window that never includes "now": one minute, starting 12 hours from now.
    const start = new Date(Date.now() + 12 * 3600_000);
    const hhmm = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Guayaquil', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
    const day = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Guayaquil', weekday: 'short' }).format(start).toLowerCase();
    const from = hhmm(start);
    const to = from === '23:59' ? '24:00' : hhmm(new Date(start.getTime() + 60_000));
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: `${day} ${from}-${to}` });
    const { replies } = await openTicket(app);
    const text = replies.join('\n');
    expect(text).toContain('Ahora no hay asesores en línea');
    expect(text).toContain(`a las ${from}`);
    expect(text).toContain('línea 140');
  });

  it('the lost-email flow offers a person', async () => {
    app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '' });
    const chat = await chatOn('inprocess', app);
    await chat.say('hola');
    const topics = await chat.say('3');
    expect(topics.at(-1)).toContain('Hablar con una persona');
    expect((await chat.say('quiero hablar con una persona')).join('\n')).toContain('Estás en el puesto 1');
    const [ticket] = await app.app.handoff.tickets.listOpen();
    expect(ticket.reason).toBe('lost_email');
  });

  it('without agents the bot gives the other ways and opens nothing', async () => {
    app = await startTestApp({ SERVICE_HOURS: '' });
    const chat = await chatOn('inprocess', app);
    await chat.say('hola');
    expect((await chat.say('quiero hablar con un asesor')).join('\n')).toContain('140');
    expect(await app.app.handoff.tickets.listOpen()).toEqual([]);
  });

  it('posts each new ticket, signed, to the webhook', async () => {
    const secret = 'w'.repeat(40);
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    let arrived!: () => void;
    const got = new Promise<void>((resolve) => (arrived = resolve));
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
        arrived();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/tickets`;
      app = await startTestApp({ AGENTS: await agentsSpec(), SERVICE_HOURS: '', HANDOFF_WEBHOOK_URL: url, HANDOFF_WEBHOOK_SECRET: secret });
      const chat = await chatOn('inprocess', app);
      await chat.say('1714307103');
      await chat.say('quiero hablar con un asesor');
      await got;
      const [{ headers, body }] = received;
      expect(headers['x-handoff-signature']).toBe(signWebhook(secret, String(headers['x-handoff-timestamp']), body));
      const payload = JSON.parse(body);
      expect(payload).toMatchObject({ event: 'handoff.ticket_opened', ticket: { channel: 'console', reason: 'asked' } });
      expect(body).not.toContain('1714307103');
    } finally {
      hook.close();
    }
  });

  it('HANDOFF_MODE=event sends the Bot Framework handoff initiation on Azure channels', async () => {
    app = await startTestApp({ HANDOFF_MODE: 'event', SERVICE_HOURS: '' });
    const post = (text: string) =>
      fetch(`${app!.url}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: `m-${text.length}`,
          text,
          locale: 'es-EC',
          channelId: 'emulator',
          serviceUrl: 'http://127.0.0.1:1',
          deliveryMode: 'expectReplies',
          conversation: { id: 'azure-conv-1' },
          from: { id: 'user-1', role: 'user' },
          recipient: { id: 'bot' },
        }),
      }).then(
        async (r) =>
          (await r.json()) as {
            activities: Array<{ type: string; name?: string; value?: unknown; attachments?: unknown[]; text?: string }>;
          },
      );
    await post('hola');
    const { activities } = await post('quiero hablar con un asesor');
    const event = activities.find((a) => a.type === 'event');
    expect(event?.name).toBe('handoff.initiate');
    expect(event?.value).toMatchObject({ reason: 'asked' });
    expect(event?.attachments?.length).toBe(1);
    expect(activities.some((a) => a.text?.includes('te paso con una persona'))).toBe(true);
  });
});
