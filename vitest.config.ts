import { defineConfig } from 'vitest/config';

/**
 * The few files whose assertions rest on measured CPU: one A/A-plus-burn session, one soak leak, one profile
 * attribution. They run one at a time, after everything else: on a 2-core machine a neighbouring test file is noise
 * they would have to absorb. Everything else (simulated sessions, intakes, exit codes, files) runs two at a time.
 */
const measurements = [
  'test/e2e/run.test.ts',
  'test/e2e/soak.test.ts',
  'test/e2e/profile.test.ts',
];

export default defineConfig({
  test: {
    // Every test by name, so a skipped one shows its reason (it is in the title) in CI logs.
    reporters: ['verbose'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    projects: [
      {
        // Unit tests and end-to-end checks of behaviour (exit codes, messages, counts, files): two at a time, first.
        extends: true,
        test: { name: 'checks', include: ['test/**/*.test.ts'], exclude: measurements, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'measurements', include: measurements, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
