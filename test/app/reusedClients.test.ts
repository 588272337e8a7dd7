import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { ClaimsIdentity, ConnectorClient, ConnectorFactory } from 'botframework-connector';
import { describe, expect, it } from 'vitest';
import { ReusedClientsAuthentication } from '../../src/channels/reusedClients';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'emulator', serviceUrl, text: 'hola' }) as Activity;

/** The Emulator's way in (no app id): what /api/messages does without MicrosoftAppId. */
const open = () => new ReusedClientsAuthentication(new ConfigurationBotFrameworkAuthentication({}));

/** What CloudAdapter gets for one activity: its Connector factory, audience and identity. */
async function authenticated(auth: ReusedClientsAuthentication, serviceUrl = 'http://127.0.0.1:3979') {
  const result = await auth.authenticateRequest(activity(serviceUrl), '');
  return { ...result, connectorFactory: result.connectorFactory! };
}

describe('Bot Framework clients, reused between activities', () => {
  it('one Connector client per service URL, one user-token client per app id', async () => {
    const auth = open();
    const first = await authenticated(auth);
    const second = await authenticated(auth);
    const a = await first.connectorFactory.create('http://127.0.0.1:3979', first.audience);
    expect(a).toBeInstanceOf(ConnectorClient);
    expect(await second.connectorFactory.create('http://127.0.0.1:3979', second.audience)).toBe(a);
    expect(await second.connectorFactory.create('http://127.0.0.1:4000', second.audience)).not.toBe(a);
    expect(await auth.createUserTokenClient(second.claimsIdentity)).toBe(await auth.createUserTokenClient(first.claimsIdentity));
  });

  it('keeps a bounded number: past it the oldest is built again', async () => {
    const auth = open();
    const { connectorFactory, audience } = await authenticated(auth);
    const oldest = await connectorFactory.create('http://127.0.0.1:1', audience);
    for (let port = 2; port <= 64; port++) await connectorFactory.create(`http://127.0.0.1:${port}`, audience);
    expect(await connectorFactory.create('http://127.0.0.1:1', audience)).toBe(oldest);
    await connectorFactory.create('http://127.0.0.1:65', audience);
    expect(await connectorFactory.create('http://127.0.0.1:1', audience)).not.toBe(oldest);
  });

  it('a client that could not be built is tried again next time', async () => {
    const inner = new ConfigurationBotFrameworkAuthentication({});
    const real = inner.createConnectorFactory(new ClaimsIdentity([], true));
    let tries = 0;
    inner.createConnectorFactory = () =>
      new (class extends ConnectorFactory {
        create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
          tries += 1;
          return tries === 1 ? Promise.reject(new Error('no token')) : real.create(serviceUrl, audience);
        }
      })();
    const factory = new ReusedClientsAuthentication(inner).createConnectorFactory(new ClaimsIdentity([], true));
    await expect(factory.create('http://127.0.0.1:3979')).rejects.toThrow('no token');
    const built = await factory.create('http://127.0.0.1:3979');
    expect(await factory.create('http://127.0.0.1:3979')).toBe(built);
    expect(tries).toBe(2);
  });
});
