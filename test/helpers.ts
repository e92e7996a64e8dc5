import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResultDocument } from '../src/samples/result.js';
import { REPLACED } from '../src/samples/runs.js';

export const root = resolve(import.meta.dirname, '..');
export const cli = join(root, 'bin', 'apm-bench.js');
export const fixtures = join(root, 'test', 'fixtures');
/** apm-bench's own Fastify app, the target when a scenario names none. */
export const bundledFixture = join(root, 'fixtures', 'fastify-app', 'server.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the real CLI as a user would, in its own process. Two of `run`'s defaults cost a second or two of CPU a run and are
 * tested where they are the point, so elsewhere they are off unless asked for: the HTML report (unless the test passes
 * --report; test/e2e/report.test.ts and cli-contract check it) and the preflight (unless `preflight: true`; preflight.test.ts).
 * And a run is not pinned (--no-pin) unless the test measures CPU (`pin: true`): test files run side by side, and every
 * pinned session would put its targets on CPU 0 while the other core idles.
 */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; onSpawn?: (pid: number) => void; preflight?: boolean; pin?: boolean } = {}): Promise<CliResult> {
  const run = args[0] === 'run';
  const argv = [...args, ...(run && !args.includes('--report') ? ['--report', 'md'] : []), ...(run && !options.preflight ? ['--no-preflight'] : []),
    ...(run && !options.pin ? ['--no-pin'] : [])];
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, ...argv], {
      cwd: options.cwd ?? root,
      env: { ...process.env, CI: '1', APM_BENCH_CHECK_RESULTS: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    if (child.pid) options.onSpawn?.(child.pid);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function tempDir(prefix = 'apm-bench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeScenario(dir: string, name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export function readOnlyResult(outDir: string): ResultDocument {
  const files = readdirSync(outDir).filter((file) => file.endsWith('.json'));
  if (files.length !== 1) throw new Error(`expected one result in ${outDir}, found ${files.join(', ') || 'none'}`);
  return JSON.parse(readFileSync(join(outDir, files[0]!), 'utf8')) as ResultDocument;
}

/** Processes whose command line mentions `marker` (e.g. a test's temp dir or a fixture path). */
export function processesMentioning(marker: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

/** A small, fast workload on the bundled fixture for end-to-end tests; `jsonOnly` sends only GET /json; `extra` adds workload lines. */
export function quickWorkload(overrides: {
  rate?: number; rounds?: number; duration?: string; warmup?: string; latency?: string; prime?: number; jsonOnly?: boolean; extra?: string;
} = {}): string {
  const routes = overrides.jsonOnly ? '    - { method: GET, path: /json }\n' : '    - { method: GET, path: /json, weight: 3 }\n    - { method: GET, path: /ping, weight: 1 }\n';
  return `workload:
  routes:
${routes}  rate: ${overrides.rate ?? 200}
  primeRequests: ${overrides.prime ?? 1000}
  warmup: ${overrides.warmup ?? '0.5s'}
  duration: ${overrides.duration ?? '3s'}
  latencyDuration: ${overrides.latency ?? '0.5s'}
  rounds: ${overrides.rounds ?? 2}
${overrides.extra ?? ''}`;
}

/** Whether a TCP service answers on 127.0.0.1:port (PostgreSQL, Redis). */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    import('node:net').then(({ connect }) => {
      const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
      socket.once('connect', () => { socket.destroy(); resolvePromise(true); });
      socket.once('error', () => resolvePromise(false));
      socket.once('timeout', () => { socket.destroy(); resolvePromise(false); });
    });
  });
}

/**
 * The env that makes `run`, `calibrate` and `bisect` simulate their sessions (src/run/simulate.ts): no process is
 * started, and each config's runs are drawn from `model` with a fixed seed. For tests of wiring, formats and verdicts.
 */
export function simulated(model: Record<string, unknown>): Record<string, string> {
  return { APM_BENCH_SIMULATE: JSON.stringify({ seed: 7, ...model }) };
}

/**
 * What one request's fixed-work burn costs alone in a fresh process (test/fixtures/burn-cpu.cjs run as a program):
 * the loop count for about `us` µs on this machine, and the median CPU µs of one burn of exactly that many loops.
 * Measurement tests set their in-server readings against this, so no bound names a machine.
 */
export function standaloneBurn(us: number): { loops: number; usPerBurn: number } {
  const out = execFileSync(process.execPath, [join(fixtures, 'burn-cpu.cjs')], { env: { ...process.env, BURN_US: String(us) }, encoding: 'utf8' });
  return JSON.parse(out) as { loops: number; usPerBurn: number };
}

/**
 * An app as the ones users bring: an ES module that reads its settings from .env (and exits without one), answers 503
 * for its first 1.5 s while it warms up, rate-limits every route but its health check, and keeps logins in a session.
 */
export function awkwardApp(): string {
  const app = tempDir('apm-bench-awkward-');
  // Its dependencies are apm-bench's own copies, as if installed in the app.
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'awkward-app', type: 'module', main: 'server.js', dependencies: { fastify: '^5', '@fastify/rate-limit': '^11', '@fastify/session': '^11' },
  }));
  writeFileSync(join(app, '.env.example'), 'SESSION_SECRET=change-me\nRATE_LIMIT_MAX=4\n');
  writeFileSync(join(app, 'server.js'), `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
if (!process.env.SESSION_SECRET) {
  console.error('config error: SESSION_SECRET is not set (see .env.example)');
  process.exit(1);
}
const app = Fastify();
const started = Date.now();
app.addHook('onRequest', async (request, reply) => { if (Date.now() - started < 1500) return reply.code(503).send({ error: 'warming up' }); });
await app.register(rateLimit, { max: Number(process.env.RATE_LIMIT_MAX ?? 4), timeWindow: '1 minute' });
app.get('/healthz', { config: { rateLimit: false } }, async () => ({ ok: true }));
app.get('/', async () => ({ hello: 'world' }));
app.get('/items', async () => ({ items: [1, 2, 3] }));
app.post('/login', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST });
`);
  return app;
}

/**
 * Wait (at most `maxMs`) until CPU 0, where pinned targets run, is quiet: the test files before the measurements may
 * still be winding down there (a run saw 40% of CPU 0 taken by others in its first round).
 */
export async function quietTargetCpu(maxMs = 15_000, busyShare = 0.15): Promise<void> {
  const read = () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu0 '))!;
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: v.reduce((s, x) => s + x, 0), busy: v[0]! + v[1]! + v[2]! + v[5]! + v[6]! };
  };
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = read();
    await new Promise((r) => setTimeout(r, 500));
    const after = read();
    if (after.total > before.total && (after.busy - before.busy) / (after.total - before.total) < busyShare) return;
  }
}

/**
 * The runs a session kept: without those a disturbed window had replaced (heavy steal, a generator behind schedule on a
 * busy test machine), which stay in the result, excluded, beside their re-measurement.
 */
export function keptRuns<T extends { status: string; exclusions?: string[] }>(runs: readonly T[]): T[] {
  return runs.filter((run) => !(run.exclusions ?? []).some((why) => why.endsWith(REPLACED)));
}
