import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../errors.js';
import type { InstrumentationConfig } from '../instrument/types.js';

const run = promisify(execFile);

/** An agent version a session needs from the cache: where it goes, and whether it is there yet. */
export interface CachedAgent {
  package: string;
  version: string;
  /** node_modules/<package> inside the cache entry. */
  dir: string;
  installed: boolean;
}

/** The pinned agent versions the configs (and stack members) use, once each. */
export function cachedAgents(configs: readonly InstrumentationConfig[]): CachedAgent[] {
  const seen = new Map<string, CachedAgent>();
  for (const config of configs.flatMap((c) => [c, ...(c.members ?? [])])) {
    const wanted = [...(config.agent?.from === 'cache' ? [config.agent] : []), ...(config.runtime?.cached ? [config.runtime.cached] : [])];
    for (const agent of wanted) {
      if (seen.has(agent.dir)) continue;
      seen.set(agent.dir, { package: agent.package, version: agent.version, dir: agent.dir, installed: matches(installedVersion(agent.dir), agent.version) });
    }
  }
  return [...seen.values()];
}

/** "22" is any 22.x.y: a runtime matrix may name a major. */
function matches(installed: string | undefined, wanted: string): boolean {
  return installed !== undefined && (installed === wanted || installed.startsWith(`${wanted}.`));
}

function installedVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Install what the cache lacks, one package@version per entry, with npm (the registry the machine is set up with).
 * Each goes to a temporary directory first and is renamed into place, so an interrupted install never leaves a
 * half-filled entry that a later run would trust.
 */
export async function installAgentVersions(configs: readonly InstrumentationConfig[], onNote: (text: string) => void = () => {}): Promise<void> {
  for (const agent of cachedAgents(configs).filter((a) => !a.installed)) {
    const entry = entryOf(agent);
    const staging = `${entry}.installing-${process.pid}`;
    onNote(`Installing ${agent.package}@${agent.version} into the agent cache (${entry}); later runs reuse it offline.`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify({ name: 'apm-bench-agent-cache', private: true })}\n`);
    try {
      await run('npm', ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error',
        `${agent.package}@${agent.version}`], { cwd: staging, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
      const reason = stderr.split('\n').find((line) => /npm (error|ERR!) (code|notarget|404)/.test(line)) ?? stderr.trim().split('\n').slice(-3).join(' ');
      throw new InputError(`could not install ${agent.package}@${agent.version} into the agent cache: ${reason.trim()}. ` +
        `Check the version exists (npm view ${agent.package} versions) and that the npm registry is reachable.`);
    }
    if (existsSync(entry)) rmSync(staging, { recursive: true, force: true }); // another run installed it meanwhile
    else renameSync(staging, entry);
    const got = installedVersion(agent.dir);
    if (!matches(got, agent.version)) throw new InputError(`installed ${agent.package}@${agent.version} into the agent cache, but found ${got ?? 'nothing'} at ${agent.dir}.`);
  }
}

/** The cache entry of an agent: dir is <entry>/node_modules/<package>, two levels deeper for a scoped package. */
function entryOf(agent: CachedAgent): string {
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
