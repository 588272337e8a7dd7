import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The first demo person, whose answers the README gives a newcomer. */
export const MARIA = {
  cedula: '1714307103',
  birth: '15 de marzo',
  email: 'maria.andrade@example.com',
  answers: ['Tecnologías Quinde Digital S.A.', 'Cacaotera Mirlo Azul S.A.', 'Consultora Brújula Andina Cía. Ltda.', '2010'],
};

/** The months as people write them, January first. */
export const MONTH_NAMES = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];

/** "1988-03-15" → "15 de marzo", as a person writes it. */
export const spokenBirth = (iso: string) => `${Number(iso.slice(8, 10))} de ${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]}`;

export const demoData = JSON.parse(readFileSync(join(__dirname, '../../src/recovery/demo-accounts.json'), 'utf8'));

/** The number of the listed option ("2. Cacaotera…") that is one of the right answers. */
export function pickOption(reply: string, rightAnswers: string[]): string {
  for (const line of reply.split('\n')) {
    const match = /^(\d+)\.\s+(.+)$/.exec(line.trim());
    if (match && rightAnswers.includes(match[2].trim())) return match[1];
  }
  throw new Error(`no right answer among the options:\n${reply}`);
}

/** The one-time link the bot sent, and its token. */
export function linkIn(text: string): { url: string; token: string } {
  // Plain, or inside a Markdown link "[label](url)" / WhatsApp's "label (url)".
  const url = /https?:\/\/[^\s)]+\/clave\/nueva[^\s)]*/.exec(text)?.[0];
  if (!url) throw new Error(`no link in:\n${text}`);
  const token = new URL(url).hash.slice(1) || new URL(url).searchParams.get('t') || '';
  return { url, token: decodeURIComponent(token.replace(/^t=/, '')) };
}

/** Posts a new key through the new-key page's API, as the page does; resolves to the HTTP status. */
export async function setNewKey(baseUrl: string, token: string, key: string, confirm = key): Promise<number> {
  const response = await fetch(`${baseUrl}/api/clave/nueva`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, key, confirm }),
  });
  return response.status;
}
