import { cachedAgents } from '../run/agent-install.js';
import { UserError } from '../errors.js';
import { estimateSessionMs, sessionPreview } from '../plan/design.js';
import { loadScenario } from '../scenario/load.js';

export interface AgentUse {
  config: string;
  package: string;
  version: string;
  /**
   * "target": the app's own install, the version it would run in production; "apm-bench": apm-bench's development copy;
   * "cache": the agent cache, a version the scenario pinned (why "pinned") or the tested default (why "tested").
   */
  from: 'target' | 'apm-bench' | 'cache';
  why?: 'pinned' | 'tested';
  dir: string;
  /** Cache only: false until the first run installs it. */
  installed?: boolean;
}

/** A runtime of a `node:` matrix: this process's Node, or a build from the agent cache. */
export interface RuntimeUse {
  label: string;
  spec: string;
  execPath: string;
  /** From the cache: false until the first run installs it. Absent for this process's own Node. */
  installed?: boolean;
}

export type Validation =
  | { file: string; ok: true; preview: string; estimatedMs: number; configs: string[]; agents: AgentUse[]; runtimes: RuntimeUse[] }
  | { file: string; ok: false; error: string; bug?: true };

/**
 * `apm-bench validate`: every check a run makes before its first second of
 * load, for every file, each problem reported. An unexpected error in one file
 * is reported as a bug for that file, and the others are still checked.
 */
export function validateFiles(files: readonly string[]): Validation[] {
  return files.map((file) => {
    try {
      const loaded = loadScenario(file);
      // What the agent cache has already (pinned versions, Node runtimes), by directory.
      const cached = new Map(cachedAgents(loaded.configs).map((a) => [a.dir, a.installed]));
      const installed = (dir: string) => ({ installed: cached.get(dir) ?? false });
      const rounds = loaded.scenario.workload.rounds;
      return {
        file,
        ok: true as const,
        preview: sessionPreview(loaded, rounds),
        estimatedMs: estimateSessionMs(loaded, rounds),
        configs: loaded.configs.map((config) => config.name),
        // A stack's agents are its members'.
        agents: loaded.configs.flatMap((config) => [config, ...(config.members ?? [])]
          .flatMap((c) => (c.agent
            ? [{ config: c === config ? c.name : `${config.name} (${c.name})`, ...c.agent, ...(c.agent.from === 'cache' ? installed(c.agent.dir) : {}) }]
            : []))),
        runtimes: [...new Map(loaded.configs.flatMap((c) => (c.runtime ? [[c.runtime.label, c.runtime] as const] : []))).values()].map((r) => ({
          label: r.label, spec: r.spec, execPath: r.execPath, ...(r.cached ? installed(r.cached.dir) : {}),
        })),
      };
    } catch (error) {
      if (error instanceof UserError) return { file, ok: false as const, error: error.message };
      return { file, ok: false as const, bug: true as const, error: `${file}: internal error: ${(error as Error)?.message ?? String(error)}` };
    }
  });
}
