import { ConversationState, MemoryStorage, TestAdapter, TurnContext } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { ConversationLanguage } from '../../dialogs/language';
import { Texts, USTED } from '../../src/i18n';
import { createLanguageGuesser, createRegisterReader } from '../../src/understanding';

const texts = new Texts();
const reader = createRegisterReader(texts);
const guesser = createLanguageGuesser(texts);

describe('how a person addresses the bot', () => {
  it.each([
    ['buenos dias disculpe la molestia', 'usted'],
    ['me puede ayudar con mi clave porfa', 'usted'],
    ['Podría decirme cuánto dura el código?', 'usted'],
    ['le agradezco mucho', 'usted'],
    ['ayudeme con la clave', 'usted'],
    ['ayudame con la clave', 'tu'],
    ['disculpe, puedes decirme cuanto dura?', 'tu'],
    ['oye y tu sabes si es gratis', 'tu'],
    ['1714307103', undefined],
    ['si', undefined],
    ['15 de marzo', undefined],
    ['quiero recuperar mi clave', undefined],
  ])('«%s» is %s', (text, register) => {
    expect(reader.read(text)).toBe(register);
  });
});

describe('the conversation in usted', () => {
  const storage = new MemoryStorage();
  const adapter = new TestAdapter();

  /** One turn with a fresh state and language, as after a restart: only the storage is kept. */
  async function turn(conversation: string, text: string, locale = 'es-EC') {
    const state = new ConversationState(storage);
    const language = new ConversationLanguage(state, guesser, 'es-EC', reader);
    const context = new TurnContext(adapter, {
      type: 'message',
      text,
      locale,
      channelId: 'whatsapp',
      conversation: { id: conversation },
      from: { id: 'person' },
      recipient: { id: 'bot' },
    } as never);
    const resolved = await language.resolve(context);
    await state.saveChanges(context);
    return resolved;
  }

  it('switches after two messages in usted and keeps it for the rest, across restarts', async () => {
    expect(await turn('a', 'buenas tardes, disculpe')).toBe('es-EC');
    expect(await turn('a', 'me puede ayudar con mi clave')).toBe(USTED);
    expect(await turn('a', '1714307103')).toBe(USTED);
    expect(await turn('a', 'ayudame porfa')).toBe(USTED);
  });

  it('a tú message in between starts the count again', async () => {
    expect(await turn('b', 'disculpe')).toBe('es-EC');
    expect(await turn('b', 'me ayudas?')).toBe('es-EC');
    expect(await turn('b', 'me podria ayudar')).toBe('es-EC');
    expect(await turn('b', 'si')).toBe('es-EC');
    expect(await turn('b', 'le agradezco')).toBe(USTED);
  });

  it('English is unaffected', async () => {
    expect(await turn('c', 'disculpe', 'en-US')).toBe('en');
    expect(await turn('c', 'me puede ayudar', 'en-US')).toBe('en');
  });
});
