import { defineConfig } from 'vitest/config';

/**
 * The few files whose assertions rest on measured CPU: one A/A-plus-burn session, one soak leak, one profile
 * attribution. They run one at a time, after everything else: on a 2-core machine a neighbouring test file is noise
 * they would have to absorb. Everything else (simulated sessions, intakes, exit codes, files) runs before them.
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
      // Everything that does not measure CPU, three files at a time: light files (unit tests, simulated sessions, saved
      // results, CLI input handling) and the files that run real targets and agents, unpinned (runCli adds --no-pin), so
      // the scheduler spreads their targets over both cores while a light file uses what they leave idle.
      { extends: true, test: { name: 'checks', include: ['test/**/*.test.ts'], exclude: measurements, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      // Then the measurements, one at a time, on a machine nothing else in the suite is using.
      { extends: true, test: { name: 'measurements', include: measurements, fileParallelism: false, sequence: { groupOrder: 2 } } },
    ],
  },
});
