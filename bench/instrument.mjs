#!/usr/bin/env node
// Timing claims about the instrument, on real processes, moved out of the timed tests (test/e2e/run.test.ts keeps the
// one A/A-plus-burn session). Each bound is set against a quantity measured in the same run, never a machine's figure:
//   1. latency is the app's, not the generator's: the baseline's median p50 is within 2.5× its CPU per request at 150 req/s
//   2. the rate model recovers a known split: ~20 ms/s from a timer plus a ~100 µs burn per request, at 100 and 300 req/s
//   3. what a pair reads of a fixed 100 µs burn (printed, not judged): the paired difference over the burn's standalone
//      cost, and how much more CPU the baselines beside the burn used than those beside a do-nothing preload (the
//      partner effect that makes a pair's difference under-read a cost; see test/e2e/run.test.ts)
// Run `npm run build` first. Prints one line per claim, and exits 1 if one does not hold.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root, quickRoutes, runSession, scratch } from './session.mjs';

const burnFile = join(root, 'test', 'fixtures', 'burn-cpu.cjs');
const dir = scratch('apm-bench-bench-', ['burn-cpu.cjs', 'noop.cjs']);
const run = (name, yaml) => runSession(dir, name, yaml);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
let failed = false;
const claim = (ok, text) => { failed ||= !ok; process.stdout.write(`${ok ? 'holds ' : 'FAILS '} ${text}\n`); };

const mix = `${quickRoutes}
  warmup: 0.5s
  duration: 3s`;

const latency = run('latency', `workload:\n${mix}\n  rate: 150\n  latencyDuration: 1s\n  rounds: 4\ninstrumentations:\n  - name: none\n  - name: noop\n    preload: ./noop.cjs\n`);
const baseline = latency.runs.filter((r) => r.config === 'none' && r.status === 'measured');
const p50Ms = median(baseline.map((r) => r.latencyUs.p50 / 1000));
const cpuMs = median(baseline.map((r) => r.cpuMsPerRequest));
const lagMs = median(baseline.map((r) => r.latencyLoad.sendLagUs.p50 / 1000));
claim(p50Ms < 2.5 * cpuMs, `latency: baseline p50 ${p50Ms.toFixed(3)} ms against ${cpuMs.toFixed(3)} ms CPU per request (${(p50Ms / cpuMs).toFixed(2)}×, bound 2.5×); ` +
  `generator send lag p50 ${lagMs.toFixed(3)} ms`);

const burn = JSON.parse(execFileSync(process.execPath, [burnFile], { env: { ...process.env, BURN_US: '100' }, encoding: 'utf8' }));
const rates = run('rates', `workload:\n${mix}\n  rates: [100, 300]\n  latencyDuration: 0.5s\n  rounds: 3\ninstrumentations:\n  - name: none\n  - name: split\n` +
  `    preload: ./burn-cpu.cjs\n    env: { TIMER_MS_PER_S: "20", BURN_LOOPS: "${burn.loops}" }\n`);
const fit = rates.analysis.rateModels.find((m) => m.config === 'split').overhead;
const perRequestMs = burn.usPerBurn / 1000;
claim(Math.abs(fit.intercept - 20) < 2.8 * fit.interceptSE + 2 && Math.abs(fit.slope - perRequestMs) < 2.8 * fit.slopeSE + 0.3 * perRequestMs,
  `rate model: fixed ${fit.intercept.toFixed(1)} ± ${fit.interceptSE.toFixed(1)} ms/s (planted ~20), marginal ${fit.slope.toFixed(4)} ± ${fit.slopeSE.toFixed(4)} ms/req ` +
  `(planted ${perRequestMs.toFixed(4)}, the burn's standalone cost), ${fit.n} pairs`);

const accuracy = run('accuracy', `workload:\n${mix}\n  rate: 250\n  latencyDuration: 0.3s\n  rounds: 6\ninstrumentations:\n  - name: none\n` +
  `  - name: noop\n    preload: ./noop.cjs\n  - name: burn\n    preload: ./burn-cpu.cjs\n    env: { BURN_LOOPS: "${burn.loops}" }\n`);
const paired = accuracy.analysis.estimates.find((e) => e.config === 'burn' && e.metric === 'cpuMsPerRequest');
const besides = (config) => {
  const pairs = new Set(accuracy.runs.filter((r) => r.config === config).map((r) => r.pair));
  return median(accuracy.runs.filter((r) => pairs.has(r.pair) && r.side === 'baseline' && r.status === 'measured').map((r) => r.cpuMsPerRequest));
};
process.stdout.write(`reads  fixed work: paired difference ${paired.delta.toFixed(4)} ms for ${perRequestMs.toFixed(4)} ms alone ` +
  `(${(paired.delta / perRequestMs).toFixed(2)}×, ${paired.pairs} pairs); baselines beside the burn ${besides('burn').toFixed(4)} ms/req, ` +
  `beside the do-nothing preload ${besides('noop').toFixed(4)} ms/req\n`);
process.exitCode = failed ? 1 : 0;
