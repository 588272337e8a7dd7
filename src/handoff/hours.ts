/**
 * Service hours such as "mon-fri 08:00-16:30; sat 09:00-12:00", read in the operator's time zone.
 * Outside them the person still joins the queue, and hears when agents are back.
 */

import { ServiceHoursError } from '../errors';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];

interface Window {
  days: Set<number>;
  /** Minutes after local midnight. */
  from: number;
  to: number;
}

function minutesOf(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm) ?? (hhmm === '24:00' ? ['', '24', '00'] : null);
  if (!match) throw new ServiceHoursError(`"${hhmm}" is not a time like 08:00`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function dayIndex(name: string): number {
  const i = DAYS.indexOf(name.toLowerCase() as Day);
  if (i < 0) throw new ServiceHoursError(`"${name}" is not a day (use ${DAYS.join(', ')})`);
  return i;
}

function parseDays(spec: string): Set<number> {
  const days = new Set<number>();
  for (const part of spec.split(',')) {
    const [first, last] = part.split('-');
    const from = dayIndex(first);
    const to = last ? dayIndex(last) : from;
    // Bounded: at most 7 steps, wrapping past Saturday (e.g. "sat-mon").
    for (let d = from, n = 0; n < 7; d = (d + 1) % 7, n++) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days;
}

/** Local weekday and minute of an instant in a time zone. */
function localClock(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: dayIndex(get('weekday').slice(0, 3)), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export interface Opening {
  /** 0 = Sunday. */
  day: number;
  /** "08:00". */
  time: string;
  /** True when it is later today. */
  today: boolean;
}

export class ServiceHours {
  private constructor(
    private readonly windows: Window[],
    readonly timeZone: string,
  ) {}

  /** Throws ServiceHoursError naming what is wrong. An empty spec means "always open". */
  static parse(spec: string, timeZone: string): ServiceHours {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new ServiceHoursError(`"${timeZone}" is not a time zone (e.g. America/Guayaquil)`);
    }
    const windows: Window[] = [];
    for (const chunk of spec
      .split(';')
      .map((c) => c.trim())
      .filter(Boolean)) {
      const match = /^([a-z,-]+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/i.exec(chunk);
      if (!match) throw new ServiceHoursError(`"${chunk}" should look like "mon-fri 08:00-16:30"`);
      const from = minutesOf(match[2]);
      const to = minutesOf(match[3]);
      if (to <= from) throw new ServiceHoursError(`"${chunk}": the end must be after the start`);
      windows.push({ days: parseDays(match[1]), from, to });
    }
    return new ServiceHours(windows, timeZone);
  }

  get alwaysOpen(): boolean {
    return this.windows.length === 0;
  }

  isOpen(at: Date): boolean {
    if (this.alwaysOpen) return true;
    const { day, minute } = localClock(at, this.timeZone);
    return this.windows.some((w) => w.days.has(day) && minute >= w.from && minute < w.to);
  }

  /** The next time agents start answering (undefined when always open). */
  nextOpening(at: Date): Opening | undefined {
    if (this.alwaysOpen) return undefined;
    const { day, minute } = localClock(at, this.timeZone);
    // Bounded: today and the next 7 days.
    for (let offset = 0; offset <= 7; offset++) {
      const d = (day + offset) % 7;
      const starts = this.windows
        .filter((w) => w.days.has(d) && (offset > 0 || w.from > minute))
        .map((w) => w.from)
        .sort((a, b) => a - b);
      if (starts.length) return { day: d, time: formatMinutes(starts[0]), today: offset === 0 };
    }
    return undefined;
  }

  /** The hours as written for people: [{ days: [1..5], from: "08:00", to: "16:30" }]. */
  describe(): Array<{ days: number[]; from: string; to: string }> {
    return this.windows.map((w) => ({ days: [...w.days].sort(), from: formatMinutes(w.from), to: formatMinutes(w.to) }));
  }
}

function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
