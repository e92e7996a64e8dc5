import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, processesMentioning, quickWorkload, runCli, tempDir, type CliResult } from '../helpers.js';

/**
 * Ctrl-C or a SIGTERM in the middle of every command that starts processes: each must stop all it started (the app,
 * agents' intakes, wrappers) and remove its temporary folders. Each CLI gets a TMPDIR of its own, so the folders it
 * leaves are its own, and the processes it started mention the test's own folder.
 */
async function interrupt(args: string[], dir: string, signal: NodeJS.Signals, ready: () => boolean): Promise<{ result: CliResult; tmp: string }> {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  let pid = 0;
  const finished = runCli(args, { env: { TMPDIR: tmp }, onSpawn: (p) => { pid = p; } });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !ready()) await new Promise((r) => setTimeout(r, 100));
  expect(ready(), `${args[0]} reached the point to interrupt`).toBe(true);
  process.kill(pid, signal);
  const result = await finished;
  // A group killed with SIGKILL is gone at once; give the kernel a moment to reap it.
  await new Promise((r) => setTimeout(r, 300));
  return { result, tmp };
}

/** An app that never listens, under a file name no other test uses: its process is found by that name. */
function app(dir: string): { appDir: string; marker: string } {
  const appDir = join(dir, 'app');
  mkdirSync(appDir, { recursive: true });
  const marker = `never-ready-${basename(dir)}.js`;
  copyFileSync(join(fixtures, 'never-ready.cjs'), join(appDir, marker));
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'slow-app', main: marker, dependencies: { fastify: '^5' } }));
  return { appDir, marker };
}

const running = (marker: string) => () => processesMentioning(marker).some((line) => !line.includes('apm-bench.js'));

/** The session's result file holds at least one finished run. */
function hasRun(out: string): boolean {
  if (!existsSync(out)) return false;
  const file = readdirSync(out).find((f) => f.endsWith('.json'));
  try {
    return file !== undefined && (JSON.parse(readFileSync(join(out, file), 'utf8')) as { runs: unknown[] }).runs.length > 0;
  } catch {
    return false; // being renamed into place
  }
}

describe('SIGINT and SIGTERM stop every process a command started and remove its temporary folders', () => {
  it('init, while it waits for the app', async () => {
    const dir = tempDir();
    const { appDir, marker } = app(dir);
    const { result, tmp } = await interrupt(['init', appDir, '--timeout', '60'], dir, 'SIGINT', running(marker));
    expect(result.code, result.stderr).toBe(130);
    expect(processesMentioning(marker)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('init, on SIGTERM', async () => {
    const dir = tempDir();
    const { appDir, marker } = app(dir);
    const { result, tmp } = await interrupt(['init', appDir, '--timeout', '60'], dir, 'SIGTERM', running(marker));
    expect(result.code, result.stderr).toBe(143);
    expect(processesMentioning(marker)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('validate --preflight, while the baseline starts', async () => {
    const dir = tempDir();
    const { appDir, marker } = app(dir);
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, `target: { module: ${join(appDir, marker)}, readyTimeout: 60s }
${quickWorkload()}instrumentations:
  - name: none
  - name: other
    env: { OTHER: "1" }
`);
    const { result, tmp } = await interrupt(['validate', file, '--preflight'], dir, 'SIGINT', running(marker));
    expect(result.code, result.stderr).toBe(130);
    expect(processesMentioning(marker)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('calibrate and run on SIGTERM, mid-session: stopped, result kept, nothing left', async () => {
    for (const command of ['calibrate', 'run']) {
      const dir = tempDir();
      copyFileSync(join(fixtures, 'noop.cjs'), join(dir, 'noop.cjs'));
      const file = join(dir, 'long.yaml');
      writeFileSync(file, `${quickWorkload({ rounds: 20, duration: '1s', warmup: '0s' })}instrumentations:
  - name: none
  - name: noop
    preload: ./noop.cjs
`);
      const out = join(dir, 'out');
      const { result, tmp } = await interrupt([command, file, '--out', out, '--rounds', '20'], dir, 'SIGTERM', () => hasRun(out));
      expect(result.code, `${command}: ${result.stderr}`).toBe(130);
      expect(processesMentioning(dir), command).toEqual([]);
      expect(readdirSync(tmp), command).toEqual([]);
      expect(readdirSync(out).filter((f) => f.endsWith('.json')).length, command).toBe(1);
    }
  });

  it('bisect, mid-search', async () => {
    const dir = tempDir();
    copyFileSync(join(fixtures, 'noop.cjs'), join(dir, 'noop.cjs'));
    const file = join(dir, 'bisect.yaml');
    writeFileSync(file, `${quickWorkload({ rounds: 10, duration: '1s', warmup: '0s' })}instrumentations:
  - name: none
  - name: tracer
    preload: ./noop.cjs
`);
    const out = join(dir, 'out');
    const { result, tmp } = await interrupt(['bisect', file, '--agent', 'tracer', '--versions', '1.0.0,1.1.0,1.2.0', '--good', '1.0.0', '--bad', '1.2.0',
      '--budget', 'cpu:+30%', '--out', out], dir, 'SIGINT', () => existsSync(out) && readdirSync(out).length > 0);
    expect(result.code, result.stderr).toBe(130);
    expect(processesMentioning(dir)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
