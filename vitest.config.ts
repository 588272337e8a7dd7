import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, slowest first: started first, so the two workers finish together
 * even on a clean checkout, which has no timings of an earlier run for vitest to sort by.
 */
const SLOWEST = [
  'test/conversations/conversations.test.ts',
  'test/browser/widget.test.ts',
  'test/browser/agent.test.ts',
  'test/recovery/identityTiming.test.ts',
  'test/app/server.test.ts',
  'test/app/boundedMemory.test.ts',
  'test/nlu/cli.test.ts',
];

class SlowestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = SLOWEST.findIndex((name) => file.moduleId.endsWith(name));
      return index === -1 ? SLOWEST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel, but not more than the machine can carry.
    maxWorkers: 2,
    // Each worker keeps the modules it loaded (botbuilder, the app, the trained intent model) for
    // the next file instead of loading them again. The suites build their own apps and stores,
    // and a suite puts back what it changes in the process (fake timers, listeners).
    isolate: false,
    sequence: { sequencer: SlowestFirst },
  },
});
