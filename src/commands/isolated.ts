import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { removeTemporaryDirectory, temporaryDirectory } from '../cleanup.js';
import { InputError, UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { pinCpus } from '../run/environment.js';
import { isolationAvailable, portsToBridge, startHostBridges } from '../run/network.js';
import type { PlannedUnit } from '../plan/plan.js';
import type { Phase } from '../run/runner.js';
import type { SessionOptions } from '../run/session.js';
import type { RunSample } from '../samples/result.js';
import { runSession } from '../run/session.js';
import { simulationFromEnv } from '../run/simulate.js';
import { readResult, type ResultDocument } from '../samples/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { RunLoadRequest } from './project.js';

/** What the session inside the namespace needs to rebuild the scenario exactly as `run` loaded it. */
export interface IsolatedJob {
  request: RunLoadRequest;
  outPath: string;
  rounds?: number | 'auto';
  seed?: number;
  profile?: { dir: string; intervalUs: number };
  /** Folder of the Unix sockets that carry the bridged ports. */
  dir: string;
  ports: number[];
}

/** The messages the session inside sends out: its progress, then how it ended. */
export type IsolatedMessage =
  | { type: 'note'; text: string }
  | { type: 'unitStart'; unit: PlannedUnit; total: number }
  | { type: 'phase'; unit: PlannedUnit; phase: Phase; phaseMs: number }
  | { type: 'unitEnd'; unit: PlannedUnit; runs: RunSample[]; total: number }
  | { type: 'error'; message: string; exitCode: number; input: boolean };

const childScript = join(packageRoot, 'dist', 'commands', 'isolated-child.js');

/**
 * Run one scenario's session where it cannot reach another machine: in a loopback-only network namespace when this
 * machine allows one (root, unshare, ip), else on the host network, said in the result. `--network host` asks for the
 * host network; a simulated session starts no process, so there is nothing to isolate.
 */
export async function runSessionIsolated(request: RunLoadRequest, loaded: LoadedScenario, options: SessionOptions): Promise<ResultDocument> {
  const host = (note: string): Promise<ResultDocument> => runSession(loaded, { ...options, network: { isolation: 'host', note } });
  if (simulationFromEnv()) return host('simulated: no process was started, so nothing could reach out');
  if (request.network === 'host') {
    return host('host network (--network host): only the configuration checks stood between the agents and other machines');
  }
  const available = isolationAvailable();
  if (!available.ok) {
    options.onNote?.(`Network: the session runs on the host network (${available.why}); only the configuration checks keep agents on this machine.`);
    return host(`host network: ${available.why}; only the configuration checks (apm-bench validate) kept agents on this machine`);
  }
  const ports = [...new Set([...portsToBridge(loaded), ...loaded.target.bridgePorts])].sort((a, b) => a - b);
  // This process carries the bridged database traffic: it keeps off the target's CPU, as the generator does.
  pinCpus(loaded.scenario.pinCpus);
  const dir = temporaryDirectory('apm-bench-net-');
  const closeBridges = await startHostBridges(dir, ports);
  const job: IsolatedJob = {
    request: { ...request, files: [loaded.file], output: options.outPath, preflight: false },
    outPath: options.outPath,
    ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    dir,
    ports,
  };
  try {
    // unshare execs node in the same process group: a Ctrl-C at the terminal reaches both, and the child stops gracefully.
    const child = spawn('unshare', ['--net', '--', process.execPath, childScript], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, APM_BENCH_ISOLATED_JOB: JSON.stringify(job) },
    });
    const abort = () => child.connected && child.send({ type: 'abort' });
    options.signal.addEventListener('abort', abort);
    let failure: Extract<IsolatedMessage, { type: 'error' }> | undefined;
    child.on('message', (message: IsolatedMessage) => {
      if (message.type === 'note') options.onNote?.(message.text);
      else if (message.type === 'unitStart') options.onUnitStart?.(message.unit, message.total);
      else if (message.type === 'phase') options.onPhase?.(message.unit, message.phase, message.phaseMs);
      else if (message.type === 'unitEnd') options.onUnitEnd?.(message.unit, message.runs, message.total);
      else failure = message;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (exitCode) => resolve(exitCode));
      child.once('error', () => resolve(null));
    });
    options.signal.removeEventListener('abort', abort);
    if (failure) throw failure.input ? new InputError(failure.message) : new UserError(failure.message, failure.exitCode);
    if (code !== 0 && !options.signal.aborted) throw new UserError(`the isolated session stopped with exit code ${code} before it finished`, 4);
    return readResult(options.outPath);
  } finally {
    closeBridges();
    removeTemporaryDirectory(dir);
  }
}

