import type { MeasuredRun, ResultDocument, RunSample } from '../src/samples/result.js';

/** A measured run with plausible defaults, for pure tests: only what a test sets matters. */
export function measured(pair: number, config: string, cpuMsPerRequest: number, extra: Partial<MeasuredRun> = {}): MeasuredRun {
  return {
    index: 0, unit: pair, round: pair, pair, config, side: config === 'none' ? 'baseline' : 'candidate', slot: 0,
    offeredRps: 100, startedAt: '', status: 'measured', exclusions: [], warnings: [], targetPid: 1, port: 1,
    measuredMs: 3000, requests: 300, achievedRps: 100, cpuMsPerRequest, cpuMsPerSecond: cpuMsPerRequest * 100,
    cpu: { userMs: 0, systemMs: 0, procMs: 0, procTicks: 0 },
    rssMeanBytes: 70e6, rssPeakBytes: 80e6, heapUsedBytes: 1, heapPeakBytes: 1, externalBytes: 1,
    eventLoopUtilization: 0.05, eventLoopDelayUs: { p50: 1, p99: 1, max: 1, mean: 1 }, gcPauseMsTotal: 0, gcCount: 0,
    load: {
      sent: 300, statusCounts: { 200: 300 }, statusByRoute: {}, unexpectedStatuses: 0, socketErrors: 0, timeouts: 0,
      maxInFlight: 1, connections: 64, sendLagUs: { p50: 50, p99: 100, max: 200 },
    },
    latencyUs: { count: 300, mean: 400, p50: 400, p90: 500, p99: 900, p999: 1000, max: 1000, histogram: '' },
    latencySource: 'solo',
    noise: { stealPercent: 0, loadAverage1m: 0, harnessCpuPercent: 5 },
    timeline: [],
    ...extra,
  };
}

export function failed(pair: number, config: string, reason = 'the target exited with code 1'): RunSample {
  return {
    index: 0, unit: pair, round: pair, pair, config, side: 'candidate', slot: 0, offeredRps: 100, startedAt: '',
    status: 'failed', failure: { reason, outputTail: '' },
  };
}

/** Just enough of a result document for the analysis functions. */
export function resultOf(runs: RunSample[], configs: ResultDocument['configs'], rates = [100]): ResultDocument {
  return {
    schemaVersion: 2, tool: { name: 'apm-bench', version: '0' }, status: 'complete', startedAt: '2026-11-25T08:00:00.000Z',
    scenario: { name: 't', file: '/t.yaml', sha256: 'abc', baseline: 'none', workload: { rate: rates[0] }, budgets: [], target: { kind: 'fixture', path: '' } },
    design: { kind: 'co-scheduled', seed: 1, arrival: 'constant', ratesRps: rates, latencyMs: 500 },
    loadModel: 'open loop', configs, runs, notes: [],
    environment: {
      hostname: 'h', platform: 'linux', kernel: 'k', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 1, nodeVersion: 'v20',
      loadAverageStart: [0, 0, 0], packages: {}, pinning: { enabled: true, note: 'pinned' }, strippedEnv: [],
    },
  };
}
