import { type Activity as PageActivity, DirectLine, type Message } from 'botframework-directlinejs';
import { until } from '../helpers/wait';

/** Folds accents and case, as a reader does when skimming for a phrase. */
export const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** A page speaking to the whole app through the official client, the way Web Chat does. */
export class Page {
  readonly seen: PageActivity[] = [];
  private readonly client: DirectLine;
  private readonly subscription: { unsubscribe(): void };
  private sent = 0;

  constructor(options: ConstructorParameters<typeof DirectLine>[0]) {
    this.client = new DirectLine({ pollingInterval: 200, ...options });
    this.subscription = this.client.activity$.subscribe((activity) => this.seen.push(activity));
  }

  private botMessages(): Message[] {
    return this.seen.filter((a): a is Message => a.type === 'message' && a.from.role === 'bot');
  }

  /** Waits for a bot message after the first `after` that contains `phrase`, and returns it. */
  async expectBot(phrase: string, after: number): Promise<Message> {
    return until(
      () =>
        this.botMessages()
          .slice(after)
          .find((m) => fold(m.text ?? '').includes(fold(phrase))),
      `the bot to say "${phrase}"; it said:\n${this.botMessages()
        .map((m) => m.text)
        .join('\n---\n')}`,
      15_000,
    );
  }

  /** Sends a message (as Web Chat does, with a clientActivityID) and waits for its echo. */
  async say(text: string): Promise<number> {
    const before = this.botMessages().length;
    const clientActivityID = `client-${++this.sent}`;
    await new Promise<string>((resolve, reject) =>
      this.client
        .postActivity({ type: 'message', from: { id: 'page' }, text, channelData: { clientActivityID } })
        .subscribe({ next: resolve, error: reject }),
    );
    await until(
      () => this.seen.find((a) => (a.channelData as { clientActivityID?: string })?.clientActivityID === clientActivityID),
      'the echo',
    );
    return before;
  }

  /** The button (suggested action) on `message` whose title is one of `titles`. */
  static button(message: Message, titles: string[]): string {
    const action = message.suggestedActions?.actions.find((a) => titles.map(fold).includes(fold(a.title ?? '')));
    if (!action) throw new Error(`no button among ${titles.join(', ')} on: ${message.text}`);
    return String(action.value ?? action.title);
  }

  get token(): string {
    return (this.client as unknown as { token: string }).token;
  }

  end() {
    this.subscription.unsubscribe();
    this.client.end();
  }
}
