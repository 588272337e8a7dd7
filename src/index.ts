import { configFromEnvironmentOrExit } from './config';
import { captureConsole } from './log';

/** Starts the assistant; SIGTERM/SIGINT drain in-flight turns, then exit. */
async function main() {
  const config = configFromEnvironmentOrExit();
  // Loaded after the configuration is checked, so a bad variable is reported at once.
  const { createApp } = await import('./app');
  const app = await createApp(config);
  captureConsole(app.log);
  const url = await app.listen();
  app.log.info({ port: config.PORT, publicBaseUrl: config.PUBLIC_BASE_URL }, `listening on ${url}`);

  const stop = async (signal: string) => {
    app.log.info({ signal }, 'draining');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

void main();
