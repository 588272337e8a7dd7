import { createInterface } from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import { createApp } from '../app';
import { ConfigError, loadConfig } from '../config';
import { InProcessAdapter, readableText } from './inProcess';

/** `npm run chat`: the same bot in the terminal; the new-key page is served as with `npm start`. */
async function main() {
  let config;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen();

  const plain = (text: string) => text.replace(/\*\*(.+?)\*\*/g, '$1');
  const adapter = new InProcessAdapter('console', (activity) => {
    console.log(`\n🤖 ${plain(readableText(activity)).replace(/\n/g, '\n   ')}\n`);
  });
  app.gateways.register(adapter);

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

void main();
