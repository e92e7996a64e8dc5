import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What apm-bench leaves behind if it stops: temporary folders and the process groups it started (run/processes.ts
 * registers its kill here). On SIGINT or SIGTERM a command with its own graceful stop (run, calibrate, bisect) handles
 * the signal; every other one (init, validate --preflight, report) cleans up at once and exits 130 or 143.
 */
const folders = new Set<string>();
const cleanups = new Set<() => void>();

/** A new folder under the system's temp directory, removed when apm-bench exits however it exits. */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

export function removeTemporaryDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  folders.delete(dir);
}

/** Run `cleanup` (synchronously) when the process exits or is stopped by a signal. */
export function onCleanup(cleanup: () => void): void {
  cleanups.add(cleanup);
}

export function cleanUpNow(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch { /* the others still run */ }
  }
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

process.on('exit', cleanUpNow);

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Another listener means a command that stops gracefully: it decides, and its second Ctrl-C exits at once.
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write(`\n${signal}: stopped; every process apm-bench started was stopped and its temporary files removed.\n`);
    cleanUpNow();
    process.exit(exitCodes[signal]);
  });
}
