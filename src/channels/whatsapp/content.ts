import { createHash, randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { Logger } from '../../log';
import type { KeyValueStore } from '../../store/keyValue';
import { shortenLabels } from './labels';
import type { TwilioClient } from './twilioClient';

/*
 * WhatsApp's limits for interactive messages sent inside the 24-hour window, as Twilio's
 * Content API documents them (twilio/quick-reply, twilio/list-picker).
 */
/** In session, a quick-reply message may carry at most three buttons, each title up to 20 characters. */
export const QUICK_REPLY_MAX = 3;
export const BUTTON_TITLE_MAX = 20;
/** A list picker holds 1 to 10 items: item text up to 24, description up to 72, id up to 200. */
export const LIST_MAX = 10;
export const ITEM_MAX = 24;
export const DESCRIPTION_MAX = 72;
export const ID_MAX = 200;
/** The text above the buttons or the list, for both types. */
export const BODY_MAX = 1024;

export type ChoiceKind = 'quick-reply' | 'list-picker';

/** One option as the person reads it (`label`) and as the bot receives it back when tapped (`id`). */
export interface Choice {
  label: string;
  id: string;
}

/** What a content's variables hold for one message; numbered as the content's placeholders. */
type Variables = Record<string, string>;

/** Bump when a definition changes: the new contents get new names, the old ones are left alone. */
const DEFINITION_VERSION = 1;

/**
 * The content for `count` options: everything that differs per person (the question, the
 * labels, the ids) is a variable, so one content per kind and count serves every question.
 */
export function contentDefinition(kind: ChoiceKind, count: number) {
  const slot = (first: number, i: number, per: number) => `{{${first + i * per}}}`;
  const types =
    kind === 'quick-reply'
      ? {
          'twilio/quick-reply': {
            body: '{{1}}',
            actions: Array.from({ length: count }, (_, i) => ({ type: 'QUICK_REPLY', title: slot(2, i, 2), id: slot(3, i, 2) })),
          },
        }
      : {
          'twilio/list-picker': {
            body: '{{1}}',
            button: '{{2}}',
            items: Array.from({ length: count }, (_, i) => ({ item: slot(3, i, 3), id: slot(4, i, 3), description: slot(5, i, 3) })),
          },
        };
  const samples = variablesFor(
    kind,
    '¿Qué necesitas?',
    'Ver opciones',
    Array.from({ length: count }, (_, i) => ({ label: `Opción ${i + 1}`, id: `opcion-${i + 1}` })),
  );
  const digest = createHash('sha256').update(JSON.stringify({ types, DEFINITION_VERSION })).digest('hex').slice(0, 8);
  return { friendly_name: `iess_${kind.replace('-', '_')}_${count}_${digest}`, language: 'es', variables: samples, types };
}

/** The values of one message's variables: the body, then each option's label and id (and, in a list, its whole label). */
export function variablesFor(kind: ChoiceKind, body: string, button: string, choices: Choice[]): Variables {
  const variables: Variables = { 1: body };
  if (kind === 'quick-reply') {
    const titles = shortenLabels(
      choices.map((c) => c.label),
      BUTTON_TITLE_MAX,
    );
    choices.forEach((c, i) => Object.assign(variables, { [2 + 2 * i]: titles[i], [3 + 2 * i]: c.id }));
  } else {
    variables[2] = button;
    const items = shortenLabels(
      choices.map((c) => c.label),
      ITEM_MAX,
    );
    const descriptions = shortenLabels(
      choices.map((c) => c.label),
      DESCRIPTION_MAX,
    );
    choices.forEach((c, i) => Object.assign(variables, { [3 + 3 * i]: items[i], [4 + 3 * i]: c.id, [5 + 3 * i]: descriptions[i] }));
  }
  return variables;
}

/** Up to 3 options: buttons; up to 10: a list; more, or ids too long or repeated: none (numbered text). */
export function kindFor(choices: Choice[]): ChoiceKind | undefined {
  const ids = new Set(choices.map((c) => c.id));
  if (choices.length === 0 || choices.length > LIST_MAX || ids.size !== choices.length) return undefined;
  if (choices.some((c) => !c.id || c.id.length > ID_MAX || !c.label.trim())) return undefined;
  return choices.length <= QUICK_REPLY_MAX ? 'quick-reply' : 'list-picker';
}

/** A content SID is kept this long in the shared store before it is looked up again. */
const SID_TTL_MS = 30 * 24 * 3_600_000;
/** One instance creates a content at a time; the others send text meanwhile. */
const CREATE_LOCK_MS = 30_000;
/** How long an instance waits for the SID another one is creating, before sending text this time. */
const OTHER_WAIT_MS = 3_000;
/** After a failed lookup or creation, text is sent for this long before trying again. */
const RETRY_AFTER_MS = 60_000;

/**
 * The Content API contents the assistant uses, created on first use and found again by
 * name: cached in process and in the shared store (so every instance uses the same SIDs),
 * created by one instance at a time under a store lock, and found by its friendly name when
 * it already exists at Twilio (created by another deployment, or by hand in the Console).
 */
export class ContentRegistry {
  private readonly sids = new Map<string, string>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();
  private failedUntil = 0;

  constructor(
    private readonly client: TwilioClient,
    private readonly store: KeyValueStore,
    private readonly log: Logger,
    private readonly created: Counter<'result'>,
  ) {}

  /** The SID of the content for `count` options of `kind`, or undefined when it is not available now. */
  async sidFor(kind: ChoiceKind, count: number): Promise<string | undefined> {
    const definition = contentDefinition(kind, count);
    const name = definition.friendly_name;
    const known = this.sids.get(name);
    if (known) return known;
    if (Date.now() < this.failedUntil) return undefined;
    let lookup = this.lookups.get(name);
    if (!lookup) {
      lookup = this.findOrCreate(definition).finally(() => this.lookups.delete(name));
      this.lookups.set(name, lookup);
    }
    return lookup;
  }

  /** Twilio no longer knows this SID (deleted in the Console): look it up again next time. */
  async forget(sid: string): Promise<void> {
    for (const [name, known] of this.sids) {
      if (known !== sid) continue;
      this.sids.delete(name);
      await this.store.delete(`wa:content:${name}`).catch(() => undefined);
    }
  }

  private async findOrCreate(definition: ReturnType<typeof contentDefinition>): Promise<string | undefined> {
    const name = definition.friendly_name;
    const key = `wa:content:${name}`;
    try {
      const stored = await this.store.get(key);
      if (stored) return this.remember(name, stored);
      const owner = randomUUID();
      if (!(await this.store.setIfAbsent(`${key}:lock`, owner, CREATE_LOCK_MS))) return this.awaitOther(name, key);
      try {
        const again = await this.store.get(key);
        if (again) return this.remember(name, again);
        const existing = (await this.client.content.v1.contents.list({ pageSize: 100, limit: 2_000 })).find((c) => c.friendlyName === name);
        let sid = existing?.sid;
        if (!sid) {
          // The API takes Twilio's own JSON (snake_case, "twilio/…" type names), which the client passes through.
          sid = (await this.client.content.v1.contents.create(definition as never)).sid;
          this.created.inc({ result: 'created' });
        } else this.created.inc({ result: 'found' });
        await this.store.set(key, sid, SID_TTL_MS);
        return this.remember(name, sid);
      } finally {
        await this.store.deleteIfEquals(`${key}:lock`, owner).catch(() => undefined);
      }
    } catch (error) {
      const { status, code } = (error ?? {}) as { status?: number; code?: number };
      this.failedUntil = Date.now() + RETRY_AFTER_MS;
      this.created.inc({ result: 'failed' });
      this.log.warn(
        { content: name, httpStatus: status, errorCode: code, err: { type: (error as Error)?.name } },
        'whatsapp content not available; sending text',
      );
      return undefined;
    }
  }

  /** Another instance is creating it: its SID is usually in the store within a moment. */
  private async awaitOther(name: string, key: string): Promise<string | undefined> {
    for (let waited = 0; waited < OTHER_WAIT_MS; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const sid = await this.store.get(key);
      if (sid) return this.remember(name, sid);
    }
    return undefined;
  }

  private remember(name: string, sid: string): string {
    this.sids.set(name, sid);
    return sid;
  }
}

/** How one question with options goes out: as content, or as numbered text and why. */
export type ChoicePlan =
  { as: ChoiceKind; contentSid: string; contentVariables: string } | { as: 'text'; why: 'unsuitable' | 'unavailable' };

/**
 * Turns a question and its options into a Content API message: buttons for up to three
 * options, a list for up to ten, with the labels shortened to WhatsApp's sizes. The ids the
 * person's tap sends back are the options' own values, so the dialogs read a tap as if the
 * option had been typed.
 */
export class ChoiceContents {
  constructor(
    private readonly registry: ContentRegistry,
    /** The list picker's button ("Ver opciones") in the conversation's language. */
    private readonly listButton: (locale: string | undefined) => string,
  ) {}

  async plan(body: string, choices: Choice[], locale: string | undefined): Promise<ChoicePlan> {
    const kind = kindFor(choices);
    if (!kind || !body.trim() || body.length > BODY_MAX) return { as: 'text', why: 'unsuitable' };
    const contentSid = await this.registry.sidFor(kind, choices.length);
    if (!contentSid) return { as: 'text', why: 'unavailable' };
    const button = shortenLabels([this.listButton(locale)], BUTTON_TITLE_MAX)[0];
    return { as: kind, contentSid, contentVariables: JSON.stringify(variablesFor(kind, body, button, choices)) };
  }

  forget(contentSid: string): Promise<void> {
    return this.registry.forget(contentSid);
  }
}
