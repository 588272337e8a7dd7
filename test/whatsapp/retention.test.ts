import { afterEach, describe, expect, it } from 'vitest';
import { type WhatsAppChannel, startWhatsAppChannel } from '../helpers/channel';
import { inbound, postSigned } from './webhooks';

const PHOTO = [{ contentType: 'image/jpeg', bytes: Buffer.from('a photo of a cédula') }];
const AUDIO = [{ contentType: 'audio/ogg', bytes: Buffer.from('a voice note') }];

/** What people send is deleted at Twilio: at once for a photo, after the set delay otherwise, never with 0. */
describe('deleting at Twilio', () => {
  let h: WhatsAppChannel | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const send = (harness: WhatsAppChannel, user: string, body: string, media: typeof PHOTO = [], extra: Record<string, string> = {}) =>
    postSigned(harness.url, '/api/whatsapp', harness.twilio.receive(inbound(user, body, extra), media));

  it('deletes a photo and its medium at once, while a text waits for the delay', async () => {
    h = await startWhatsAppChannel({ env: { TWILIO_DELETE_AFTER_SECONDS: '3600' } });
    const user = 'whatsapp:+593990001001';
    await send(h, user, 'hola');
    await send(h, user, '', PHOTO, { MessageType: 'image' });
    await expect.poll(() => h!.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(2);
    const [text, photo] = h.twilio.inbound;
    await expect.poll(() => h!.twilio.deleted, { timeout: 10_000 }).toEqual(expect.arrayContaining([photo.sid, photo.media[0].sid]));
    expect(h.twilio.kept()).toEqual([text.sid]);
    expect(h.twilio.downloads).toEqual([]);
  });

  it('keeps everything at Twilio with TWILIO_DELETE_AFTER_SECONDS=0', async () => {
    h = await startWhatsAppChannel({ env: { TWILIO_DELETE_AFTER_SECONDS: '0' } });
    const user = 'whatsapp:+593990001002';
    await send(h, user, '', PHOTO, { MessageType: 'image' });
    await send(h, user, 'hola');
    await expect.poll(() => h!.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(2);
    await h.twilio.deliver(h.url, 'https://asistente.example.org');
    expect(h.twilio.deleted).toEqual([]);
  });

  it('tries a failed deletion again, and deletes what was sent only once Twilio reports it delivered', async () => {
    h = await startWhatsAppChannel({ env: { TWILIO_DELETE_AFTER_SECONDS: '0.05' } });
    const user = 'whatsapp:+593990001003';
    h.twilio.failNextDeletes(2);
    await send(h, user, '', AUDIO, { MessageType: 'audio' });
    await expect.poll(() => h!.twilio.bodiesTo(user), { timeout: 10_000 }).toHaveLength(1);
    // The first two tries fail (Twilio 5xx); the next one, a second later, deletes medium and message.
    await expect.poll(() => h!.twilio.kept(), { timeout: 15_000 }).toEqual([]);
    expect(await h.metric('iess_whatsapp_deletions_total')).toMatch(/result="retried"} [1-9]/);
    // The reply stays until delivered: Twilio refuses to delete a message in progress.
    expect(h.twilio.keptSent()).toHaveLength(1);
    expect(await h.twilio.deliver(h.url, 'https://asistente.example.org')).toBe(1);
    await expect.poll(() => h!.twilio.keptSent(), { timeout: 10_000 }).toEqual([]);
    expect(h.twilio.rejected.filter((r) => !/service unavailable/.test(r))).toEqual([]);
  }, 30_000);
});
