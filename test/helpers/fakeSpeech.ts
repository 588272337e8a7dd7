import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One transcription request as the stand-in read it. */
export interface SpeechRequest {
  fileName: string;
  fileType: string;
  bytes: number;
  model: string;
  responseFormat?: string;
  authorization?: string;
}

/** The formats OpenAI's /v1/audio/transcriptions takes, by file extension. */
const FORMATS = new Set(['flac', 'mp3', 'mp4', 'mpeg', 'mpga', 'm4a', 'ogg', 'wav', 'webm']);
const RESPONSE_FORMATS = new Set(['json', 'text', 'srt', 'verbose_json', 'vtt']);
/** OpenAI refuses files over 25 MB. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A local stand-in for an OpenAI-compatible speech server (faster-whisper-server, whisper.cpp,
 * LocalAI): POST /v1/audio/transcriptions as multipart/form-data with `file` (a name whose
 * extension is a supported format) and `model`, optional `response_format`; checks the bearer
 * token when one is set and that an .ogg file really is Ogg Opus. It cannot listen: it answers
 * the text the test registered for those exact bytes (`says`), '' for any other audio.
 */
export class FakeSpeech {
  readonly requests: SpeechRequest[] = [];
  readonly rejected: string[] = [];
  private readonly transcripts = new Map<string, string>();
  /** The next `count` requests get a 500. */
  failures = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly token?: string,
  ) {}

  static async start(token?: string): Promise<FakeSpeech> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeSpeech(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    return fake;
  }

  /** The endpoint to put in SPEECH_TO_TEXT_URL. */
  get endpoint(): string {
    return `${this.url}/v1/audio/transcriptions`;
  }

  /** What this audio "says". */
  says(audio: Buffer, text: string): void {
    this.transcripts.set(digest(audio), text);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: object }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const refuse = (status: number, message: string) => {
      this.rejected.push(message);
      return { status, body: { error: { message, type: 'invalid_request_error' } } };
    };
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return refuse(404, 'not found');
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return refuse(401, 'invalid api key');
    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;\s*boundary=/.test(type)) return refuse(400, 'multipart/form-data expected');
    const form = await new Request('http://speech.local/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: Buffer.concat(chunks),
    }).formData();
    const file = form.get('file');
    const model = form.get('model');
    const responseFormat = form.get('response_format');
    if (!(file instanceof File)) return refuse(400, 'file is required');
    if (typeof model !== 'string' || !model) return refuse(400, 'model is required');
    if (responseFormat !== null && (typeof responseFormat !== 'string' || !RESPONSE_FORMATS.has(responseFormat)))
      return refuse(400, 'unknown response_format');
    const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
    if (!FORMATS.has(extension)) return refuse(400, `unsupported file format ${extension}`);
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES) return refuse(400, 'file size');
    if (extension === 'ogg' && !(bytes.subarray(0, 4).toString('latin1') === 'OggS' && bytes.includes(Buffer.from('OpusHead'))))
      return refuse(400, 'not an Ogg Opus file');
    this.requests.push({
      fileName: file.name,
      fileType: file.type,
      bytes: bytes.length,
      model,
      responseFormat: responseFormat ?? undefined,
      authorization: req.headers.authorization,
    });
    if (this.failures > 0) {
      this.failures -= 1;
      return { status: 500, body: { error: { message: 'model crashed', type: 'server_error' } } };
    }
    return { status: 200, body: { text: this.transcripts.get(digest(bytes)) ?? '' } };
  }
}
