import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countMessage, type Pace } from '../../src/bot/pace';
import { startTestApp, type TestApp } from '../helpers/app';

describe('messages per conversation and minute, counted in the conversation state', () => {
  it('lets `perMinute` messages through, refuses the next, and starts over a minute later', () => {
    const pace: Pace = {};
    const t0 = 1_000_000;
    expect([1, 2, 3, 4].map((i) => countMessage(pace, 3, t0 + i * 1000))).toEqual([true, true, true, false]);
    expect(countMessage(pace, 3, t0 + 59_000)).toBe(false);
    expect(countMessage(pace, 3, t0 + 61_000)).toBe(true);
  });

  it('starts over when the minute was begun "in the future" or the saved count is not a count', () => {
    const ahead: Pace = { since: 5_000_000, count: 99 };
    expect(countMessage(ahead, 3, 1_000_000)).toBe(true);
    expect(ahead).toEqual({ since: 1_000_000, count: 1 });
    const odd = { since: 1_000_000, count: 'many' } as unknown as Pace;
    expect(countMessage(odd, 3, 1_000_500)).toBe(true);
    expect(odd.count).toBe(1);
  });
});

describe('a conversation that types too fast', () => {
  let harness: TestApp;

  beforeAll(async () => {
    harness = await startTestApp({ MESSAGES_PER_CONVERSATION_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await harness.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is asked to slow down, others are not, and a minute later it goes on where it was', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const person = harness.chat('console');
    await person.say('buenas tardes');
    await person.say('1');
    expect((await person.say('mi cedula es 1714307103')).join('\n')).toMatch(/nacimiento/);
    await person.say('no me acuerdo bien');
    expect((await person.say('el 5 de mayo')).join('\n')).toMatch(/escribiendo muy rápido/);

    const other = harness.chat('console');
    expect((await other.say('hola')).join('\n')).not.toMatch(/muy rápido/);

    vi.setSystemTime(Date.now() + 61_000);
    expect((await person.say('el 5 de mayo')).join('\n')).not.toMatch(/muy rápido|cédula/i);
  });
});
