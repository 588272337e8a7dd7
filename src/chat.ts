import { createInterface } from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import { createApp } from './app';
import { createServer } from 'node:net';
import { type Config, configFromEnvironmentOrExit, loadConfig } from './config';
import { InProcessAdapter, readableText } from './channels/inProcess';

/** `npm run chat`: the same bot in the terminal; the new-key page is served as with `npm start`. */
async function main() {
  const config = await terminalConfig();
  // Markdown the terminal cannot show: bold becomes plain, a link its label and its address.
  const plain = (text: string) => text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/\[([^\]\n]+)\]\((\S+?)\)/g, '$1: $2');
  const adapter = new InProcessAdapter('console', (activity) => {
    console.log(`\n🤖 ${plain(readableText(activity)).replace(/\n/g, '\n   ')}\n`);
  });
  const app = await createApp(config, { channels: [adapter] });
  await app.listen();

  const conversationId = randomUUID();
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  const intro = app.services.texts.t(config.DEFAULT_LOCALE, 'common:terminalIntro', { outbox: `${config.PUBLIC_BASE_URL}/dev/outbox` });
  console.log(intro);
  await adapter.join(conversationId, (ctx) => app.bot.run(ctx));
  terminal.on('close', () => void app.close().then(() => process.exit(0)));
  for await (const line of terminal) {
    if (/^(salir|exit|quit)$/i.test(line.trim())) break;
    await adapter.receive(conversationId, line, (ctx) => app.bot.run(ctx));
    terminal.prompt();
  }
  terminal.close();
}

/**
 * The terminal serves its own new-key page and outbox (its memory holds the links): on PORT,
 * or on a free port when a running server already has PORT, with links pointing there.
 */
async function terminalConfig(): Promise<Config> {
  const wanted = configFromEnvironmentOrExit({ LOG_LEVEL: 'warn' });
  const port = await availablePort(wanted.PORT, wanted.HOST);
  if (port === wanted.PORT) return wanted;
  const publicBaseUrl = process.env.PUBLIC_BASE_URL || `http://localhost:${port}`;
  console.error(`PORT ${wanted.PORT} is taken (npm start?); this chat serves its pages at ${publicBaseUrl}`);
  return loadConfig({ LOG_LEVEL: 'warn', ...process.env, PORT: String(port), PUBLIC_BASE_URL: publicBaseUrl });
}

/** `preferred` when nothing listens there, else a free port the system picks. */
function availablePort(preferred: number, host: string): Promise<number> {
  const probe = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, host, () => {
        const { port: bound } = server.address() as { port: number };
        server.close(() => resolve(bound));
      });
    });
  return probe(preferred).catch(() => probe(0));
}

void main();
