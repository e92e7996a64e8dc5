#!/usr/bin/env node
// Periodic work and real-agent precision (#29), on real processes. Each bound is set against a quantity measured in the
// same run, never a machine's figure:
//   1. a known lump every 1.5 s is resolved as finely as a steady burn of the same mean cost (per-pair SD within ±50%)
//      when its windows hold whole periods (`period: 1.5s`: 2 s windows become 3 s), and not when they do not
//   2. a fixed-work burn of 5% of dd-trace@1's own CPU per request, planted on top of dd-trace@1 (its NODE_OPTIONS), is
//      caught in a session against dd-trace@1 itself: the CI of dd+burn / dd lies wholly above 0
// Run `npm run build` first. Prints one line per claim, and exits 1 if one does not hold.
import { join } from 'node:path';
import { quickRoutes, runSession, scratch } from './session.mjs';

const dir = scratch('apm-bench-periodic-', ['burn-cpu.cjs']);
const burn = join(dir, 'burn-cpu.cjs');
const run = (name, yaml) => runSession(dir, name, yaml);
const sd = (xs) => { const m = xs.reduce((s, x) => s + x, 0) / xs.length; return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)); };
const estimate = (result, config) => result.analysis.estimates.find((e) => e.config === config && e.metric === 'cpuMsPerRequest');
const spread = (result, config) => sd(estimate(result, config).perPair.map((p) => Math.log(p.value / p.baselineValue)));
let failed = false;
const claim = (ok, text) => { failed ||= !ok; process.stdout.write(`${ok ? 'holds ' : 'FAILS '} ${text}\n`); };

const lumpEnv = '{ BURN_LUMP_MS: "30", BURN_LUMP_EVERY_MS: "1500" }';
const lumps = run('lumps', `name: lumps
workload:
  routes: [{ path: /json, weight: 6 }, { path: /ping, weight: 2 }]
  rate: 200
  warmup: 0.5s
  duration: 2s
  rounds: 10
instrumentations:
  - name: none
  - { name: steady, preload: ./burn-cpu.cjs, env: { BURN_US: "100" } }
  - { name: lumpy-aligned, preload: ./burn-cpu.cjs, env: ${lumpEnv}, period: 1.5s }
  - { name: lumpy-unaligned, preload: ./burn-cpu.cjs, env: ${lumpEnv} }
`);
const [steady, aligned, unaligned] = ['steady', 'lumpy-aligned', 'lumpy-unaligned'].map((c) => spread(lumps, c));
claim(aligned <= 1.5 * steady && aligned >= steady / 1.5,
  `30 ms every 1.5 s, whole periods: per-pair SD ${aligned.toFixed(4)} against the steady 100 µs burn's ${steady.toFixed(4)} (${(aligned / steady).toFixed(2)}×)`);
process.stdout.write(`       the same lump in 2 s windows: SD ${unaligned.toFixed(4)} (${(unaligned / steady).toFixed(2)}× the steady burn's)\n`);

const mix = `${quickRoutes}
  rate: 120
  primeRequests: 600
  warmup: 0.5s
  duration: 3s`;
const first = run('dd', `name: dd\nworkload:\n${mix}\n  rounds: 3\ninstrumentations:\n  - name: none\n  - datadog: { sampleRate: 1.0 }\n`);
const ddMsPerRequest = estimate(first, 'datadog@1').perPair.reduce((s, p) => s + p.value, 0) / estimate(first, 'datadog@1').perPair.length;
const burnUs = Math.round(0.05 * ddMsPerRequest * 1000);
const planted = run('dd-burn', `name: dd-burn
baseline: datadog@1
workload:
${mix}
  rounds: 10
instrumentations:
  - datadog: { sampleRate: 1.0 }
  - datadog: { sampleRate: 1.0, name: dd-burn, env: { NODE_OPTIONS: "--require ${burn}", BURN_US: "${burnUs}" } }
`);
const caught = estimate(planted, 'dd-burn@1');
claim(caught.overheadCI.low > 0,
  `a ${burnUs} µs burn (5% of dd-trace@1's ${ddMsPerRequest.toFixed(2)} ms/req) on top of dd-trace@1 reads ` +
  `${(caught.overhead * 100).toFixed(1)}% [${(caught.overheadCI.low * 100).toFixed(1)}, ${(caught.overheadCI.high * 100).toFixed(1)}] over ${caught.pairs} pairs, ` +
  `per-pair SD ${spread(planted, 'dd-burn@1').toFixed(4)}`);
process.exit(failed ? 1 : 0);
