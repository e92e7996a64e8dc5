import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The installed package root (this file is at dist/paths.js or src/paths.ts). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bundledFixture = join(packageRoot, 'fixtures', 'fastify-app', 'server.js');
export const targetProbePath = join(packageRoot, 'dist', 'probe', 'target-probe.cjs');
export const tickerWorkerPath = join(packageRoot, 'dist', 'run', 'ticker-worker.js');
