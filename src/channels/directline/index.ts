import type restify from 'restify';
import type { Config } from '../../config';
import type { Channel, ChannelDeps, ConversationTurns } from '../types';
import { DirectLineAdapter } from './adapter';
import { ConversationLog } from './conversationLog';
import { allowedOrigins, type DirectLineHttpConfig } from './http';
import { registerChatPage, type WebChatPageConfig } from './page';
import { type DirectLineRoutesConfig, registerDirectLineRoutes } from './routes';
import { attachDirectLineStream } from './stream';
import { TokenService } from './tokens';

/** The settings the web chat reads: its page, its routes, and the log's and tokens' own. */
export type DirectLineConfig = Pick<Config, 'STATE_TTL_SECONDS' | 'SERVER_SECRET' | 'DIRECTLINE_TOKEN_TTL_SECONDS' | 'WEBCHAT_DIRECTLINE'> &
  DirectLineHttpConfig &
  WebChatPageConfig &
  DirectLineRoutesConfig;

export interface DirectLineOptions {
  /** How often each WebSocket is pinged (default 30 s). */
  keepAliveMs?: number;
}

/**
 * The website chat: the widget page and its token endpoint, and, unless
 * WEBCHAT_DIRECTLINE=azure, our own Direct Line 3.0 server (REST + WebSocket) with the
 * adapter that delivers the bot's replies and later messages to the conversation's log.
 * In Azure mode the bot is reached on /api/messages, so this gateway owns no channel.
 */
export function createDirectLineChannel(deps: ChannelDeps<DirectLineConfig>, options: DirectLineOptions = {}): Channel {
  const { config, store, log } = deps;
  const origins = allowedOrigins(config);
  const conversations = new ConversationLog(store, config.STATE_TTL_SECONDS * 1000, config.SERVER_SECRET);
  const tokens = new TokenService(config.SERVER_SECRET, config.DIRECTLINE_TOKEN_TTL_SECONDS);
  const page = (server: restify.Server) =>
    registerChatPage(server, { config, log, conversations, tokens, origins, texts: deps.texts, limits: deps.limits });

  if (config.WEBCHAT_DIRECTLINE === 'azure') {
    return {
      gateway: {
        channelIds: [],
        continueConversation: () => Promise.reject(new Error('Azure Direct Line conversations go through /api/messages')),
      },
      listen: page,
    };
  }

  const adapter = new DirectLineAdapter(conversations, log);
  const listen = (server: restify.Server, bot: Pick<ConversationTurns, 'run'>) => {
    page(server);
    registerDirectLineRoutes(server, { config, log, conversations, tokens, adapter, bot, origins });
    const stream = attachDirectLineStream(
      server.server,
      { conversations, tokens, log },
      {
        keepAliveMs: options.keepAliveMs ?? 30_000,
      },
    );
    // Open sockets would hold server.close() forever: end them as soon as closing starts.
    const httpServer = server.server;
    const closeHttp = httpServer.close.bind(httpServer);
    httpServer.close = (callback?: (error?: Error) => void) => {
      stream.close();
      return closeHttp(callback);
    };
  };
  return { gateway: adapter, listen };
}

export { DirectLineAdapter } from './adapter';
export { ConversationLog } from './conversationLog';
export { TokenService } from './tokens';
