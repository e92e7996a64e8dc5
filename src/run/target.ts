import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { dirname, extname } from 'node:path';
import type { InstrumentationConfig } from '../instrument/types.js';
import type { ResolvedTarget } from '../scenario/load.js';
import { targetProbePath } from '../paths.js';
import { killGroup, signalGroup, trackGroup } from './processes.js';
import { sanitizeEnv } from '../instrument/env.js';
import type { ProbeConnection, ProbeServer } from './probe-server.js';

/** --require for CommonJS preloads, --import for ES modules: how production loads agents. */
export function preloadFlags(preloads: readonly string[]): string[] {
  return preloads.flatMap((file) => (extname(file) === '.mjs' ? ['--import', file] : ['--require', file]));
}

function quoteForNodeOptions(flag: string): string {
  return /[\s"\\]/.test(flag) ? `"${flag.replace(/(["\\])/g, '\\$1')}"` : flag;
}

export interface TargetLaunch {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** The exact command line and environment for one run of the target. */
export function buildLaunch(opts: {
  target: ResolvedTarget;
  config: InstrumentationConfig;
  baseEnv: Record<string, string>;
  port: number;
  probeSocket: string;
  extraEnv: Record<string, string>;
  cpuList?: string;
  niceIncrement?: number;
}): TargetLaunch {
  const { target, config } = opts;
  const nodeFlags = [...config.nodeOptions, ...preloadFlags([targetProbePath, ...config.preloads])];
  const env: Record<string, string> = {
    ...opts.baseEnv,
    NODE_ENV: 'production',
    // The app's .env, as its start script would load it, without vendor keys (as the shell's).
    ...(target.envFile ? sanitizeEnv(target.envFile.vars).env : {}),
    ...target.env,
    ...config.env,
    // Last, so a config cannot point an agent away from its local intake.
    ...opts.extraEnv,
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    APM_BENCH_PROBE: opts.probeSocket,
  };
  let argv: string[];
  if (target.kind === 'command') {
    // A start command we do not control: flags travel in NODE_OPTIONS, as with most PaaS agents.
    env.NODE_OPTIONS = nodeFlags.map(quoteForNodeOptions).join(' ');
    argv = [...target.command!];
  } else {
    argv = [config.runtime?.execPath ?? process.execPath, ...nodeFlags, target.script!];
  }
  // A runtime matrix: `node` on PATH is the runtime's too, for start commands and npm scripts.
  if (config.runtime) env.PATH = `${dirname(config.runtime.execPath)}:${env.PATH ?? ''}`;
  // Both exec the target in place, so its pid is the one spawned.
  if (opts.niceIncrement) argv = ['nice', '-n', String(opts.niceIncrement), ...argv];
  if (opts.cpuList) argv = ['taskset', '-c', opts.cpuList, ...argv];
  return { argv, env, cwd: target.cwd };
}

/** Why a target stopped being usable. */
export class TargetFailure extends Error {
  constructor(message: string, readonly stderrTail: string, readonly exitCode: number | null, readonly signal: string | null) {
    super(message);
  }
}

const tailBytes = 4096;

/** One running target process. */
export class TargetProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private stopping = false;

  private constructor(readonly child: ChildProcess, readonly launch: TargetLaunch) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-tailBytes);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        this.output += `\n${error.message}`;
        resolve({ code: null, signal: null });
      });
    });
  }

  static start(launch: TargetLaunch): TargetProcess {
    const [command, ...args] = launch.argv;
    const child = spawn(command!, args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) trackGroup(child.pid);
    return new TargetProcess(child, launch);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  outputTail(lines = 15): string {
    return this.output.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolves with a TargetFailure when the process exits before we stop it. */
  crashed(): Promise<TargetFailure> {
    return this.exited.then(({ code, signal }) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      return new TargetFailure(`the target ${how}`, this.outputTail(), code, signal);
    });
  }

  /** Wait until GET readyPath answers and the probe inside the target has said hello. */
  async waitUntilReady(port: number, readyPath: string, timeoutMs: number, probes: ProbeServer): Promise<ProbeConnection> {
    // A wrapper (taskset, a shell) may load the probe too: prefer our own pid, else the last of our
    // process group to connect. Another target started beside this one is in another group.
    const connections: ProbeConnection[] = [];
    const off = probes.onConnection((connection) => {
      if (connection.hello.pid === this.pid || connection.hello.pgrp === this.pid) connections.push(connection);
    });
    const pick = () => connections.find((c) => c.hello.pid === this.pid) ?? connections.at(-1);
    let exited = false;
    void this.exited.then(() => { exited = true; });
    try {
      const deadline = Date.now() + timeoutMs;
      let answered = false;
      while (Date.now() < deadline && !exited) {
        if (!answered) {
          const status = await httpStatus(port, readyPath);
          answered = status !== undefined && status < 500;
        }
        if (answered && pick()) return pick()!;
        await sleep(answered ? 20 : 50);
      }
      if (exited) throw await this.crashed();
      const reason = answered
        ? 'answered, but the apm-bench probe inside it never reported (does the command run node directly and keep NODE_OPTIONS?)'
        : `did not answer GET http://127.0.0.1:${port}${readyPath} within ${timeoutMs / 1000}s`;
      throw new TargetFailure(`the target ${reason}`, this.outputTail(), null, null);
    } finally {
      off();
    }
  }

  /** Stop the whole process group (SIGSTOP), so a target beside it has the core to itself. */
  pause(): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGSTOP');
  }

  resume(): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await killGroup(this.child);
  }
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

function httpStatus(port: number, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => { req.destroy(); resolve(undefined); });
    req.end();
  });
}
