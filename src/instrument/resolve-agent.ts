import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentCacheDir, packageRoot } from '../paths.js';
import { InputError } from '../errors.js';

/** The version of `name` that Node would load from `fromDir` (walking up node_modules). */
export function resolvePackageVersion(name: string, fromDir: string): { version: string; dir: string } | undefined {
  let dir = fromDir;
  for (;;) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      try {
        return { version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, dir: dirname(manifest) };
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface ResolvedAgent {
  package: string;
  version: string;
  dir: string;
  /**
   * "target" when the user's app has its own copy: their installed version is the one measured; "cache" for a version
   * the scenario asked for (`version:`), installed in apm-bench's agent cache.
   */
  from: 'target' | 'apm-bench' | 'cache';
}

/**
 * Find an agent package: a version the scenario pinned (`version:`) in the agent cache; else the target app's own copy;
 * else apm-bench's own dependency.
 */
export function resolveAgent(name: string, ctx: { targetDir: string; pinned?: Readonly<Record<string, string>> }): ResolvedAgent {
  const pinned = ctx.pinned?.[name];
  // Installed before the run if it is not there yet (run/agent-install.ts); the path is known now.
  if (pinned) return { package: name, version: pinned, dir: join(agentCacheDir(name, pinned), 'node_modules', name), from: 'cache' };
  const targetDir = ctx.targetDir;
  const own = resolvePackageVersion(name, targetDir);
  if (own && !own.dir.startsWith(packageRoot + '/')) return { package: name, version: own.version, dir: own.dir, from: 'target' };
  const bundled = resolvePackageVersion(name, packageRoot);
  if (bundled) return { package: name, version: bundled.version, dir: bundled.dir, from: 'apm-bench' };
  throw new InputError(`cannot find the package "${name}" in the target app (${targetDir}) or in apm-bench. Install it in your app (npm install ${name}).`);
}
