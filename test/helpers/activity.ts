import { randomUUID } from 'node:crypto';

/**
 * A message as the Bot Framework (Azure Bot Service, the Emulator) posts it to /api/messages,
 * asking for the replies in the response (deliveryMode expectReplies). `fields` replace any default;
 * `deliveryMode: undefined` asks for replies through the serviceUrl instead.
 */
export function botFrameworkMessage(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: randomUUID(),
    text: 'hola',
    locale: 'es-EC',
    channelId: 'emulator',
    serviceUrl: 'http://127.0.0.1:1',
    from: { id: 'person', role: 'user' },
    recipient: { id: 'bot' },
    conversation: { id: `c-${randomUUID()}` },
    deliveryMode: 'expectReplies',
    ...fields,
  };
}
