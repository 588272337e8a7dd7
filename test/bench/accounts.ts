import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cedulaCheckDigit } from '../../src/recovery/identity';
import { spokenBirth } from '../helpers/demo';

/** What a simulated person knows: their cédula, birth day and month, the right answers, their mailbox. */
export interface BenchPerson {
  cedula: string;
  birth: string;
  email: string;
  answers: string[];
}

interface DemoPersonJson {
  id: string;
  cedula: string;
  birthDate: string;
  email: string;
  contributingSince: number;
  mailboxLost?: boolean;
  workHistory: Array<{ employer: string }>;
  personal?: Record<string, string>;
}

const SOURCE = join(__dirname, '../../src/recovery/demo-accounts.json');

const personOf = (p: DemoPersonJson): BenchPerson => ({
  cedula: p.cedula,
  birth: spokenBirth(p.birthDate),
  email: p.email,
  answers: [...p.workHistory.map((w) => w.employer), String(p.contributingSince)],
});

/**
 * A demo directory for the benchmark: the demo people asked multiple-choice questions plus `extra` fictitious clones of
 * them (same birth day, work history and start year; their own valid cédula and example.com
 * mailbox). One code lives per account, so people recovering at the same moment need
 * different accounts: with 200 at once, 24 accounts would make them overwrite each
 * other's codes. Returns the file path and the people (the lost-mailbox one left out).
 */
export function writeBenchAccounts(path: string, extra: number): { path: string; people: BenchPerson[] } {
  const data = JSON.parse(readFileSync(SOURCE, 'utf8')) as { persons: DemoPersonJson[]; employers: unknown[]; decoys: unknown };
  const usable = data.persons.filter(picksOptions);
  const taken = new Set(data.persons.map((p) => p.cedula));
  const clones: DemoPersonJson[] = [];
  // Pichincha (17), third digit 1, a running serial: deterministic and always valid.
  for (let serial = 0; clones.length < extra && serial < 1_000_000; serial++) {
    const nine = `171${String(serial).padStart(6, '0')}`;
    const cedula = `${nine}${cedulaCheckDigit(nine)}`;
    if (taken.has(cedula)) continue;
    const model = usable[clones.length % usable.length];
    clones.push({ ...model, id: `bench-${clones.length}`, cedula, email: `bench.${clones.length}@example.com` });
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ ...data, persons: [...data.persons, ...clones] }));
  return { path, people: [...usable, ...clones].map(personOf) };
}

/** The simulated people pick options: the lost-mailbox person and those asked personal questions (typed answers) are left out. */
const picksOptions = (p: DemoPersonJson) => !p.mailboxLost && !p.personal;

/** Hands each simulated person an account nobody else is using; returned ones go to the back. */
export class AccountPool {
  private readonly free: BenchPerson[];
  private head = 0;

  constructor(people: BenchPerson[]) {
    this.free = [...people];
  }

  take(): BenchPerson {
    if (this.head >= this.free.length) throw new Error('no free account: raise the pool size');
    const person = this.free[this.head++];
    // Compacts now and then so the array does not grow without bound.
    if (this.head > 4096) {
      this.free.splice(0, this.head);
      this.head = 0;
    }
    return person;
  }

  give(person: BenchPerson): void {
    this.free.push(person);
  }
}

/** The people of a file written by writeBenchAccounts (the load generator reads it in its own process). */
export function readBenchPeople(path: string): BenchPerson[] {
  const data = JSON.parse(readFileSync(path, 'utf8')) as { persons: DemoPersonJson[] };
  return data.persons.filter(picksOptions).map(personOf);
}
