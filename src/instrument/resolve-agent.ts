import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../paths.js';
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
  /** "target" when the user's app has its own copy: their installed version is the one measured. */
  from: 'target' | 'apm-bench';
}

/** Find an agent package in the target app first, then in apm-bench's own dependencies. */
export function resolveAgent(name: string, targetDir: string): ResolvedAgent {
  const own = resolvePackageVersion(name, targetDir);
  if (own && !own.dir.startsWith(packageRoot + '/')) return { package: name, version: own.version, dir: own.dir, from: 'target' };
  const bundled = resolvePackageVersion(name, packageRoot);
  if (bundled) return { package: name, version: bundled.version, dir: bundled.dir, from: 'apm-bench' };
  throw new InputError(`cannot find the package "${name}" in the target app (${targetDir}) or in apm-bench. Install it in your app (npm install ${name}).`);
}
