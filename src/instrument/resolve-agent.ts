import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentCacheDir, packageRoot } from '../paths.js';
import { InputError } from '../errors.js';

/** The version of `name` that Node would load from `fromDir` (walking up node_modules). */
export function resolvePackageVersion(name: string, fromDir: string): { version: string; dir: string } | undefined {
  let dir = fromDir;
  for (;;) {
    const found = packageAt(join(dir, 'node_modules', name));
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function packageAt(dir: string): { version: string; dir: string } | undefined {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  try {
    return { version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, dir };
  } catch {
    return undefined;
  }
}

/**
 * The packages an adapter installs together into one agent-cache entry when the app has none, at the versions apm-bench
 * is tested with (its own devDependencies). Together, because they must share one copy of what they have in common
 * (OpenTelemetry's instrumentations and the SDK share import-in-the-middle; Sentry's profiler, @sentry/core).
 * The first package names the entry.
 */
export type AgentBundle = Readonly<Record<string, string>>;

export interface ResolvedAgent {
  package: string;
  version: string;
  dir: string;
  /**
   * "target": the user's app has its own copy, the version it runs in production; "apm-bench": apm-bench's own
   * development copy (a clone of apm-bench, whose devDependencies hold the agents); "cache": apm-bench's agent cache,
   * either a version the scenario pinned (`version:`) or, when the app has none, the version apm-bench is tested with.
   */
  from: 'target' | 'apm-bench' | 'cache';
  /** Cache only: "pinned" by the scenario's `version:`, or the "tested" default because the app has none. */
  why?: 'pinned' | 'tested';
  /** Cache only: what `npm install` puts in the entry (package@version each). */
  install?: string[];
}

/**
 * Find an agent package: a version the scenario pinned (`version:`) in the agent cache; else the target app's own copy;
 * else apm-bench's own development copy; else the version apm-bench is tested with (`bundle`), from the agent cache,
 * installed on the first run. Installing apm-bench never adds an agent to the app's tree.
 */
export function resolveAgent(name: string, ctx: { targetDir: string; pinned?: Readonly<Record<string, string>> }, bundle?: AgentBundle): ResolvedAgent {
  const pinned = ctx.pinned?.[name];
  // Installed before the run if it is not there yet (run/agent-install.ts); the path is known now.
  if (pinned) {
    return { package: name, version: pinned, dir: join(agentCacheDir(name, pinned), 'node_modules', name), from: 'cache', why: 'pinned', install: [`${name}@${pinned}`] };
  }
  const own = resolvePackageVersion(name, ctx.targetDir);
  if (own && !own.dir.startsWith(packageRoot + '/')) return { package: name, version: own.version, dir: own.dir, from: 'target' };
  // Only apm-bench's own node_modules, never a folder above it: installed inside an app, that would be the app's.
  const bundled = packageAt(join(packageRoot, 'node_modules', name));
  if (bundled) return { package: name, version: bundled.version, dir: bundled.dir, from: 'apm-bench' };
  const tested = bundle?.[name];
  if (bundle && tested) {
    const [main, mainVersion] = Object.entries(bundle)[0]!;
    return {
      package: name, version: tested, dir: join(agentCacheDir(main, `${mainVersion}-bundle`), 'node_modules', name), from: 'cache', why: 'tested',
      install: Object.entries(bundle).map(([p, v]) => `${p}@${v}`),
    };
  }
  throw new InputError(`cannot find the package "${name}" in the target app (${ctx.targetDir}) or in apm-bench. Install it in your app (npm install ${name}).`);
}

