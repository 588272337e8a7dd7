import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

/**
 * What the fuzzer sends: hostile bodies, headers and WebSocket frames, as fast-check
 * arbitraries. Each input carries a short label, so a 5xx can be reported by what caused it.
 */

export interface Body {
  bytes: Uint8Array;
  label: string;
}

const text = (value: string, label: string): Body => ({ bytes: Buffer.from(value, 'utf8'), label });

/** `megabytes` of spaces (valid JSON whitespace) gzipped: 200 MB make about 200 KB. */
export const gzipBomb = (megabytes: number) => gzipSync(Buffer.alloc(megabytes * 1024 * 1024, ' '), { level: 9 });

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

/** Bot Framework activity shapes, right and wrong. */
const activityLike = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('message', 'event', 'conversationUpdate', 'invoke', 'typing', 'endOfConversation'),
      fc.string(),
      fc.integer(),
    ),
    id: fc.oneof(fc.uuid(), fc.string()),
    text: fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('hola', '1', '1710034065', 'ayuda', 'asesor', 'salir'), fc.integer()),
    channelId: fc.oneof(fc.constantFrom('emulator', 'msteams', 'webchat', 'whatsapp', 'directline', 'console', 'WhatsApp'), fc.string()),
    serviceUrl: fc.oneof(
      fc.constantFrom('http://127.0.0.1:1', 'https://smba.trafficmanager.net/', 'http://169.254.169.254/', 'file:///etc/passwd'),
      fc.string(),
    ),
    deliveryMode: fc.constantFrom('expectReplies', 'normal', 'notification', 'x'),
    locale: fc.oneof(fc.constantFrom('es-EC', 'en', 'xx', ''), fc.string()),
    from: fc.oneof(fc.record({ id: fc.string(), name: fc.string(), role: fc.constantFrom('user', 'bot') }), fc.string(), fc.constant(null)),
    recipient: fc.oneof(fc.record({ id: fc.string() }), fc.constant(null)),
    conversation: fc.oneof(
      fc.record({ id: fc.oneof(fc.string(), fc.constantFrom('whatsapp:+593991234567', 'fuzz')) }),
      fc.string(),
      fc.constant(null),
    ),
    value: fc.jsonValue({ maxDepth: 3 }),
    name: fc.string(),
    attachments: fc.array(fc.record({ contentType: fc.string(), contentUrl: fc.string() }), { maxLength: 3 }),
    channelData: fc.jsonValue({ maxDepth: 3 }),
    membersAdded: fc.array(fc.record({ id: fc.string() }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

/** Bytes that are not UTF-8: a lone continuation byte, an overlong slash, a surrogate, 0xff. */
const badUtf8 = fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xc3, 0x28], [0xf4, 0x90, 0x80, 0x80]);

/** A message the page could send, with any text: these reach the bot and run turns. */
export const pageMessage: fc.Arbitrary<Body> = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 300 }),
    fc.constantFrom('hola', '1', '2', '1710034065', 'ayuda', 'asesor', 'salir', 'mi clave es Quito2024', '15 de marzo de 1985'),
  )
  .map((t) => text(JSON.stringify({ type: 'message', text: t, from: { id: 'x' }, locale: 'es-EC' }), 'page-message'));

export const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: activityLike.map((a) => text(JSON.stringify(a), 'activity')) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? '', 'json')) },
  { weight: 2, arbitrary: fc.string({ maxLength: 400 }).map((s) => text(s, 'string')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => ({ bytes, label: 'bytes' })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ maxLength: 40 }), badUtf8).map(([s, bad]) => ({
      bytes: Buffer.concat([Buffer.from(`{"text":"${s}`), Buffer.from(bad), Buffer.from('","type":"message"}')]),
      label: 'invalid-utf8',
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_000, max: 400_000 })
      .map((n) => text(JSON.stringify({ type: 'message', text: 'a'.repeat(n) }), `size-${n}`)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 120_000 }).map((n) => text(`${'['.repeat(n)}${']'.repeat(n)}`, `depth-${n}`)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 60_000 }).map((n) => text(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, `object-depth-${n}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(printable, fc.string({ maxLength: 80 }), { maxKeys: 12 })
      .map((d) => text(new URLSearchParams(d).toString(), 'form')),
  },
  { weight: 1, arbitrary: fc.constant(text('', 'empty')) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'null',
        '[]',
        '"x"',
        '0',
        'true',
        '{',
        '{"type":',
        '\ufeff{}',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
      )
      .map((s) => text(s, 'edge-json')),
  },
);

export interface Encoded {
  bytes: Uint8Array;
  encoding?: string;
  label: string;
}

/** The body as sent: plain, compressed (right or wrong), garbage under a coding, or `bomb`. */
export const encoded = (b: Body, bomb: Buffer): fc.Arbitrary<Encoded> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant({ bytes: b.bytes, label: b.label }) },
    { weight: 1, arbitrary: fc.constant({ bytes: gzipSync(b.bytes), encoding: 'gzip', label: `${b.label}+gzip` }) },
    { weight: 1, arbitrary: fc.constant({ bytes: deflateSync(b.bytes), encoding: 'deflate', label: `${b.label}+deflate` }) },
    { weight: 1, arbitrary: fc.constant({ bytes: brotliCompressSync(b.bytes), encoding: 'br', label: `${b.label}+br` }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('gzip', 'deflate', 'br', 'x-gzip', 'gzip, br', 'identity', 'compress', 'GZIP')
        .map((encoding) => ({ bytes: b.bytes, encoding, label: `${b.label}+garbage-${encoding}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ bytes: gzipSync(b.bytes).subarray(0, 12), encoding: 'gzip', label: `${b.label}+truncated-gzip` }),
    },
    { weight: 1, arbitrary: fc.constant({ bytes: bomb, encoding: 'gzip', label: 'gzip-bomb' }) },
  );

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/json; charset=latin1',
      'application/json; charset="utf-8"',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/xml',
      'json',
      '*/*',
      'application/json;;;',
      'APPLICATION/JSON',
      '',
    ),
  },
  { weight: 1, arbitrary: printable },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Extra headers a hostile client adds: long ones, odd Accept, forged auth, cookies, proxies. */
const someHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    // Mostly within Node's 16 KB header limit, sometimes past it (431).
    'x-long': fc
      .oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 8_000 }) }, fc.integer({ min: 8_000, max: 20_000 }))
      .map((n) => 'a'.repeat(n)),
    accept: fc.constantFrom('text/html', 'application/xml', '*/*;q=0', 'x/y', 'application/json', 'text/plain;q=0.1, */*;q=0'),
    'accept-language': printable,
    authorization: fc.oneof(printable, fc.constantFrom('Bearer ', 'Bearer a.b.c', 'Basic xxx', `Bearer ${'x'.repeat(5_000)}`)),
    cookie: fc.oneof(printable, fc.constant(`iess_agent=${'x'.repeat(4_000)}`)),
    origin: fc.constantFrom('https://phishing.example', 'null', 'http://127.0.0.1', 'x'),
    'x-forwarded-for': fc.oneof(printable, fc.constant(Array.from({ length: 200 }, (_, i) => `10.0.0.${i % 255}`).join(', '))),
    'x-twilio-signature': printable,
    'x-csrf-token': printable,
    'x-request-id': fc.oneof(fc.uuid(), printable),
    'content-md5': printable,
  },
  { requiredKeys: [] },
);
export const extraHeaders = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, someHeaders);

/** Paths the server knows, with hostile parameters and queries. */
export const pathWith = (conversationId: string) =>
  fc.oneof(
    fc.constantFrom(
      '/api/messages',
      '/api/whatsapp',
      '/api/whatsapp/status',
      '/api/webchat/token',
      '/api/clave/estado',
      '/api/clave/nueva',
      '/v3/directline/tokens/generate',
      '/v3/directline/tokens/refresh',
      '/v3/directline/conversations',
      `/v3/directline/conversations/${conversationId}/activities`,
      `/v3/directline/conversations/${conversationId}/upload`,
      '/agent/api/login',
      '/agent/api/logout',
      `/agent/api/tickets/${randomUUID()}/claim`,
      `/agent/api/tickets/${randomUUID()}/messages`,
      `/agent/api/tickets/${randomUUID()}/close`,
      '/healthz',
      '/readyz',
      '/metrics',
    ),
    fc
      .tuple(
        fc.constantFrom(
          '/clave/nueva?lang=',
          '/agent/texts?lang=',
          '/dev/outbox/',
          `/v3/directline/conversations/${conversationId}/activities?watermark=`,
          `/v3/directline/conversations/${conversationId}?watermark=`,
          '/v3/directline/conversations/',
          '/agent/api/tickets/',
          '/chat?',
          '/',
        ),
        fc.oneof(printable, fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%00', '%ff%fe', '-1', '99999999999', '%E0%A4%A', '{{7*7}}')),
      )
      .map(([prefix, tail]) => `${prefix}${encodeURI(tail).replace(/%25/g, '%')}`),
  );

export const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
);

/** One WebSocket frame by hand (client frames are masked), with whatever header bits are asked for. */
export function frame(opcode: number, payload: Uint8Array, options: { fin?: boolean; rsv?: number; masked?: boolean } = {}): Buffer {
  const { fin = true, rsv = 0, masked = true } = options;
  const length = payload.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65_536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else head.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = [0x12, 0x34, 0x56, 0x78];
  return Buffer.concat([Buffer.from([...head, ...mask]), Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]))]);
}

export interface Frame {
  bytes: Buffer;
  label: string;
}

export const wsFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map((n) => ({ bytes: frame(0x1, Buffer.alloc(n, 'x')), label: `text-${n}` })),
  fc.uint8Array({ maxLength: 6_000 }).map((p) => ({ bytes: frame(0x2, p), label: `binary-${p.length}` })),
  fc.uint8Array({ maxLength: 20 }).map((p) => ({ bytes: frame(0x1, p), label: 'text-not-utf8' })),
  fc
    .integer({ min: 3, max: 15 })
    .filter((op) => op !== 8 && op !== 9 && op !== 10)
    .map((op) => ({ bytes: frame(op, Buffer.from('x')), label: `opcode-${op}` })),
  fc.integer({ min: 1, max: 7 }).map((rsv) => ({ bytes: frame(0x1, Buffer.from('x'), { rsv }), label: `rsv-${rsv}` })),
  fc.constant({ bytes: frame(0x1, Buffer.from('x'), { masked: false }), label: 'unmasked' }),
  fc.constant({ bytes: frame(0x9, Buffer.alloc(200)), label: 'ping-too-long' }),
  fc.constant({ bytes: frame(0x9, Buffer.from('x'), { fin: false }), label: 'ping-fragmented' }),
  fc.constant({ bytes: frame(0x0, Buffer.from('x')), label: 'continuation-alone' }),
  fc
    .constantFrom(999, 1004, 1005, 1006, 5000)
    .map((code) => ({ bytes: frame(0x8, Buffer.from([code >> 8, code & 0xff])), label: `close-${code}` })),
  fc.constant({ bytes: frame(0x8, Buffer.from([0x03, 0xe8, 0xff])), label: 'close-bad-reason' }),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((p) => ({ bytes: Buffer.from(p), label: 'garbage' })),
  fc.constant({ bytes: Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), label: 'length-2^63' }),
);

/** WhatsApp webhook fields: Twilio's shape with hostile values, or any fields at all. */
export const whatsappForm = (sender: string): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    fc
      .record(
        {
          From: fc.oneof(
            fc.integer({ min: 100_000_000, max: 999_999_999 }).map((n) => `whatsapp:+593${n}`),
            printable,
          ),
          Body: fc.oneof(
            fc.string({ maxLength: 500 }),
            fc.constantFrom('hola', '1', '1710034065', 'asesor', 'mi clave nueva es Quito2024'),
          ),
          NumMedia: fc.oneof(fc.constantFrom('0', '1', '10', '-1', 'x'), printable),
          MessageSid: fc.oneof(
            { weight: 4, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `SM${Buffer.from(b).toString('hex')}`) },
            printable,
          ),
          MediaContentType0: fc.constantFrom('image/jpeg', 'audio/ogg', 'video/mp4', 'application/pdf', ''),
          MediaUrl0: fc.constantFrom('http://127.0.0.1:1/x', 'file:///etc/passwd', ''),
          MessageStatus: fc.constantFrom('delivered', 'failed', 'undelivered', 'read', 'x'),
          ErrorCode: fc.constantFrom('63016', '30008', 'x', ''),
          ButtonPayload: fc.string({ maxLength: 50 }),
        },
        { requiredKeys: ['From', 'Body', 'MessageSid'] },
      )
      .map((f) => ({ To: sender, AccountSid: `AC${'0'.repeat(32)}`, ...f })),
    fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 200 }), { maxKeys: 20 }),
  );

export const newKeyRequest = fc.record(
  {
    token: fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.string(),
      fc.integer(),
    ),
    key: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('abc123', '123456', 'Quito2024', 'ñandú123', 'a'.repeat(16)), fc.integer()),
    confirm: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('abc123')),
  },
  { requiredKeys: [] },
);
