import type { IncomingMessage } from 'node:http';
import type restify from 'restify';

/**
 * The one way request bodies are read, on every route. Compressed bodies are refused (415)
 * from their headers, never decompressed: no client of ours compresses requests, and a decompressor is a
 * crash (restify's gunzip has no error listener) and a memory bomb waiting to happen. The
 * size limit counts the bytes that arrive, so nothing larger is ever held in memory.
 */

export interface BodyOptions {
  maxBytes: number;
  /** Media types a non-empty body may have (lower case, no parameters); absent: any. */
  types?: readonly string[];
}

export type BodyRefusal = {
  ok: false;
  status: 400 | 413 | 415;
  reason: 'malformed' | 'tooLarge' | 'unsupportedType' | 'unsupportedEncoding' | 'aborted';
};
export type TextBody = { ok: true; text: string } | BodyRefusal;
export type JsonBody = { ok: true; value: unknown } | BodyRefusal;

export const JSON_TYPES = ['application/json'] as const;
export const FORM_TYPES = ['application/x-www-form-urlencoded'] as const;

const refusal = (status: BodyRefusal['status'], reason: BodyRefusal['reason']): BodyRefusal => ({ ok: false, status, reason });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the request says a body follows (the same test as Node's own parser). */
function declaresBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/** `type/subtype` and the charset of a Content-Type header, or undefined when it is not one. */
function mediaType(header: string | undefined): { type: string; charset?: string } | undefined {
  if (header === undefined) return { type: '' };
  const [type = '', ...params] = header
    .toLowerCase()
    .split(';')
    .map((part) => part.trim());
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  return { type, charset };
}

/** What can be refused from the headers alone. */
function refusedByHeaders(req: IncomingMessage, options: BodyOptions): BodyRefusal | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '') return refusal(415, 'unsupportedEncoding');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBytes) return refusal(413, 'tooLarge');
  if (!declaresBody(req)) return undefined;
  const media = mediaType(req.headers['content-type']);
  if (!media || (media.charset !== undefined && media.charset !== 'utf-8' && media.charset !== 'utf8'))
    return refusal(415, 'unsupportedType');
  if (options.types && !options.types.includes(media.type)) return refusal(415, 'unsupportedType');
  return undefined;
}

/**
 * A refused body is still read, and dropped, up to this much, so the client hears the answer
 * rather than a reset (Node closes a connection answered before its body arrived); past it the
 * answer goes at once.
 */
const DRAIN_BYTES = 1024 * 1024;

/** The body as UTF-8 text ('' when there is none), or why it was refused. */
export function readText(req: IncomingMessage, options: BodyOptions): Promise<TextBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = refusedByHeaders(req, options);
    let settled = false;
    const settle = (result: TextBody) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return; // dropped: nothing past the answer is kept
      size += chunk.length;
      if (!refused && size > options.maxBytes) {
        refused = refusal(413, 'tooLarge');
        chunks.length = 0;
      }
      if (!refused) chunks.push(chunk);
      else if (size > DRAIN_BYTES) settle(refused);
    });
    req.on('end', () => {
      if (refused) return settle(refused);
      try {
        settle({ ok: true, text: utf8.decode(Buffer.concat(chunks)) });
      } catch {
        settle(refusal(400, 'malformed'));
      }
    });
    req.on('error', () => settle(refusal(400, 'aborted')));
    req.on('close', () => settle(refusal(400, 'aborted')));
  });
}

/** The body as one JSON value (undefined when empty), or why it was refused. */
export async function readJson(req: IncomingMessage, options: BodyOptions): Promise<JsonBody> {
  const body = await readText(req, options);
  if (!body.ok) return body;
  if (!body.text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body.text) };
  } catch {
    return refusal(400, 'malformed');
  }
}

/** Headers that go with a refusal (RFC 7694: say which content coding is accepted). */
export function refusalHeaders(res: restify.Response, refused: BodyRefusal): void {
  if (refused.reason === 'unsupportedEncoding') res.setHeader('Accept-Encoding', 'identity');
}

/** How a route answers a refused body; by default `{ error: reason }` with the refusal's status. */
export type Refuse = (res: restify.Response, refused: BodyRefusal) => void;

const defaultRefuse: Refuse = (res, refused) => {
  res.send(refused.status, { error: refused.reason });
};

function middleware(read: (req: restify.Request) => Promise<{ ok: true; body: unknown } | BodyRefusal>, refuse: Refuse) {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    void read(req).then((result) => {
      if (result.ok) {
        req.body = result.body;
        return next();
      }
      if (result.reason === 'aborted') return next(false); // nobody is left to answer; the chain ends here
      refusalHeaders(res, result);
      refuse(res, result);
      next(false);
    });
  };
}

/** restify handler: `req.body` becomes the parsed JSON value (non-JSON types get 415). */
export function jsonBody(options: Omit<BodyOptions, 'types'> & { refuse?: Refuse }): restify.RequestHandler {
  return middleware(async (req) => {
    const body = await readJson(req, { ...options, types: JSON_TYPES });
    return body.ok ? { ok: true, body: body.value } : body;
  }, options.refuse ?? defaultRefuse);
}

/** restify handler: `req.body` becomes the body's text. */
export function textBody(options: BodyOptions & { refuse?: Refuse }): restify.RequestHandler {
  return middleware(async (req) => {
    const body = await readText(req, options);
    return body.ok ? { ok: true, body: body.text } : body;
  }, options.refuse ?? defaultRefuse);
}
