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
 * what its own channel or part did along the way.
 */
export async function playScenario(name: string, chat: Chat): Promise<Played> {
  const person = scenario(name);
  const played = await play(person, chat);
  expect(verdict(person, played), transcript(played)).toEqual([]);
  return played;
}
