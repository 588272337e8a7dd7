/**
 * Tries the intent model from a terminal: one line of text in, one JSON line out.
 *   echo "olvide mi clave" | npm run --silent intent
 *   npm run --silent intent -- --locale en < phrases.txt
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { IntentRecognizer } from './recognizer';

const argsSchema = z.object({ locale: z.enum(['es-EC', 'en']).default('es-EC') });

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { locale: { type: 'string' } }, strict: true });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    process.stderr.write('usage: intent [--locale es-EC|en] < lines\n');
    process.exitCode = 2;
    return;
  }
  const recognizer = await IntentRecognizer.train();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const text = line.trim();
    if (!text) continue;
    const { intent, score } = await recognizer.recognize(text, args.data.locale);
    process.stdout.write(`${JSON.stringify({ text, intent, score: Math.round(score * 1000) / 1000 })}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`intent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
