import { hashPassword } from '../../src/handoff/agents';
import { FakeTwilio } from '../helpers/fakeTwilio';
import { startServer, type ServerProcess } from '../helpers/server';
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, whatsappEnv } from '../whatsapp/webhooks';
import type { Target } from './fuzz';

const AGENT = { name: 'ana', password: 'clave-de-prueba-de-ana' };

/**
 * The assistant in its own process with every surface on (WhatsApp against a local Twilio
 * stand-in, the agent console, the Direct Line server), limits opened up so the fuzzer
 * reaches the handlers instead of the rate limiter.
 */
export async function startTarget(options: {
  fromSource: boolean;
}): Promise<{ target: Target; server: ServerProcess; close: () => Promise<void> }> {
  const twilio = await FakeTwilio.start(ACCOUNT_SID, AUTH_TOKEN);
  const env = {
    ...whatsappEnv(twilio.url),
    AGENTS: `${AGENT.name}:${await hashPassword(AGENT.password, { N: 1024, r: 8, p: 1 })}`,
    TOKEN_REQUESTS_PER_MINUTE_PER_IP: '1000000',
    MESSAGES_PER_CONVERSATION_PER_MINUTE: '1000000',
    REQUESTS_PER_MINUTE_PER_ADDRESS: '1000000',
  };
  const server = await startServer(env, { fromSource: options.fromSource });
  const target: Target = {
    url: server.url,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    twilioAuthToken: AUTH_TOKEN,
    sender: SENDER,
    agent: AGENT,
    alive: () => server.exited() === undefined,
    rss: () => server.rss(),
  };
  return {
    target,
    server,
    async close() {
      await server.stop();
      await twilio.close();
    },
  };
}
