import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pairsFor } from '../../src/analysis/summary.js';
import { median } from '../../src/analysis/stats.js';
import { balancedOrder, pairsPerRound, planRound, wholePeriodsMs, williamsOrders } from '../../src/plan/plan.js';
import { neighbourCpuPercent, parseAffinityList, parseCpuList, parseListeningInodes, parseProcStat, parseProcStatCpus, parseProcStatus, stealPercent } from '../../src/run/procfs.js';
import { sanitizeEnv } from '../../src/instrument/env.js';
import { weightedSequence, toWireRequest } from '../../src/run/route-mix.js';
import { preloadFlags } from '../../src/run/target.js';
import { disturbance } from '../../src/run/runner.js';
import { parseDurationMs } from '../../src/samples/units.js';
import { parseScenarioText, splitCommand } from '../../src/scenario/load.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { failed, measured } from '../samples.js';
import { root } from '../helpers.js';

describe('plan', () => {
  it('co-scheduled: a pair per candidate and round, seeded order, candidate slot alternating', () => {
    const round = (r: number, seed = 7) => planRound({ design: 'co-scheduled', configs: ['none', 'a', 'b', 'c'], baseline: 'none', ratesRps: [100], round: r, seed, firstUnit: r * 3, firstPair: r * 3 });
    const first = round(0);
    expect(first).toHaveLength(3);
    expect(first.map((u) => u.runs.map((run) => run.side))).toEqual(first.map((u) => u.runs[0]!.slot === 0 && u.runs[0]!.side === 'baseline' ? ['baseline', 'candidate'] : ['candidate', 'baseline']));
    expect(first.flatMap((u) => u.runs.filter((run) => run.side === 'baseline').map((run) => run.config))).toEqual(['none', 'none', 'none']);
    expect(new Set(first.map((u) => u.pair)).size).toBe(3);
    // The same seed replays the same order; another seed may not.
    expect(round(0).map((u) => u.runs.map((r) => r.config))).toEqual(first.map((u) => u.runs.map((r) => r.config)));
    // Over rounds, each candidate takes each slot equally often.
    const slots = new Map<string, number[]>();
    for (let r = 0; r < 4; r += 1) {
      for (const unit of round(r)) {
        const candidate = unit.runs.find((run) => run.side === 'candidate')!;
        slots.set(candidate.config, [...(slots.get(candidate.config) ?? []), candidate.slot]);
      }
    }
    for (const taken of slots.values()) expect(taken.filter((slot) => slot === 0)).toHaveLength(2);
  });

  it('Williams orders: every config follows every other equally often and sits in every position equally often', () => {
    for (const n of [2, 3, 4, 5, 6, 7]) {
      const rows = williamsOrders(n);
      expect(rows).toHaveLength(n % 2 ? 2 * n : n);
      const follows = new Map<string, number>();
      const positions = new Map<string, number>();
      for (const row of rows) {
        expect([...row].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        row.forEach((x, position) => positions.set(`${x}@${position}`, (positions.get(`${x}@${position}`) ?? 0) + 1));
        for (let i = 1; i < n; i += 1) follows.set(`${row[i - 1]}>${row[i]}`, (follows.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
      }
      expect(new Set(follows.values()).size, `n = ${n}`).toBe(1);
      expect(follows.size).toBe(n * (n - 1));
      expect(new Set(positions.values()).size).toBe(1);
    }
    // Each row is followed by its mirror, so after every two rounds each config's mean position is the middle.
    const cells = ['a', 'b', 'c', 'd', 'e'];
    const meanPosition = (cell: string) => [0, 1].reduce((s, r) => s + balancedOrder(cells, r, 3).indexOf(cell), 0) / 2;
    for (const cell of cells) expect(meanPosition(cell)).toBe(2);
  });

  it('sequential: every config once per round and rate, the block at one rate sharing a pair id', () => {
    const units = planRound({ design: 'sequential', configs: ['none', 'a'], baseline: 'none', ratesRps: [100, 300], round: 0, seed: 1, firstUnit: 0, firstPair: 10 });
    expect(units).toHaveLength(4);
    expect(units.every((u) => u.runs.length === 1)).toBe(true);
    expect(new Map(units.map((u) => [u.rateRps, u.pair]))).toEqual(new Map([[100, 10], [300, 11]]));
    expect(pairsPerRound('sequential', 1, 2)).toBe(2);
    expect(pairsPerRound('co-scheduled', 3, 2)).toBe(6);
  });
});

describe('route mix', () => {
  it('follows the weights and interleaves routes', () => {
    const routes = [{ path: '/a', weight: 3 }, { path: '/b', weight: 1 }];
    const sequence = weightedSequence(routes).map((route) => route.path);
    expect(sequence).toEqual(['/a', '/a', '/b', '/a']);
  });

  it('handles fractional weights', () => {
    const sequence = weightedSequence([{ path: '/a', weight: 0.5 }, { path: '/b', weight: 0.25 }]);
    expect(sequence.filter((r) => r.path === '/a')).toHaveLength(2);
    expect(sequence.filter((r) => r.path === '/b')).toHaveLength(1);
  });

  it('sends object bodies as JSON', () => {
    expect(toWireRequest({ method: 'POST', path: '/orders', weight: 1, body: { sku: 'x' } })).toEqual({
      method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: '{"sku":"x"}',
    });
  });
});

describe('/proc parsing', () => {
  it('reads utime and stime even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 11 0 1000 1000 100 18446744073709551615';
    expect(parseProcStat(stat, 100)).toEqual({ userMs: 2500, systemMs: 400 });
  });

  it('reads steal time of the target CPUs from /proc/stat', () => {
    const stat = 'cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 60 0 30 390 5 0 5 10 0 0\ncpu1 40 0 20 410 5 0 0 25 0 0\nintr 1\n';
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    // Busy: user + nice + system + irq + softirq (60 + 0 + 30 + 0 + 5 on cpu0).
    expect(parseProcStatCpus(stat, '0')).toEqual({ totalTicks: 500, stealTicks: 10, busyTicks: 95 });
    expect(parseProcStatCpus(stat)).toEqual({ totalTicks: 1000, stealTicks: 35, busyTicks: 155 });
    expect(stealPercent({ totalTicks: 500, stealTicks: 10, busyTicks: 0 }, { totalTicks: 700, stealTicks: 30, busyTicks: 0 })).toBe(10);
  });

  it('other processes\' share of the target CPU: its busy time less the targets\' own', () => {
    const before = { totalTicks: 1000, stealTicks: 0, busyTicks: 400 };
    const after = { totalTicks: 1300, stealTicks: 0, busyTicks: 600 };
    // 200 busy ticks in 300, of which the targets ran 80: a neighbour took 120 ticks, 40% of the CPU.
    expect(neighbourCpuPercent(before, after, 80)).toBeCloseTo(40, 9);
    // The targets' ticks are read apart and can exceed the CPU's by the tick error: never below 0.
    expect(neighbourCpuPercent(before, after, 205)).toBe(0);
    expect(neighbourCpuPercent(before, before, 0)).toBe(0);
  });

  it('a window is disturbed by steal over 10%, or by a send lag p99 over four inter-arrival intervals and over 25 ms', () => {
    const at = (offeredRps: number, p99Us: number, stealPercent = 0) => {
      const run = measured(0, 'a', 1, { offeredRps, noise: { stealPercent, loadAverage1m: 0, harnessCpuPercent: 0 } });
      run.load.sendLagUs = { p50: 10, p99: p99Us, max: p99Us };
      return disturbance(run);
    };
    // 120 req/s: 8.3 ms apart, four intervals 33.3 ms. A quiet machine's 6–14 ms and a busy one's typical 12.6 ms pass;
    // its worst, 397 ms, does not.
    expect(at(120, 14_000)).toBeUndefined();
    expect(at(120, 33_000)).toBeUndefined();
    expect(at(120, 33_500)).toMatch(/send lag p99 33\.5 ms, over 4 inter-arrival intervals of 8\.3 ms/);
    expect(at(120, 397_000)).toBeDefined();
    // 1,000 req/s: 1 ms apart, but lag under the 25 ms floor is jitter.
    expect(at(1000, 24_000)).toBeUndefined();
    expect(at(1000, 25_100)).toMatch(/25\.1 ms, over 4 inter-arrival intervals of 1\.0 ms/);
    // 20 req/s: 50 ms apart, so the intervals decide.
    expect(at(20, 190_000)).toBeUndefined();
    expect(at(20, 210_000)).toMatch(/over 4 inter-arrival intervals of 50\.0 ms/);
    expect(at(120, 100, 10)).toBeUndefined();
    expect(at(120, 100, 10.5)).toMatch(/heavy steal \(11% of the target CPU's time\)/);
  });

  it('reads RSS and its peak from status', () => {
    expect(parseProcStatus('Name:\tnode\nVmHWM:\t  81920 kB\nVmRSS:\t  65536 kB\n')).toEqual({ rssBytes: 65536 * 1024, rssPeakBytes: 81920 * 1024 });
  });
});

describe('whole periods', () => {
  it('stretches a window to a whole number of its configs\' periods, their least common multiple, within 3× the duration', () => {
    expect(wholePeriodsMs(3000, [])).toBe(3000);
    expect(wholePeriodsMs(3000, [2000])).toBe(4000);
    expect(wholePeriodsMs(3000, [1000])).toBe(3000);
    expect(wholePeriodsMs(3000, [2000, 1500])).toBe(6000);
    expect(wholePeriodsMs(3000, [5000])).toBe(5000);
    expect(wholePeriodsMs(4000, [2000, 2000, 0])).toBe(4000);
    // A 60 s harvest against a 3 s window: left as it is, not stretched twentyfold.
    expect(wholePeriodsMs(3000, [60_000])).toBe(3000);
    expect(wholePeriodsMs(3000, [2000, 5000])).toBe(3000);
  });
});

describe('durations and commands', () => {
  it('parses durations to milliseconds', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('5s')).toBe(5000);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs(3)).toBe(3000);
    expect(parseDurationMs('soon')).toBeUndefined();
  });

  it('splits a start command honouring quotes', () => {
    expect(splitCommand(`node "dist/my server.js" --flag 'a b'`)).toEqual(['node', 'dist/my server.js', '--flag', 'a b']);
  });

  it('preloads CommonJS with --require and ES modules with --import', () => {
    expect(preloadFlags(['/a/tracer.cjs', '/b/otel.mjs', '/c/x.js'])).toEqual(['--require', '/a/tracer.cjs', '--import', '/b/otel.mjs', '--require', '/c/x.js']);
  });
});

describe('environment sanitising', () => {
  it('removes vendor keys, endpoints and inherited node flags, and keeps the rest', () => {
    const { env, removed } = sanitizeEnv({
      PATH: '/usr/bin', HOME: '/root', DD_API_KEY: 'k', DD_SITE: 'datadoghq.eu', SENTRY_DSN: 'https://x@o1.ingest.sentry.io/1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com', NEW_RELIC_LICENSE_KEY: 'n', NODE_OPTIONS: '--require evil.js',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root' });
    expect(removed).toEqual(['DD_API_KEY', 'DD_SITE', 'NEW_RELIC_LICENSE_KEY', 'NODE_OPTIONS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'SENTRY_DSN']);
  });
});

describe('scenario parsing', () => {
  it('applies defaults', () => {
    const scenario = parseScenarioText('workload:\n  routes: [{ path: /ping }]\n  rate: 100\ninstrumentations:\n  - name: none\n', 's.yaml');
    expect(scenario.workload).toMatchObject({ design: 'co-scheduled', arrival: 'constant', connections: 64, primeRequests: 2000, warmup: 2000, duration: 5000, latencyDuration: 2000, rounds: 3, maxThroughput: false });
    expect(scenario.workload.routes[0]).toMatchObject({ method: 'GET', weight: 1 });
    expect(scenario.baseline).toBe('none');
  });

  it('takes either rate or rates', () => {
    const base = 'workload:\n  routes: [{ path: /ping }]\n';
    expect(parseScenarioText(`${base}  rates: [100, 400]\ninstrumentations: [{ name: none }]\n`, 's.yaml').workload.rates).toEqual([100, 400]);
    expect(() => parseScenarioText(`${base}instrumentations: [{ name: none }]\n`, 's.yaml')).toThrow(/workload\.rate: give either rate .* or rates/);
    expect(() => parseScenarioText(`${base}  rate: 1\n  rates: [1, 2]\ninstrumentations: [{ name: none }]\n`, 's.yaml')).toThrow(/give either rate/);
  });

  it('lists every problem with its line', () => {
    const text = 'workload:\n  routes: []\n  rate: -1\ninstrumentations: []\n';
    expect(() => parseScenarioText(text, 's.yaml')).toThrow(/s\.yaml:2: workload\.routes: .*\n.*s\.yaml:3: workload\.rate: .*\n.*s\.yaml:4: instrumentations/);
  });
});

describe('paired ratios', () => {
  it('pairs each config with the baseline of its own pair and skips invalid runs', () => {
    const runs = [
      measured(0, 'none', 0.2), measured(0, 'dd', 0.5),
      measured(1, 'none', 0.25), measured(1, 'dd', 0.5),
      measured(2, 'none', 0.2), measured(2, 'dd', 9, { exclusions: ['saturated'] }),
      measured(3, 'dd', 0.4),
      failed(4, 'dd'), measured(4, 'none', 0.2),
    ];
    expect(pairsFor(runs, 'dd', 'none', 'cpuMsPerRequest').map((pair) => pair.value / pair.baselineValue)).toEqual([2.5, 2]);
    // At a rate, only that rate's pairs.
    expect(pairsFor([...runs, measured(5, 'none', 0.1, { offeredRps: 300 }), measured(5, 'dd', 0.3, { offeredRps: 300 })], 'dd', 'none', 'cpuMsPerRequest', 300)).toHaveLength(1);
    expect(median([2.5, 2])).toBe(2.25);
  });
});

describe('scenario.schema.json', () => {
  it('is generated from the zod schema (run "npm run schema" after changing it)', () => {
    const committed = JSON.parse(readFileSync(join(root, 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }))));
  });
});

describe('agent resolution', () => {
  it("prefers the target app's own copy of an agent", async () => {
    const { mkdirSync, symlinkSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { resolveAgent } = await import('../../src/instrument/resolve-agent.js');
    const app = mkdtempSync(join(tmpdir(), 'user-app-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(join(root, 'node_modules', 'prom-client'), join(app, 'node_modules', 'prom-client'));
    const version = JSON.parse(readFileSync(join(root, 'node_modules', 'prom-client', 'package.json'), 'utf8')).version;
    expect(resolveAgent('prom-client', { targetDir: app })).toMatchObject({ from: 'target', version, dir: join(app, 'node_modules', 'prom-client') });
    expect(resolveAgent('dd-trace', { targetDir: app })).toMatchObject({ from: 'apm-bench' });
    // A pinned version resolves to the agent cache, whatever the app has.
    expect(resolveAgent('prom-client', { targetDir: app, pinned: { 'prom-client': '15.0.0' } })).toMatchObject({ from: 'cache', version: '15.0.0' });
  });
});

describe('sweeps', () => {
  it('expands list values into one named config each', async () => {
    const { expandSweep } = await import('../../src/instrument/sweep.js');
    expect(expandSweep('datadog', { sampleRate: [0.01, 0.1, 1] }, ['sampleRate'], 'sampleRate').map((c) => c.name)).toEqual(['datadog@0.01', 'datadog@0.1', 'datadog@1']);
    expect(expandSweep('datadog', { sampleRate: 0.5 }, ['sampleRate'], 'sampleRate')).toEqual([{ name: 'datadog@0.5', options: { sampleRate: 0.5 } }]);
  });
});

describe('egress guard', () => {
  it('knows loopback from elsewhere', async () => {
    const { isLoopbackHost, destinationHost } = await import('../../src/instrument/egress.js');
    expect(['127.0.0.1', '127.8.0.1', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'datadoghq.com', '0.0.0.0', '192.168.1.2'].some(isLoopbackHost)).toBe(false);
    expect(destinationHost('https://abc@o1.ingest.sentry.io/1')).toBe('o1.ingest.sentry.io');
    expect(destinationHost('intake.example.com:8126')).toBe('intake.example.com');
  });
});

describe('overhead ladder', () => {
  it('expands a vendor into its levels with the settings that define each', async () => {
    const { adapters } = await import('../../src/instrument/registry.js');
    const expand = (entry: string) => {
      const scenario = parseScenarioText(`workload: { routes: [{ path: /ping }], rate: 1 }\ninstrumentations:\n  - ${entry}\n`, 'inline.yaml');
      const parsed = scenario.instrumentations[0];
      return adapters.find((a) => a.matches(parsed))!.expand(parsed, { scenarioDir: root, targetDir: root });
    };
    const dd = expand('datadog: { sampleRate: 0.5, ladder: true }');
    expect(dd.map((c) => c.name)).toEqual(['datadog@L1', 'datadog@L2', 'datadog@L4']);
    expect(dd.map((c) => [c.env.DD_TRACE_ENABLED, c.env.DD_TRACE_SAMPLE_RATE])).toEqual([['false', '0.5'], ['true', '0'], ['true', '0.5']]);
    const sentry = expand('sentry: { tracesSampleRate: 1, ladder: true }');
    expect(sentry.map((c) => c.name)).toEqual(['sentry@L1', 'sentry@L2', 'sentry@L3', 'sentry@L4']);
    expect(sentry.map((c) => JSON.parse(c.env.APM_BENCH_SENTRY_OPTIONS!))).toMatchObject([
      { tracing: false }, { tracesSampleRate: 0 }, { tracesSampleRate: 1, dropTransactions: true }, { tracesSampleRate: 1 },
    ]);
    // Only the full-export level must deliver spans; the others are valid without any.
    expect(sentry.map((c) => c.validate!({ payloads: 0, payloadBytes: 0, items: {} }, 100).length)).toEqual([0, 0, 0, 1]);
    const otel = expand('opentelemetry: { ratio: 0.2, ladder: true }');
    expect(otel.map((c) => JSON.parse(c.env.APM_BENCH_OTEL_OPTIONS!))).toMatchObject([
      { ratio: 0, instrumentations: false }, { ratio: 0 }, { ratio: 0.2, dropExport: true }, { ratio: 0.2 },
    ]);
  });
});

describe('agent versions', () => {
  it('orders versions as semver does, a pre-release before its release', async () => {
    const { compareVersions, versionedName } = await import('../../src/instrument/versions.js');
    expect(['5.132.0', '5.80.0', '5.9.1', '5.80.0-rc.1', '4.99.99'].sort(compareVersions)).toEqual(['4.99.99', '5.9.1', '5.80.0-rc.1', '5.80.0', '5.132.0']);
    expect(versionedName('datadog@0.1', '5.80.0')).toBe('datadog@5.80.0@0.1');
    expect(versionedName('tracer', '1.2.0')).toBe('tracer@1.2.0');
  });
});

describe('init drafts', () => {
  it('fills route parameters and samples a body from a JSON schema', async () => {
    const { fillParams, sampleFromSchema } = await import('../../src/scenario/draft.js');
    expect(fillParams('/items/:id/reviews/:rid', { id: '42', rid: 'a b' })).toEqual({ path: '/items/42/reviews/a%20b', missing: [] });
    expect(fillParams('/items/:id', {})).toEqual({ missing: ['id'] });
    expect(sampleFromSchema({
      type: 'object', required: ['sku', 'quantity', 'email'],
      properties: { sku: { type: 'string', minLength: 1, maxLength: 8 }, quantity: { type: 'integer', minimum: 1 }, email: { type: 'string', format: 'email' },
        note: { type: 'string' }, kind: { enum: ['a', 'b'] } },
    })).toEqual({ sku: 'example-', quantity: 1, email: 'bench@example.com' });
    expect(sampleFromSchema({ type: 'array', items: { type: 'string', enum: ['x'] } })).toEqual(['x']);
  });
});

describe('/proc/net/tcp', () => {
  it('finds the inode of the socket listening on a port, not one connected from it', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:C350 0100007F:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1',
      '   2: 0100007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41300 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(parseListeningInodes(table, 3000)).toEqual(['41234']);
    expect(parseListeningInodes(table, 50000)).toEqual([]);
  });
});

describe('taskset -c -p', () => {
  it('reads the CPU list a process may run on, so a moved neighbour goes back to it', () => {
    expect(parseAffinityList("pid 812's current affinity list: 0,1\n")).toBe('0,1');
    expect(parseAffinityList("pid 9's current affinity list: 0-3,6\n")).toBe('0-3,6');
    expect(parseAffinityList('taskset: failed to get pid 9\'s affinity: No such process\n')).toBeUndefined();
  });
});
