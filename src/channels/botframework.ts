import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { AuthenticateRequestResult, BotFrameworkAuthentication } from 'botframework-connector';
import type restify from 'restify';
import type { Config } from '../config';
import { type BotFrameworkActivity, botFrameworkActivitySchema, firstReason, isLoopbackUrl } from './botframeworkActivity';
import { jsonBody } from '../http/body';
import type { Channel, ChannelDeps, ChannelGateway, ConversationTurns } from './types';
import { WHATSAPP_CHANNEL_ID } from './whatsapp/settings';
import { ReusedClientsAuthentication } from './reusedClients';

/** The settings this module reads. */
export type BotFrameworkConfig = Pick<
  Config,
  'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppTenantId' | 'MicrosoftAppType' | 'NODE_ENV'
>;

/** How /api/messages checks Bot Framework tokens (tests pass their own). */
export type { BotFrameworkAuthentication };

/** Channels of our own that may not be served in this process but own their conversations elsewhere. */
const ALWAYS_OURS = [WHATSAPP_CHANNEL_ID, 'console'];

/** CloudAdapter with the authentication step done by the caller, so its errors never reach the console. */
class AuthenticatedCloudAdapter extends CloudAdapter {
  runAuthenticated(
    authenticated: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}

export function botFrameworkAuthentication(config: BotFrameworkConfig): BotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  });
}

/** How the Bot Framework channel is built: the channels it must never run, and how tokens are checked. */
export interface BotFrameworkOptions {
  /** The channel ids our own channels serve: an activity naming one is refused here. */
  ours: readonly string[];
  /** How /api/messages checks Bot Framework tokens (default: from the Microsoft app settings). */
  auth?: BotFrameworkAuthentication;
}

/**
 * Azure Bot Service, the Emulator and any Bot Framework client on POST /api/messages.
 *
 * With MicrosoftAppId every request's JWT is checked by botbuilder (including that the token
 * was issued for the activity's serviceUrl), so replies only go where Azure said. Without it
 * the route is open, as the Emulator expects, which production never allows: there the
 * channel is not built at all. Open, replies go only to a loopback serviceUrl, or back in the
 * response (`deliveryMode: "expectReplies"`). In every mode an activity naming a channel we
 * serve ourselves (WhatsApp, our Direct Line, the terminal) is refused, so it can never run
 * inside a conversation of that channel. Its gateway takes every channel no other one owns.
 */
export function createBotFrameworkChannel(deps: ChannelDeps<BotFrameworkConfig>, options: BotFrameworkOptions): Channel | undefined {
  const { config, log } = deps;
  const open = !config.MicrosoftAppId;
  if (open && config.NODE_ENV === 'production') {
    log.info('/api/messages is not served: MicrosoftAppId is empty');
    return undefined;
  }
  const auth = new ReusedClientsAuthentication(options.auth ?? botFrameworkAuthentication(config));
  const ours = new Set([...ALWAYS_OURS, ...options.ours].map((id) => id.toLowerCase()));
  const adapter = new AuthenticatedCloudAdapter(auth);
  adapter.onTurnError = async (_context, error) => {
    log.error({ err: { type: error?.name } }, 'bot framework turn error');
  };

  /** Why this activity may not run here, if it may not. */
  function refusal(activity: BotFrameworkActivity): string | undefined {
    const channel = activity.channelId.toLowerCase();
    if (ours.has(channel)) return `channel "${channel}" is not served on /api/messages`;
    if (open && activity.deliveryMode !== 'expectReplies' && !isLoopbackUrl(activity.serviceUrl))
      return 'without MicrosoftAppId, serviceUrl must be loopback or deliveryMode expectReplies';
    return undefined;
  }

  const listen = (server: restify.Server, bot: Pick<ConversationTurns, 'run'>) => {
    server.post('/api/messages', jsonBody({ maxBytes: 256 * 1024 }), async (req: restify.Request, res: restify.Response) => {
      const parsed = botFrameworkActivitySchema.safeParse(req.body);
      if (!parsed.success) {
        res.send(400, { error: `invalid activity: ${firstReason(parsed.error)}` });
        return;
      }
      const reason = refusal(parsed.data);
      if (reason) {
        res.send(403, { error: reason });
        return;
      }
      const activity = parsed.data as unknown as Activity;
      let authenticated: AuthenticateRequestResult;
      try {
        authenticated = await auth.authenticateRequest(activity, req.header('authorization') ?? '');
      } catch (error) {
        log.warn({ err: { type: (error as Error)?.name } }, 'bot framework request not authenticated');
        res.send(401, { error: 'unauthorized' });
        return;
      }
      try {
        const invoke = await adapter.runAuthenticated(authenticated, activity, (context) => bot.run(context));
        res.send(invoke?.status ?? 200, invoke?.body);
      } catch (error) {
        log.error({ err: { type: (error as Error)?.name } }, 'bot framework request failed');
        res.send(500, { error: 'internal error' });
      }
    });
  };

  const gateway: ChannelGateway = {
    channelIds: ['*'],
    continueConversation: (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => {
      // Open, a serviceUrl came with no proof of where it points: only this machine is trusted.
      if (open && !isLoopbackUrl(reference.serviceUrl ?? ''))
        return Promise.reject(new Error('without MicrosoftAppId messages go only to a loopback serviceUrl'));
      return adapter.continueConversationAsync(config.MicrosoftAppId ?? '', reference, logic);
    },
  };
  return { gateway, listen };
}
