/**
 * The session of `run`, inside a loopback-only network namespace (started by commands/isolated.ts through unshare):
 * rebuild the scenario as run loaded it, bridge the ports the app needs, run the session, and report over IPC.
 */
import { ExitCode, InputError, UserError } from '../errors.js';
import { killAllGroupsNow } from '../run/processes.js';
import { namespaceNote, startNamespaceBridges } from '../run/network.js';
import { runSession } from '../run/session.js';
import type { IsolatedJob, IsolatedMessage } from './isolated.js';
import { loadRunScenarios } from './project.js';

const job = JSON.parse(process.env.APM_BENCH_ISOLATED_JOB ?? 'null') as IsolatedJob;
delete process.env.APM_BENCH_ISOLATED_JOB;
const send = (message: IsolatedMessage) => { if (process.connected) process.send!(message); };

const controller = new AbortController();
let interrupts = 0;
const stop = () => {
  interrupts += 1;
  if (interrupts > 1) {
    killAllGroupsNow();
    process.exit(ExitCode.interrupted);
  }
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('message', (message: { type?: string }) => { if (message?.type === 'abort') stop(); });
// The parent is gone (killed at once): nothing may outlive it.
const orphaned = () => {
  killAllGroupsNow();
  process.exit(ExitCode.interrupted);
};
process.on('disconnect', orphaned);

try {
  const closeBridges = await startNamespaceBridges(job.dir, job.ports);
  const [loaded] = loadRunScenarios(job.request);
  await runSession(loaded!, {
    outPath: job.outPath,
    signal: controller.signal,
    ...(job.rounds !== undefined ? { rounds: job.rounds } : {}),
    ...(job.seed !== undefined ? { seed: job.seed } : {}),
    ...(job.profile ? { profile: job.profile } : {}),
    network: { isolation: 'namespace', note: namespaceNote(job.ports), bridgedPorts: job.ports },
    onNote: (text) => send({ type: 'note', text }),
    onUnitStart: (unit, total) => send({ type: 'unitStart', unit, total }),
    onPhase: (unit, phase, phaseMs) => send({ type: 'phase', unit, phase, phaseMs }),
    onUnitEnd: (unit, runs, total) => send({ type: 'unitEnd', unit, runs, total }),
  });
  closeBridges();
  process.off('disconnect', orphaned);
  process.disconnect();
  process.exit(0);
} catch (error) {
  const input = error instanceof InputError;
  send({ type: 'error', message: (error as Error).message, exitCode: error instanceof UserError ? error.exitCode : ExitCode.runBroke, input });
  process.exit(1);
}
