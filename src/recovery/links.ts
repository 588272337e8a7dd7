import { randomBytes } from 'node:crypto';
import { tokenHash } from '../hashing';
import { z } from 'zod';
import type { Config } from '../config';
import { USTED, pickLocale } from '../i18n';
import type { KeyValueStore } from '../store/keyValue';
import type { ResetLinkData, ResetLinkService } from './types';

/** The settings this module reads. */
export type LinksConfig = Pick<Config, 'DEFAULT_LOCALE' | 'LINK_TTL_SECONDS' | 'PUBLIC_BASE_URL'>;

/** 32 random bytes in base64url: exactly 43 characters. */
export const linkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const NEW_KEY_PATH = '/clave/nueva';

const linkDataSchema = z.object({
  kind: z.enum(['person', 'employer']),
  accountId: z.string().min(1),
  locale: z.string(),
  conversation: z.unknown(),
});

/**
 * The token travels in the URL fragment (`/clave/nueva#<token>`): browsers never send the
 * fragment to the server nor in a Referer, so it stays out of access logs and proxies. The
 * page's script reads it, removes it from the address bar and posts it with the new key.
 * `?lang=` is added when the chat's language is not the default, so the page opens in it.
 */
export function linkTokenFromUrl(url: string): string | undefined {
  const token = new URL(url).hash.slice(1);
  return linkTokenSchema.safeParse(token).success ? token : undefined;
}

export function createResetLinkService({ store, config }: { store: KeyValueStore; config: LinksConfig }): ResetLinkService {
  // Stored under a hash of the token: a copy of the store cannot be turned into working links.
  const storeKey = (token: string) => `link:${tokenHash(token)}`;
  const base = config.PUBLIC_BASE_URL.replace(/\/+$/, '');

  const read = (raw: string | undefined): ResetLinkData | undefined => {
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = linkDataSchema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  };

  return {
    async create(data) {
      const token = randomBytes(32).toString('base64url');
      await store.set(storeKey(token), JSON.stringify(data), config.LINK_TTL_SECONDS * 1000);
      const locale = pickLocale(data.locale, config.DEFAULT_LOCALE);
      // The page speaks as the chat did: English, Spanish, or Spanish in usted.
      const lang = locale === config.DEFAULT_LOCALE ? '' : `?lang=${locale === 'en' ? 'en' : locale === USTED ? USTED : 'es'}`;
      return `${base}${NEW_KEY_PATH}${lang}#${token}`;
    },
    async peek(token) {
      if (!linkTokenSchema.safeParse(token).success) return undefined;
      return read(await store.get(storeKey(token)));
    },
    async consume(token) {
      if (!linkTokenSchema.safeParse(token).success) return undefined;
      return read(await store.take(storeKey(token)));
    },
  };
}
