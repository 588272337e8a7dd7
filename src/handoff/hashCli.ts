/**
 * Prints a ready-to-paste AGENTS line (single-quoted: the hash contains $) for one agent.
 *   npm run --silent agent-hash -- ana            (asks for the password; nothing is echoed)
 *   printf '%s' "$PASSWORD" | npm run --silent agent-hash -- ana
 * The password is read from standard input, never from the command line (shell history).
 */
import { createInterface } from 'node:readline';
import { agentNameSchema, hashPassword } from './agents';

const MIN_LENGTH = 12;

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Hide what is typed: write nothing back but the prompt.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.includes('Contraseña')) process.stderr.write(s);
  };
  const password = await new Promise<string>((resolve) => rl.question('Contraseña del asesor: ', resolve));
  rl.close();
  process.stderr.write('\n');
  return password;
}

async function main() {
  const name = agentNameSchema.safeParse((process.argv[2] ?? '').trim().toLowerCase());
  if (!name.success) {
    process.stderr.write('Uso: npm run --silent agent-hash -- NOMBRE   (minúsculas, dígitos, . _ -)\n');
    process.exit(1);
  }
  const password = await readPassword();
  if (password.length < MIN_LENGTH) {
    process.stderr.write(`La contraseña debe tener al menos ${MIN_LENGTH} caracteres.\n`);
    process.exit(1);
  }
  process.stdout.write(`AGENTS='${name.data}:${await hashPassword(password)}'\n`);
}

void main();
