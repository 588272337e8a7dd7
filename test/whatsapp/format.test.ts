import { describe, expect, it } from 'vitest';
import { renderActivityText, splitMessage, toWhatsAppMarkdown, WHATSAPP_MAX_CHARS } from '../../src/channels/whatsapp/format';

describe('WhatsApp formatting', () => {
  it('turns Markdown bold, strike, headings and links into WhatsApp formatting', () => {
    expect(toWhatsAppMarkdown('Revisa **Spam** o **Correo no deseado**.')).toBe('Revisa *Spam* o *Correo no deseado*.');
    expect(toWhatsAppMarkdown('~~vieja~~ y _cursiva_')).toBe('~vieja~ y _cursiva_');
    expect(toWhatsAppMarkdown('## Tu clave')).toBe('*Tu clave*');
    expect(toWhatsAppMarkdown('Abre [la página](https://x.example/clave)')).toBe('Abre la página (https://x.example/clave)');
    expect(toWhatsAppMarkdown('Crea tu clave:\n\n[Crear mi nueva clave](https://x.example/clave#t)\n\nVale 15 minutos.')).toBe(
      'Crea tu clave:\n\nCrear mi nueva clave:\nhttps://x.example/clave#t\n\nVale 15 minutos.',
    );
  });

  it('shows masked emails and numbers with dots, which WhatsApp cannot mistake for bold', () => {
    expect(toWhatsAppMarkdown('Tu correo registrado es **ma***********@e******.com**. ¿Tienes acceso?')).toBe(
      'Tu correo registrado es ma•••••••••••@e••••••.com. ¿Tienes acceso?',
    );
    expect(toWhatsAppMarkdown('Cédula *******103, correo **ju***@gmail.com**')).toBe('Cédula •••••••103, correo ju•••@gmail.com');
  });

  it('renders suggested actions and hero-card buttons as a numbered list', () => {
    const text = renderActivityText({
      type: 'message',
      text: '¿Qué necesitas?',
      suggestedActions: {
        to: [],
        actions: [
          { type: 'imBack', title: 'Recuperar mi clave', value: 'Recuperar mi clave' },
          { type: 'imBack', title: 'Clave patronal', value: 'Clave patronal' },
        ],
      },
    });
    expect(text).toBe('¿Qué necesitas?\n\n1. Recuperar mi clave\n2. Clave patronal');
    const card = renderActivityText({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.hero',
          content: {
            title: 'Menú',
            buttons: [
              { type: 'imBack', title: 'Sí', value: 'Sí' },
              { type: 'imBack', title: 'No', value: 'No' },
            ],
          },
        },
      ],
    });
    expect(card).toBe('*Menú*\n\n1. Sí\n2. No');
  });
});

describe('splitting long messages', () => {
  const sentence = (i: number) => `Esta es la oración número ${i} del párrafo, con algo de texto para leer.`;
  const paragraph = (p: number) => Array.from({ length: 6 }, (_, i) => sentence(p * 10 + i)).join(' ');

  it('keeps short text whole', () => {
    expect(splitMessage('Hola 👋')).toEqual(['Hola 👋']);
  });

  it('splits 5,000 characters at paragraph boundaries, each piece within 1,600', () => {
    const paragraphs = Array.from({ length: 30 }, (_, p) => paragraph(p));
    const text = paragraphs
      .join('\n\n')
      .slice(0, 5000)
      .replace(/\s+\S*$/, '.');
    expect(text.length).toBeGreaterThan(4900);
    const pieces = splitMessage(text);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(WHATSAPP_MAX_CHARS);
    // Every piece but the last ends a paragraph, and nothing is lost or reordered.
    for (const piece of pieces.slice(0, -1)) expect(paragraphs).toContain(piece.split('\n\n').pop());
    expect(pieces.join('\n\n')).toBe(text);
  });

  it('falls back to sentence ends when a paragraph is longer than a message', () => {
    const text = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ');
    const pieces = splitMessage(text);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(WHATSAPP_MAX_CHARS);
      expect(piece).toMatch(/^Esta es la oración .*\.$/s);
    }
    expect(pieces.join(' ')).toBe(text);
  });

  it('cuts a text without spaces at the limit, never inside an emoji', () => {
    const text = `${'a'.repeat(1599)}😀${'b'.repeat(100)}`;
    const pieces = splitMessage(text);
    expect(pieces.map((p) => p.length)).toEqual([1599, 102]);
    expect(pieces.join('')).toBe(text);
  });
});
