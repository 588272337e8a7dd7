import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config';

/** The settings this module reads. */
export type AzureDirectLineConfig = Pick<Config, 'DIRECTLINE_ENDPOINT' | 'DIRECTLINE_SECRET'>;

const generatedSchema = z.object({
  conversationId: z.string().min(1),
  token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

export interface AzureToken {
  conversationId: string;
  token: string;
  expiresIn: number;
  userId: string;
}

const TIMEOUT_MS = 5_000;

/**
 * Azure mode: trades the Direct Line secret (server side only) for a conversation token,
 * bound to a user id we choose, as Microsoft recommends for Web Chat on a public page.
 */
export async function exchangeAzureSecret(config: AzureDirectLineConfig): Promise<AzureToken> {
  const userId = `dl_${randomBytes(12).toString('base64url')}`;
  const response = await fetch(`${config.DIRECTLINE_ENDPOINT.replace(/\/+$/, '')}/tokens/generate`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${config.DIRECTLINE_SECRET ?? ''}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: { id: userId } }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`Direct Line answered ${response.status}`);
  const body = generatedSchema.parse(await response.json());
  return { conversationId: body.conversationId, token: body.token, expiresIn: body.expires_in, userId };
}
