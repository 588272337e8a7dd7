import { derivedKey } from '../../hashing';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const ISSUER = 'iess-directline';
const AUDIENCE = 'iess-webchat';

/** What a chat token grants: one conversation, as one user. */
export interface TokenClaims {
  conversationId: string;
  userId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

/** The claims we sign; `user` is the name Web Chat and directlinejs read the user id from. */
const payloadSchema = z.object({
  conv: z.string().min(1).max(100),
  user: z.string().min(1).max(100),
  exp: z.number().int(),
});

/**
 * Signed, short-lived chat tokens (JWT, HS256). The signing key is derived from SERVER_SECRET
 * for this one purpose, so a token can never pass for anything else the server signs.
 */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    serverSecret: string,
    readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = derivedKey(serverSecret, 'directline-token-key');
  }

  async issue(conversationId: string, userId: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ conv: conversationId, user: userId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  async verify(token: string | undefined): Promise<TokenCheck> {
    if (!token) return { ok: false, reason: 'missing' };
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.now()),
        clockTolerance: 0,
      });
      const claims = payloadSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: 'invalid' };
      return {
        ok: true,
        claims: { conversationId: claims.data.conv, userId: claims.data.user, expiresAt: claims.data.exp },
      };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}

/** The token in `Authorization: Bearer …`, if any. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)$/i.exec(value ?? '');
  return match?.[1];
}
