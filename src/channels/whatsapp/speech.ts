import { z } from 'zod';
import { VoiceNoteError } from '../../errors';

export interface SpeechSettings {
  /** An OpenAI-compatible endpoint: …/v1/audio/transcriptions. */
  url: string;
  token?: string;
  model: string;
  maxBytes: number;
  timeoutMs: number;
}

/** Where Twilio serves media; with TWILIO_API_BASE_URL set (a gateway, the tests' stand-in) that origin instead. */
const TWILIO_MEDIA_ORIGIN = /^https:\/\/api\.twilio\.com(?=\/)/;
const MAX_REDIRECTS = 3;

const transcriptionSchema = z.object({ text: z.string().max(10_000) });

/**
 * Voice notes to text: the audio is fetched from Twilio with the account's credentials (only
 * from Twilio's media address, within a size and time limit; Twilio answers with a redirect
 * to a short-lived signed address, followed without credentials), then sent to an
 * OpenAI-compatible transcription server as multipart/form-data (`file`, `model`,
 * `response_format=json`), which answers `{ "text": … }`.
 */
export class SpeechToText {
  constructor(
    private readonly settings: SpeechSettings,
    private readonly twilio: { accountSid: string; authToken: string; apiBaseUrl?: string },
  ) {}

  async transcribe(mediaUrl: string, contentType: string): Promise<string> {
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const audio = await this.fetchMedium(mediaUrl, deadline);
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(audio)], { type: contentType }), `voice.${extensionOf(contentType)}`);
      form.append('model', this.settings.model);
      form.append('response_format', 'json');
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers: this.settings.token ? { Authorization: `Bearer ${this.settings.token}` } : {},
        body: form,
        signal: deadline,
      });
      if (!response.ok) {
        await response.arrayBuffer().catch(() => undefined);
        throw new VoiceNoteError('transcribe');
      }
      const parsed = transcriptionSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new VoiceNoteError('transcribe');
      return parsed.data.text.replace(/\s+/g, ' ').trim();
    } catch (error) {
      if (error instanceof VoiceNoteError) throw error;
      throw new VoiceNoteError(deadline.aborted ? 'timeout' : 'fetch');
    }
  }

  /** The medium's bytes, refused past `maxBytes`; only Twilio's own address gets the credentials. */
  private async fetchMedium(mediaUrl: string, signal: AbortSignal): Promise<Buffer> {
    const base = this.twilio.apiBaseUrl?.replace(/\/+$/, '');
    const url = base ? mediaUrl.replace(TWILIO_MEDIA_ORIGIN, base) : mediaUrl;
    if (!(TWILIO_MEDIA_ORIGIN.test(url) || (base && url.startsWith(`${base}/`)))) throw new VoiceNoteError('fetch');
    const auth = `Basic ${Buffer.from(`${this.twilio.accountSid}:${this.twilio.authToken}`).toString('base64')}`;
    let response = await fetch(url, { headers: { Authorization: auth }, redirect: 'manual', signal });
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < MAX_REDIRECTS; hops++) {
      const location = response.headers.get('location');
      await response.arrayBuffer().catch(() => undefined);
      if (!location) throw new VoiceNoteError('fetch');
      // The signed address needs (and must not see) the account's credentials.
      response = await fetch(new URL(location, url), { redirect: 'manual', signal });
    }
    if (!response.ok || !response.body) throw new VoiceNoteError('fetch');
    if (Number(response.headers.get('content-length') ?? 0) > this.settings.maxBytes) {
      await response.body.cancel();
      throw new VoiceNoteError('too_big');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > this.settings.maxBytes) throw new VoiceNoteError('too_big');
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
}

/** The file name's extension tells OpenAI-compatible servers the format (WhatsApp voice notes are Ogg Opus). */
function extensionOf(contentType: string): string {
  const type = contentType.toLowerCase().split(';')[0].trim();
  const known: Record<string, string> = {
    'audio/ogg': 'ogg',
    'audio/opus': 'ogg',
    'audio/mpeg': 'mp3',
    'audio/mp4': 'm4a',
    'audio/aac': 'm4a',
    'audio/amr': 'amr',
    'audio/wav': 'wav',
    'audio/webm': 'webm',
  };
  return known[type] ?? 'ogg';
}
