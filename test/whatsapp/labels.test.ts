import { describe, expect, it } from 'vitest';
import { contentDefinition, kindFor, variablesFor } from '../../src/channels/whatsapp/content';
import { cutToFit, shortenLabels } from '../../src/channels/whatsapp/labels';

describe('labels shortened to WhatsApp sizes', () => {
  it('keeps labels that fit and cuts longer ones at a word', () => {
    expect(shortenLabels(['Sí', 'No'], 20)).toEqual(['Sí', 'No']);
    expect(cutToFit('Consultora Brújula Andina Cía. Ltda.', 24)).toBe('Consultora Brújula…');
    expect(cutToFit('Supercalifragilisticoespialidoso', 10)).toBe('Supercali…');
  });

  it('keeps what tells two long labels apart', () => {
    const labels = ['Consultora Brújula Andina del Norte Cía. Ltda.', 'Consultora Brújula Andina del Sur Cía. Ltda.'];
    const [north, south] = shortenLabels(labels, 24);
    expect([...north].length).toBeLessThanOrEqual(24);
    expect([...south].length).toBeLessThanOrEqual(24);
    expect(north).toMatch(/Norte/);
    expect(south).toMatch(/Sur/);
  });

  it('numbers labels that would still read the same', () => {
    const short = shortenLabels(['Una empresa con un nombre muy largo A', 'Una empresa con un nombre muy largo A'], 20);
    expect(new Set(short).size).toBe(2);
    for (const label of short) expect([...label].length).toBeLessThanOrEqual(20);
  });
});

describe('contents for options', () => {
  it('uses buttons up to three options, a list up to ten, and text beyond or for unusable ids', () => {
    const options = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `Opción ${i + 1}`, id: `o${i}` }));
    expect(kindFor(options(2))).toBe('quick-reply');
    expect(kindFor(options(3))).toBe('quick-reply');
    expect(kindFor(options(4))).toBe('list-picker');
    expect(kindFor(options(10))).toBe('list-picker');
    expect(kindFor(options(11))).toBeUndefined();
    expect(
      kindFor([
        { label: 'a', id: 'x' },
        { label: 'b', id: 'x' },
      ]),
    ).toBeUndefined();
    expect(kindFor([{ label: 'a', id: 'x'.repeat(201) }])).toBeUndefined();
  });

  it('names a content by its kind, size and definition, with a sample for every variable', () => {
    const list = contentDefinition('list-picker', 4);
    expect(list.friendly_name).toMatch(/^iess_list_picker_4_[0-9a-f]{8}$/);
    const used = [...JSON.stringify(list.types).matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1]);
    expect(Object.keys(list.variables).sort()).toEqual([...new Set(used)].sort());
    expect(contentDefinition('list-picker', 4).friendly_name).toBe(list.friendly_name);
    expect(contentDefinition('quick-reply', 4).friendly_name).not.toBe(list.friendly_name);
  });

  it('gives a list item its whole label as description and the option value as id', () => {
    const variables = variablesFor('list-picker', '¿Para cuál trabajaste?', 'Ver opciones', [
      { label: 'Consultora Brújula Andina Cía. Ltda.', id: 'Consultora Brújula Andina Cía. Ltda.' },
      { label: 'Cacaotera Mirlo Azul S.A.', id: 'Cacaotera Mirlo Azul S.A.' },
    ]);
    expect(variables).toMatchObject({
      1: '¿Para cuál trabajaste?',
      2: 'Ver opciones',
      3: 'Consultora Brújula…',
      4: 'Consultora Brújula Andina Cía. Ltda.',
      5: 'Consultora Brújula Andina Cía. Ltda.',
      6: 'Cacaotera Mirlo Azul…',
      8: 'Cacaotera Mirlo Azul S.A.',
    });
  });
});
