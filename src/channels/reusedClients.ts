import {
  BotFrameworkAuthentication,
  ConnectorFactory,
  JwtTokenValidation,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';

/** Clients kept: a few service URLs in practice; the bound stops odd ones from growing memory. */
const MAX_CLIENTS = 64;

/** The client under `key`, made once (again if making it failed); the oldest goes past MAX_CLIENTS. */
function reuse<T>(clients: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const kept = clients.get(key);
  if (kept) return kept;
  if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
  const made = make();
  clients.set(key, made);
  made.catch(() => clients.delete(key));
  return made;
}

const appIdOf = (identity: ClaimsIdentity) => JwtTokenValidation.getAppIdFromClaims(identity.claims) ?? '';

/**
 * Bot Framework authentication that reuses the clients CloudAdapter asks for on every
 * activity: a new Connector client and a new user-token client (each an Azure REST pipeline)
 * per turn cost ~8 % of its CPU. One per app id, service URL and audience; their credentials
 * renew their own tokens. Everything else is the given authentication's.
 */
export class ReusedClientsAuthentication extends BotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokens = new Map<string, Promise<UserTokenClient>>();

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(identity: ClaimsIdentity): ConnectorFactory {
    return new ReusedConnectors(this.inner.createConnectorFactory(identity), appIdOf(identity), this.connectors);
  }

  createUserTokenClient(identity: ClaimsIdentity): Promise<UserTokenClient> {
    return reuse(this.userTokens, appIdOf(identity), () => this.inner.createUserTokenClient(identity));
  }

  createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reusing(result: AuthenticateRequestResult): AuthenticateRequestResult {
    const factory = result.connectorFactory;
    if (!factory) return result;
    return { ...result, connectorFactory: new ReusedConnectors(factory, appIdOf(result.claimsIdentity), this.connectors) };
  }
}

/** The given factory's clients, kept per app id, service URL and audience. */
class ReusedConnectors extends ConnectorFactory {
  constructor(
    private readonly factory: ConnectorFactory,
    private readonly appId: string,
    private readonly clients: Map<string, Promise<ConnectorClient>>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const key = JSON.stringify([this.appId, serviceUrl, audience ?? '']);
    return reuse(this.clients, key, () => this.factory.create(serviceUrl, audience));
  }
}
