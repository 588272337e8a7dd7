import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { ConversationReference } from 'botbuilder';
import restify from 'restify';
import type { ChannelDeps, ChannelGateway } from './types';

/**
 * Azure Bot Service, the Emulator and any Bot Framework client on POST /api/messages.
 * Without MicrosoftAppId the endpoint is open (as the Emulator expects); with one, every
 * request's JWT is checked by botbuilder. `deliveryMode: "expectReplies"` is honoured by
 * CloudAdapter, which returns the replies in the HTTP response.
 */
export function registerBotFramework(server: restify.Server, deps: ChannelDeps): ChannelGateway {
  const { config } = deps;
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (_context, error) => {
    deps.log.error({ err: { type: (error as Error)?.name } }, 'bot framework turn error');
  };

  server.post(
    '/api/messages',
    restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }),
    async (req: restify.Request, res: restify.Response) => {
      if (!req.body || typeof req.body !== 'object' || typeof req.body.type !== 'string') {
        res.send(400, { error: 'an activity object is required' });
        return;
      }
      await adapter.process(req, res, (context: TurnContext) => deps.bot.run(context));
    },
  );

  return {
    channelIds: ['*'],
    continueConversation: (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) =>
      adapter.continueConversationAsync(config.MicrosoftAppId ?? '', reference, logic),
  };
}
