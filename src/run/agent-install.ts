import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../errors.js';
import type { InstrumentationConfig } from '../instrument/types.js';

const run = promisify(execFile);

/** An agent-cache entry a session needs: what goes in it, and whether it is all there yet. */
export interface CachedAgent {
  package: string;
  version: string;
  /** node_modules/<package> inside the cache entry. */
  dir: string;
  /** package@version, each installed into the entry by one npm install. */
  install: string[];
  installed: boolean;
}

/** The agent-cache entries the configs (and stack members) use, once each: pinned versions, tested defaults, Node runtimes. */
export function cachedAgents(configs: readonly InstrumentationConfig[]): CachedAgent[] {
  // By cache entry: a bundle's packages (OpenTelemetry's, Sentry's) share one.
  const seen = new Map<string, CachedAgent>();
  for (const config of configs.flatMap((c) => [c, ...(c.members ?? [])])) {
    const wanted = [
      ...(config.agent?.from === 'cache' ? [{ ...config.agent, install: config.agent.install ?? [`${config.agent.package}@${config.agent.version}`] }] : []),
      ...(config.runtime?.cached ? [{ ...config.runtime.cached, install: [`${config.runtime.cached.package}@${config.runtime.cached.version}`] }] : []),
    ];
    for (const agent of wanted) {
      const entry = entryOf(agent);
      if (seen.has(entry)) continue;
      seen.set(entry, { package: agent.package, version: agent.version, dir: agent.dir, install: agent.install, installed: complete(entry, agent.install) });
    }
  }
  return [...seen.values()];
}

/** "22" is any 22.x.y: a runtime matrix may name a major. */
function matches(installed: string | undefined, wanted: string): boolean {
  return installed !== undefined && (installed === wanted || installed.startsWith(`${wanted}.`));
}

/** Every package@version of the entry is in its node_modules. */
function complete(entry: string, specs: readonly string[]): boolean {
  return specs.every((spec) => {
    const at = spec.lastIndexOf('@');
    return matches(installedVersion(join(entry, 'node_modules', spec.slice(0, at))), spec.slice(at + 1));
  });
}

function installedVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Install what the cache lacks, one npm install per entry, with npm (the registry the machine is set up with).
 * Each goes to a temporary directory first and is renamed into place, so an interrupted install never leaves a
 * half-filled entry that a later run would trust.
 */
export async function installAgentVersions(configs: readonly InstrumentationConfig[], onNote: (text: string) => void = () => {}): Promise<void> {
  for (const agent of cachedAgents(configs).filter((a) => !a.installed)) {
    const entry = entryOf(agent);
    const staging = `${entry}.installing-${process.pid}`;
    onNote(`Installing ${agent.install.join(' ')} into the agent cache (${entry}); later runs reuse it offline.`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify({ name: 'apm-bench-agent-cache', private: true })}\n`);
    try {
      await run('npm', ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error',
        ...agent.install], { cwd: staging, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
      const reason = stderr.split('\n').find((line) => /npm (error|ERR!) (code|notarget|404)/.test(line)) ?? stderr.trim().split('\n').slice(-3).join(' ');
      throw new InputError(`could not install ${agent.install.join(' ')} into the agent cache: ${reason.trim()}. ` +
        `Check the version exists (npm view ${agent.package} versions) and that the npm registry is reachable.`);
    }
    // Another run may have installed it meanwhile; an incomplete entry (an older apm-bench's) is replaced.
    if (existsSync(entry) && complete(entry, agent.install)) rmSync(staging, { recursive: true, force: true });
    else {
      rmSync(entry, { recursive: true, force: true });
      renameSync(staging, entry);
    }
    const got = installedVersion(agent.dir);
    if (!matches(got, agent.version)) throw new InputError(`installed ${agent.package}@${agent.version} into the agent cache, but found ${got ?? 'nothing'} at ${agent.dir}.`);
  }
}

/** The cache entry of an agent: dir is <entry>/node_modules/<package>, two levels deeper for a scoped package. */
function entryOf(agent: { package: string; dir: string }): string {
  const modules = agent.package.includes('/') ? dirname(dirname(agent.dir)) : dirname(agent.dir);
  return dirname(modules);
}

/** Every version of a package on the registry, as npm reports them. */
export async function publishedVersions(name: string): Promise<string[]> {
  try {
    const { stdout } = await run('npm', ['view', name, 'versions', '--json', '--loglevel=error'], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
    const parsed = JSON.parse(stdout) as string[] | string;
    return [parsed].flat();
  } catch (error) {
    throw new InputError(`could not list the published versions of ${name} (npm view ${name} versions): ` +
      `${String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')[0]}. Give them with --versions.`);
  }
}
