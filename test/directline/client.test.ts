import { TurnContext } from 'botbuilder';
import { type Activity, ConnectionStatus, DirectLine } from 'botframework-directlinejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDirectLine, installBrowserGlobals, requestToken, startDirectLine } from '../helpers/channel';
import { until } from '../helpers/wait';

installBrowserGlobals();

/** The official client, with everything it delivered kept in order. */
function connect(options: ConstructorParameters<typeof DirectLine>[0]) {
  const client = new DirectLine({ pollingInterval: 200, ...options });
  const seen: Activity[] = [];
  const subscription = client.activity$.subscribe((activity) => seen.push(activity));
  const statuses: ConnectionStatus[] = [];
  client.connectionStatus$.subscribe((status) => statuses.push(status));
  return {
    client,
    seen,
    statuses,
    texts: () => seen.filter((a) => a.type === 'message').map((a) => ('text' in a ? a.text : undefined)),
    post(activity: Partial<Activity>) {
      return new Promise<string>((resolve, reject) => {
        client.postActivity(activity as Activity).subscribe({ next: resolve, error: reject });
      });
    },
    end() {
      subscription.unsubscribe();
      client.end();
    },
  };
}

/** Activity ids carry the watermark: `conversation|0000007` is index 7. */
function watermarkAfter(activities: Activity[]): string {
  const last = activities.filter((a) => a.id?.includes('|')).at(-1);
  return last ? String(Number(last.id!.split('|')[1]) + 1) : '';
}

describe.each([
  { mode: 'WebSocket', webSocket: true },
  { mode: 'polling', webSocket: false },
])('botframework-directlinejs over our Direct Line ($mode)', ({ webSocket }) => {
  let dl: TestDirectLine;

  beforeAll(async () => {
    dl = await startDirectLine({}, { keepAliveMs: 200 });
  });
  afterAll(async () => {
    await dl.close();
  });

  it('starts, is greeted, sends, gets its echo and the reply, gets later messages, and resumes from a watermark', async () => {
    const issued = await requestToken(dl.url);
    const page = connect({ domain: issued.domain, token: issued.token, webSocket });

    await until(() => page.texts().includes('Hola, ¿en qué te ayudo?'), 'the greeting');
    const greeting = page.seen.find((a) => a.type === 'message')!;
    expect(greeting.from.role).toBe('bot');
    expect('suggestedActions' in greeting && greeting.suggestedActions?.actions.map((a) => a.title)).toEqual(['uno', 'dos']);
    expect(page.statuses).toContain(ConnectionStatus.Online);

    const id = await page.post({
      type: 'message',
      from: { id: 'someone-else', role: 'user' },
      text: 'quiero recuperar mi clave',
      channelData: { clientActivityID: 'client-1' },
    });
    expect(id).toMatch(new RegExp(`^${issued.conversationId}\\|\\d{7}$`));

    // The echo carries the page's clientActivityID (Web Chat marks the message sent with it)
    // and the user id from the token, not the one the page wrote.
    const echo = await until(
      () => page.seen.find((a) => (a.channelData as { clientActivityID?: string })?.clientActivityID === 'client-1'),
      'the echo',
    );
    expect(echo.id).toBe(id);
    expect(echo.from.id).toBe(issued.userId);
    expect(echo.from.role).toBe('user');
    await until(() => page.texts().includes('eco: quiero recuperar mi clave'), 'the reply');

    // A message the bot sends later (key changed, an agent's reply) reaches the open page.
    const reference = TurnContext.getConversationReference(dl.bot.received[0]);
    expect(reference.channelId).toBe('directline');
    expect(reference.serviceUrl).toBe(dl.config.PUBLIC_BASE_URL);
    await dl.gateway.continueConversation(reference, (ctx) => ctx.sendActivity('tu clave cambió').then(() => undefined));
    await until(() => page.texts().includes('tu clave cambió'), 'the later message');

    // The page goes away; something is said while it is gone; it comes back with its watermark.
    const watermark = watermarkAfter(page.seen);
    const token = (page.client as unknown as { token: string }).token;
    page.end();
    await dl.gateway.continueConversation(reference, (ctx) => ctx.sendActivity('un agente te respondió').then(() => undefined));

    const back = connect({ domain: issued.domain, token, conversationId: issued.conversationId, watermark, webSocket });
    await until(() => back.texts().includes('un agente te respondió'), 'the missed message');
    // Only what it missed, nothing twice.
    expect(back.texts()).toEqual(['un agente te respondió']);

    await back.post({ type: 'message', from: { id: issued.userId }, text: 'gracias', channelData: { clientActivityID: 'client-2' } });
    await until(() => back.texts().includes('eco: gracias'), 'the reply after resuming');
    back.end();

    // A fresh page with the conversation id and no watermark gets the whole conversation, in order.
    const reloaded = connect({ domain: issued.domain, token, conversationId: issued.conversationId, webSocket });
    await until(() => reloaded.texts().includes('eco: gracias'), 'the whole history');
    expect(reloaded.texts()).toEqual([
      'Hola, ¿en qué te ayudo?',
      'quiero recuperar mi clave',
      'eco: quiero recuperar mi clave',
      'tu clave cambió',
      'un agente te respondió',
      'gracias',
      'eco: gracias',
    ]);
    const ids = reloaded.seen.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    reloaded.end();

    // The stream really was the WebSocket in one run, and plain GETs in the other.
    expect({ upgraded: dl.upgrades() > 0, atLeastThree: dl.upgrades() >= 3 }).toEqual({ upgraded: webSocket, atLeastThree: webSocket });
  });
});
