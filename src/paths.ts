import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';

/**
 * The installed package root: the nearest folder above this file with apm-bench's package.json (this file is
 * src/paths.ts, dist/paths.js, or a chunk of dist/bundle/).
 */
export const packageRoot = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'apm-bench') return dir;
    if (dirname(dir) === dir) throw new Error(`apm-bench: cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
  }
})();
export const bundledFixture = join(packageRoot, 'fixtures', 'fastify-app', 'server.js');
export const targetProbePath = join(packageRoot, 'dist', 'probe', 'target-probe.cjs');
/**
 * Where agent versions of a version matrix are installed, one directory per package@version, reused offline after
 * the first install. APM_BENCH_CACHE moves it (CI caches it between jobs).
 */
export function agentCacheRoot(): string {
  return join(process.env.APM_BENCH_CACHE || join(homedir(), '.cache', 'apm-bench'), 'agents');
}

/** The directory a package@version is installed under: its node_modules hold the package and its dependencies. */
export function agentCacheDir(name: string, version: string): string {
  return join(agentCacheRoot(), `${name.replace('/', '+')}@${version}`);
}
export const tickerWorkerPath = join(packageRoot, 'dist', 'run', 'ticker-worker.js');

/** apm-bench's own version, from its package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
