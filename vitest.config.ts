import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests measure CPU on a 2-core machine: never run them side by side.
    fileParallelism: false,
    // Every test by name, so a skipped one shows its reason (it is in the title) in CI logs.
    reporters: ['verbose'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
