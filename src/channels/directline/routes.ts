import type { Activity } from 'botbuilder';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { CLIENT_ADDRESS } from '../../recovery/limits';
import { clientAddress } from '../../http/clientAddress';
import type { ConversationTurns } from '../types';
import { inboundActivitySchema, MAX_ACTIVITY_BYTES, startBodySchema } from './activitySchema';
import { DIRECTLINE_CHANNEL_ID, type DirectLineAdapter } from './adapter';
import type { ConversationLog } from './conversationLog';
import { BOT_ACCOUNT, CONVERSATION_ID, joinedActivity, openConversation } from './conversations';
import { readJson } from '../../http/body';
import { applyCors, guardedRoutes, type DirectLineHttpConfig, publicOrigin, sendBodyError, sendError, webSocketOrigin } from './http';
import { bearerToken, type TokenClaims, type TokenService } from './tokens';

/** The settings this module reads. */
export type DirectLineRoutesConfig = Pick<Config, 'DEFAULT_LOCALE' | 'DIRECTLINE_SECRET' | 'PUBLIC_BASE_URL' | 'TRUSTED_PROXY_HOPS'> &
  DirectLineHttpConfig;

export const DIRECTLINE_PREFIX = '/v3/directline';

/** A conversation that reaches this many activities takes no more from the page. */
export const MAX_LOG_ACTIVITIES = 2_000;

export interface DirectLineContext {
  config: DirectLineRoutesConfig;
  log: Logger;
  conversations: ConversationLog;
  tokens: TokenService;
  adapter: DirectLineAdapter;
  bot: Pick<ConversationTurns, 'run'>;
  origins: Set<string>;
}

const watermarkSchema = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number)
  .optional();

function query(req: restify.Request): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

/** The watermark in the query ('' and absent mean "from the start"); undefined when malformed. */
export function parseWatermark(raw: string | null): number | undefined {
  if (raw === null || raw === '' || raw === '-') return 0;
  const parsed = watermarkSchema.safeParse(raw);
  return parsed.success ? (parsed.data ?? 0) : undefined;
}

const pathParamsSchema = z.object({ conversationId: z.string() });

/** The conversation the path names; restify leaves `req.params` untyped. */
function pathConversationId(req: restify.Request): string | undefined {
  return pathParamsSchema.safeParse(req.params).data?.conversationId;
}

/** Checks the bearer token (and that it is for this conversation) and that the conversation exists. */
async function authorize(
  ctx: DirectLineContext,
  req: restify.Request,
  res: restify.Response,
  conversationId?: string,
): Promise<TokenClaims | undefined> {
  const check = await ctx.tokens.verify(bearerToken(req.headers.authorization));
  if (!check.ok) {
    if (check.reason === 'missing') sendError(res, 401, 'MissingToken', 'an Authorization: Bearer token is required');
    else if (check.reason === 'expired') sendError(res, 403, 'TokenExpired', 'the token has expired');
    else sendError(res, 403, 'InvalidToken', 'the token is not valid');
    return undefined;
  }
  const claims = check.claims;
  if (conversationId !== undefined && conversationId !== claims.conversationId) {
    const exists = CONVERSATION_ID.test(conversationId) && (await ctx.conversations.info(conversationId));
    if (exists) sendError(res, 403, 'WrongConversation', 'the token is for another conversation');
    else sendError(res, 404, 'ConversationNotFound', 'the conversation does not exist or has ended');
    return undefined;
  }
  if (!(await ctx.conversations.info(claims.conversationId))) {
    sendError(res, 404, 'ConversationNotFound', 'the conversation does not exist or has ended');
    return undefined;
  }
  return claims;
}

/** `conversationId`, a fresh `token`, `expires_in` and the `streamUrl` from `watermark` on. */
async function conversationResponse(ctx: DirectLineContext, req: restify.Request, claims: TokenClaims, watermark?: number) {
  const { token, expiresIn } = await ctx.tokens.issue(claims.conversationId, claims.userId);
  const stream = new URL(
    `${DIRECTLINE_PREFIX}/conversations/${claims.conversationId}/stream`,
    webSocketOrigin(publicOrigin(req, ctx.config)),
  );
  stream.searchParams.set('t', token);
  if (watermark !== undefined) stream.searchParams.set('watermark', String(watermark));
  return {
    conversationId: claims.conversationId,
    token,
    expires_in: expiresIn,
    streamUrl: stream.toString(),
    referenceGrammarId: '',
  };
}

function secretMatches(given: string | undefined, secret: string | undefined): boolean {
  if (!given || !secret) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Direct Line 3.0 REST API that botframework-directlinejs and Web Chat speak. */
export function registerDirectLineRoutes(server: restify.Server, ctx: DirectLineContext): void {
  const { config, conversations, tokens } = ctx;
  const route = guardedRoutes(server, ctx.log);
  const cors = (req: restify.Request, res: restify.Response) => {
    applyCors(req, res, ctx.origins, ctx.config);
  };
  /** A route on the conversation in the path: CORS, then a token for that conversation. */
  const onConversation =
    (handler: (req: restify.Request, res: restify.Response, claims: TokenClaims) => Promise<void>) =>
    async (req: restify.Request, res: restify.Response) => {
      cors(req, res);
      const claims = await authorize(ctx, req, res, pathConversationId(req));
      if (claims) await handler(req, res, claims);
    };

  route.opts(`${DIRECTLINE_PREFIX}/*`, async (req: restify.Request, res: restify.Response) => {
    const allowed = applyCors(req, res, ctx.origins, ctx.config);
    res.send(allowed ? 204 : 403);
  });

  // Server to server: the operator's backend may mint tokens with the Direct Line secret.
  route.post(`${DIRECTLINE_PREFIX}/tokens/generate`, async (req: restify.Request, res: restify.Response) => {
    cors(req, res);
    if (!secretMatches(bearerToken(req.headers.authorization), config.DIRECTLINE_SECRET)) {
      sendError(res, 403, 'InvalidSecret', 'a valid Direct Line secret is required');
      return;
    }
    const parsed = await startBody(req, res);
    if (!parsed) return;
    const opened = await openConversation(conversations, tokens, parsed.body?.locale);
    res.send(200, { conversationId: opened.conversationId, token: opened.token, expires_in: opened.expiresIn });
  });

  route.post(`${DIRECTLINE_PREFIX}/tokens/refresh`, async (req: restify.Request, res: restify.Response) => {
    cors(req, res);
    const claims = await authorize(ctx, req, res);
    if (!claims) return;
    const { token, expiresIn } = await tokens.issue(claims.conversationId, claims.userId);
    res.send(200, { conversationId: claims.conversationId, token, expires_in: expiresIn });
  });

  // Start: the token already names the conversation; the first start greets.
  route.post(`${DIRECTLINE_PREFIX}/conversations`, async (req: restify.Request, res: restify.Response) => {
    cors(req, res);
    const claims = await authorize(ctx, req, res);
    if (!claims) return;
    const parsed = await startBody(req, res);
    if (!parsed) return;
    const first = await conversations.markStarted(claims.conversationId);
    if (first) {
      const info = await conversations.info(claims.conversationId);
      const locale = parsed.body?.locale ?? info?.locale ?? config.DEFAULT_LOCALE;
      const joined = joinedActivity(claims.conversationId, claims.userId, locale, config.PUBLIC_BASE_URL);
      await ctx.adapter.receiveActivity(joined, (context) => ctx.bot.run(context));
    }
    res.send(first ? 201 : 200, await conversationResponse(ctx, req, claims));
  });

  // Reconnect: a new stream URL that resumes from the watermark.
  route.get(
    `${DIRECTLINE_PREFIX}/conversations/:conversationId`,
    onConversation(async (req, res, claims) => {
      const watermark = watermarkOf(req, res);
      if (watermark === undefined) return;
      res.send(200, await conversationResponse(ctx, req, claims, watermark));
    }),
  );

  route.get(
    `${DIRECTLINE_PREFIX}/conversations/:conversationId/activities`,
    onConversation(async (req, res, claims) => {
      const watermark = watermarkOf(req, res);
      if (watermark === undefined) return;
      const page = await conversations.since(claims.conversationId, watermark);
      res.send(200, { activities: page.activities, watermark: String(page.watermark) });
    }),
  );

  route.post(
    `${DIRECTLINE_PREFIX}/conversations/:conversationId/activities`,
    onConversation(async (req, res, claims) => {
      const body = await readJson(req, { maxBytes: MAX_ACTIVITY_BYTES });
      if (!body.ok) return sendBodyError(res, body);
      const parsed = inboundActivitySchema.safeParse(body.value);
      if (!parsed.success) {
        sendError(res, 400, 'BadArgument', `the activity is not valid: ${parsed.error.issues[0]?.message ?? ''}`.trim());
        return;
      }
      const inbound = parsed.data;
      if (inbound.type === 'message' && !inbound.text?.trim() && inbound.value === undefined) {
        sendError(res, 400, 'BadArgument', 'a message needs text or a value');
        return;
      }
      if (inbound.type === 'event' && !inbound.name) {
        sendError(res, 400, 'BadArgument', 'an event needs a name');
        return;
      }
      // Typing from the page is acknowledged and dropped: it is not part of the conversation.
      if (inbound.type === 'typing') {
        res.send(200, { id: randomUUID() });
        return;
      }
      // Both read the store; asked together, a turn waits for one round trip instead of two.
      const [full, answering] = await Promise.all([
        conversations.isFull(claims.conversationId, MAX_LOG_ACTIVITIES),
        // Kept as masked as what it answers asks for; the bot reads it as written.
        inbound.type === 'message' ? conversations.answering(claims.conversationId) : undefined,
      ]);
      if (full) {
        sendError(res, 429, 'ConversationFull', 'this conversation is too long; please start a new one');
        return;
      }
      const activity: Partial<Activity> = {
        ...inbound,
        channelId: DIRECTLINE_CHANNEL_ID,
        serviceUrl: config.PUBLIC_BASE_URL,
        timestamp: new Date(),
        conversation: { id: claims.conversationId, isGroup: false, conversationType: 'personal', name: '' },
        // The token decides who is speaking, whatever the page wrote.
        from: { id: claims.userId, name: inbound.from?.name ?? '', role: 'user' },
        recipient: BOT_ACCOUNT,
      } as Partial<Activity>;
      const { activity: echoed } = await conversations.append(claims.conversationId, activity, answering);
      // The client's address reaches the per-address limits in memory only, never the log.
      const address = clientAddress(req, ctx.config.TRUSTED_PROXY_HOPS);
      await ctx.adapter.receiveActivity(echoed, (context) => {
        context.turnState.set(CLIENT_ADDRESS, address);
        return ctx.bot.run(context);
      });
      res.send(200, { id: echoed.id });
    }),
  );

  route.post(
    `${DIRECTLINE_PREFIX}/conversations/:conversationId/upload`,
    onConversation(async (_req, res) => {
      sendError(res, 400, 'BadArgument', 'files are not accepted on this channel');
    }),
  );
}

/** The optional start body ({user, locale}); undefined when it was refused (the error is sent). */
async function startBody(req: restify.Request, res: restify.Response): Promise<{ body: z.infer<typeof startBodySchema> } | undefined> {
  const body = await readJson(req, { maxBytes: MAX_ACTIVITY_BYTES });
  if (!body.ok) {
    sendBodyError(res, body);
    return undefined;
  }
  const parsed = startBodySchema.safeParse(body.value);
  if (!parsed.success) {
    sendError(res, 400, 'BadArgument', 'the body must be a JSON object');
    return undefined;
  }
  return { body: parsed.data };
}

/** The request's watermark, or undefined after answering 400 when it is not valid. */
function watermarkOf(req: restify.Request, res: restify.Response): number | undefined {
  const watermark = parseWatermark(query(req).get('watermark'));
  if (watermark === undefined) sendError(res, 400, 'BadArgument', 'the watermark is not valid');
  return watermark;
}
