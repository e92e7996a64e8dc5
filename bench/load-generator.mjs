// The open-loop load generator against Debian's wrk, on the fixture's /ping:
//   1. closed-loop maximum: wrk (1 thread, 16 connections) for 5 s;
//   2. the open-loop generator at rising rates: answered on time, schedule lag, its own CPU;
//   3. quick.yaml's load: two co-scheduled targets at 300 req/s each, lag and harness CPU;
//   4. generator plus intakes: one real co-scheduled pair each with dd-trace and Sentry at 300 req/s.
// Usage: npm run build && node bench/load-generator.mjs   (needs `wrk`: apt-get install wrk)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadSide, OpenLoopDriver } from '../dist/run/load.js';
import { toWireRequest, weightedSequence } from '../dist/run/route-mix.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(root, 'fixtures', 'fastify-app', 'server.js');
// Like a run: targets on CPU 0, the load generator on CPU 1.
execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const start = (port) => spawn('taskset', ['-c', '0', process.execPath, fixture], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const requests = weightedSequence([{ method: 'GET', path: '/ping', weight: 1 }]).map(toWireRequest);
const driver = new OpenLoopDriver({ requests, expectedStatuses: new Set(), timeoutMs: 10_000, arrival: 'constant', seed: 1 });

async function phase(sides, rateRps, durationMs) {
  const before = process.cpuUsage();
  const startedMs = Date.now();
  const results = await driver.phase({ rateRps, durationMs, sides });
  const cpu = process.cpuUsage(before);
  return { results, cpuPercent: (cpu.user + cpu.system) / 10 / (Date.now() - startedMs) };
}

const a = start(4511);
const b = start(4512);
await sleep(1500);
const A = new LoadSide('http://127.0.0.1:4511', 64);
const B = new LoadSide('http://127.0.0.1:4512', 64);
await driver.prime({ sides: [A, B], requests: 3000, concurrency: 2, maxMs: 5000 });

console.log('1. wrk, closed loop, 1 thread × 16 connections, 5 s on /ping (CPU 1 → CPU 0):');
const wrk = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', '-c16', '-d5s', 'http://127.0.0.1:4511/ping'], { encoding: 'utf8' });
console.log(wrk.status === 0 ? `   ${/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1]} req/s` : `   wrk not available (${wrk.error?.message ?? wrk.stderr.trim()})`);

console.log('2. the open-loop generator alone on /ping (one target), 3 s per rate:');
console.log('   offered   answered on time   lag p50 / p99 / max µs   generator CPU');
for (const rate of [300, 1000, 2000, 4000, 6000, 8000]) {
  const { results: [r], cpuPercent } = await phase([A], rate, 3000);
  const lag = r.record.sendLagUs;
  console.log(`   ${String(rate).padStart(7)}   ${r.achievedRps.toFixed(0).padStart(16)}   ${`${lag.p50} / ${lag.p99} / ${lag.max}`.padStart(22)}   ${cpuPercent.toFixed(1).padStart(11)}%`);
}

console.log("3. quick.yaml's load: two targets side by side at 300 req/s each, 3 s, five windows:");
for (let i = 0; i < 5; i += 1) {
  const { results: [ra, rb], cpuPercent } = await phase([A, B], 300, 3000);
  console.log(`   lag p50 ${ra.record.sendLagUs.p50} µs, p99 ${ra.record.sendLagUs.p99} µs, max ${Math.max(ra.record.sendLagUs.max, rb.record.sendLagUs.max)} µs; latency p50 ${ra.latencyUs.p50} / ${rb.latencyUs.p50} µs; generator CPU ${cpuPercent.toFixed(1)}%`);
}
await driver.close([A, B]);
a.kill();
b.kill();

console.log('4. generator plus intakes: a real co-scheduled pair each, quick.yaml settings (harness CPU over the window):');
const dir = mkdtempSync(join(tmpdir(), 'apm-bench-bench-'));
const quick = readFileSync(join(root, 'scenarios', 'quick.yaml'), 'utf8');
const scenario = quick
  .replace(/rounds: \d+/, 'rounds: 1')
  .replace(/instrumentations:[\s\S]*$/, 'instrumentations:\n  - name: none\n  - datadog: { sampleRate: 1.0 }\n  - sentry: { tracesSampleRate: 1.0 }\n  - prometheus: { scrapeInterval: 1s }\n');
writeFileSync(join(dir, 'harness.yaml'), scenario);
const run = spawnSync(process.execPath, [join(root, 'bin', 'apm-bench.js'), 'run', join(dir, 'harness.yaml'), '--out', dir, '--quiet'], { encoding: 'utf8' });
if (run.status !== 0) console.log(`   run failed (${run.status}): ${run.stderr.slice(-400)}`);
const result = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))), 'utf8'));
for (const r of result.runs.filter((x) => x.side === 'candidate' && x.status === 'measured')) {
  console.log(`   ${r.config.padEnd(11)} harness ${r.noise.harnessCpuPercent}% of a core; lag p99 ${r.load.sendLagUs.p99} µs in the window, ${r.latencyLoad.sendLagUs.p99} µs alone`);
}
console.log(`Node ${process.version}`);
