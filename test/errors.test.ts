import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors';

const { ServiceError, ...classes } = errors;

/** One instance of each error, built as the code that raises it does. */
const samples = [
  new errors.ConfigError('AGENTS: quote it'),
  new errors.ServiceHoursError('"25:00" is not a time'),
  new errors.AgentsConfigError('AGENTS: bad name'),
  new errors.DemoDataError('missing'),
  new errors.StoreUnavailableError(new Error('ECONNREFUSED')),
  new errors.DirectoryUnavailableError('lookup', 'timeout'),
  new errors.UnknownAccountError(),
  new errors.ConversationBusyError(),
  new errors.VoiceNoteError('too_big'),
  new errors.WhatsAppWindowClosedError(24),
];

describe('errors', () => {
  it('has a sample of every error the module exports', () => {
    expect(samples.map((e) => e.constructor)).toEqual(expect.arrayContaining(Object.values(classes)));
    expect(samples).toHaveLength(Object.values(classes).length);
  });

  it('names each error after its class and gives each its own code', () => {
    for (const error of samples) {
      expect(error).toBeInstanceOf(ServiceError);
      expect(error.name).toBe(error.constructor.name);
      expect(error.stack).toContain(error.name);
      expect(error.code).toMatch(/^[A-Z_]+$/);
    }
    expect(new Set(samples.map((e) => e.code)).size).toBe(samples.length);
  });
});
