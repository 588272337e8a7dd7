import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Can this machine speak (espeak-ng) and encode Opus (opusenc)? Missing: a visible skip locally, a failure on CI. */
export function voiceTools(): { ok: boolean; reason?: string } {
  const missing = ['espeak-ng', 'opusenc'].filter(
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore', timeout: 5000 }).status !== 0,
  );
  if (missing.length === 0) return { ok: true };
  const reason = `${missing.join(' and ')} (Debian: apt-get install espeak-ng opus-tools)`;
  if (process.env.CI) throw new Error(`CI needs ${reason}`);
  console.warn(`[skip] ${reason}`);
  return { ok: false, reason };
}

/** A real WhatsApp-style voice note (Ogg Opus) saying `text`, spoken by espeak-ng in `voice`. */
export function voiceNote(text: string, voice = 'es'): Buffer {
  const folder = mkdtempSync(join(tmpdir(), 'iess-voice-'));
  try {
    const wav = join(folder, 'note.wav');
    const opus = join(folder, 'note.ogg');
    const spoken = spawnSync('espeak-ng', ['-v', voice, '-w', wav, text], { timeout: 20_000 });
    if (spoken.status !== 0) throw new Error(`espeak-ng failed: ${spoken.stderr.toString('utf8')}`);
    const encoded = spawnSync('opusenc', ['--quiet', wav, opus], { timeout: 20_000 });
    if (encoded.status !== 0) throw new Error(`opusenc failed: ${encoded.stderr.toString('utf8')}`);
    return readFileSync(opus);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
