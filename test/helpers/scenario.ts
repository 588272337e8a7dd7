import { join } from 'node:path';
import { expect } from 'vitest';
import { loadPerson, type Person } from '../conversations/driver/person';
import { type Played, play, transcript, verdict } from '../conversations/driver/play';
import type { Chat } from './person';

const PEOPLE = join(__dirname, '..', 'conversations', 'people');

/** One of the whole-flow people of conversations/people/, by file name. */
export function scenario(name: string): Person {
  return loadPerson(PEOPLE, name);
}

/**
 * Plays a person's whole conversation on `chat` and expects its outcome; a suite then checks
 * what its own channel or part did along the way. `logged`: what the app logged as a problem
 * (`problemLog`), shown when the conversation fails.
 */
export async function playScenario(name: string, chat: Chat, logged?: readonly string[]): Promise<Played> {
  const person = scenario(name);
  try {
    const played = await play(person, chat);
    expect(verdict(person, played), transcript(played)).toEqual([]);
    return played;
  } catch (error) {
    if (!logged) throw error;
    throw new Error(`${(error as Error).message}\nlogged:\n${logged.join('')}`, { cause: error });
  }
}
