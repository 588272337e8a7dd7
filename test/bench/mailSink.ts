import { codeInText } from '../../src/recovery/mail';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

interface Waiter {
  resolve(code: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A real SMTP peer in the load generator: the assistant mails codes to it over SMTP, as it
 * would to the operator's mail server, and each simulated person reads the code from the
 * mail sent to their address. (Reading OUTBOX_DIR would mean listing and parsing a folder
 * that grows to 20,000 files, once per person.)
 */
export class MailSink {
  received = 0;
  private readonly codes = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter>();

  private constructor(private readonly server: SMTPServer) {}

  static async start(): Promise<MailSink> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // No reverse DNS of 127.0.0.1 per connection: it only delays the assistant's send.
      disableReverseLookup: true,
      maxClients: 1000,
      onData(stream, _session, callback) {
        // Accepted as soon as it is received, as a mail server does; read afterwards, so the
        // load generator's parsing is not counted in the assistant's turn.
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          callback();
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              const to = mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined;
              const code = codeInText(mail.text ?? '');
              if (to && code) sink.deliver(to.toLowerCase(), code);
            })
            .catch(() => undefined);
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new MailSink(server);
    return sink;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  private deliver(to: string, code: string): void {
    this.received += 1;
    const waiter = this.waiters.get(to);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(to);
      waiter.resolve(code);
    } else this.codes.set(to, code);
  }

  /** The code mailed to `email` (the one that came or the next one), within `timeoutMs`. */
  codeFor(email: string, timeoutMs = 30_000): Promise<string> {
    const to = email.toLowerCase();
    const ready = this.codes.get(to);
    if (ready) {
      this.codes.delete(to);
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(to);
        reject(new Error('no code mail within the time limit'));
      }, timeoutMs);
      this.waiters.set(to, { resolve, reject, timer });
    });
  }

  /** Forgets a code nobody took (a person who gave up). */
  forget(email: string): void {
    this.codes.delete(email.toLowerCase());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
