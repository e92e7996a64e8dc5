import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, loadPricing, priceAgeMonths, priceEntries, stalePrices } from '../../src/cost/pricing.js';
import {
  billDrivers, computeCost, computeCostFromRateModel, datadogBill, grafanaSeriesBill, instancePrice, keptTraceShare, memoryCost, otlpBill, projectConfig, sentryBill,
  tieredErrorCost, type ConfigMeasure, type CostOptions,
} from '../../src/cost/project.js';
import { moneyCases } from '../../src/gate/gate.js';
import { seededRandom } from '../../src/analysis/stats.js';
import { sentry } from '../../src/instrument/sentry.js';
import { parseCount, parseTraffic } from '../../src/cost/traffic.js';
import { datadog } from '../../src/instrument/datadog.js';
import { newrelic } from '../../src/instrument/newrelic.js';
import { tempDir } from '../helpers.js';

const pricing = loadPricing();
const total = (lines: Array<{ usd: number }>) => lines.reduce((s, l) => s + l.usd, 0);

describe('cost projection, hand-computed', () => {
  it('Datadog: 4 hosts, 700 GB ingested, 6M indexed spans, with the Infrastructure fee APM is sold on', () => {
    // Infrastructure 4 × $15 + APM 4 × $31 + (700 − 600) GB × $0.10 + (6M − 4M) × $1.70/1M = 60 + 124 + 10 + 3.40
    const lines = datadogBill({ hosts: 4, ingestedGB: 700, indexedSpans: 6_000_000 }, pricing);
    expect(total(lines)).toBeCloseTo(197.4, 10);
    expect(lines.find((l) => l.label === 'Datadog Infrastructure')!.usd).toBe(60);
    // Within the allotments only the host fees remain; the Enterprise plan is $40 a host.
    expect(total(datadogBill({ hosts: 4, ingestedGB: 500, indexedSpans: 3_000_000 }, pricing))).toBeCloseTo(184, 10);
    expect(total(datadogBill({ hosts: 4, ingestedGB: 500, indexedSpans: 3_000_000, plan: 'enterprise' }, pricing))).toBeCloseTo(220, 10);
  });

  it('Datadog bills DogStatsD series as custom metrics past 100 per host, per started 100', () => {
    // 4 hosts × 150 series = 600 − 4 × 100 included = 200 → 2 × $5
    const lines = datadogBill({ hosts: 4, ingestedGB: 0, indexedSpans: 0, customMetrics: 600 }, pricing);
    expect(lines.find((l) => l.label === 'Datadog custom metrics')!.usd).toBe(10);
    // 450 → 50 over → one started hundred
    expect(datadogBill({ hosts: 4, ingestedGB: 0, indexedSpans: 0, customMetrics: 450 }, pricing).find((l) => l.label === 'Datadog custom metrics')!.usd).toBe(5);
    expect(datadogBill({ hosts: 4, ingestedGB: 0, indexedSpans: 0 }, pricing).some((l) => l.label === 'Datadog custom metrics')).toBe(false);
  });

  it('Datadog indexes error spans (the Error Default retention filter) on top of the retention filters\' share', () => {
    // 3M + 2M error spans = 5M indexed − 4 × 1M included = 1M × $1.70
    expect(total(datadogBill({ hosts: 4, ingestedGB: 500, indexedSpans: 3_000_000, errorSpans: 2_000_000 }, pricing))).toBeCloseTo(184 + 1.7, 10);
  });

  it('dd-trace keeps at most 100 traces/s per process: the kept share at the production rate per instance', () => {
    expect(keptTraceShare(1, 47.6, 1)).toBe(1);
    expect(keptTraceShare(1, 500, 1)).toBeCloseTo(0.2, 12);
    expect(keptTraceShare(0.1, 500, 1)).toBe(0.1);
    expect(keptTraceShare(0.1, 2000, 1)).toBeCloseTo(0.05, 12);
    expect(keptTraceShare(1, 500, 1, 250)).toBeCloseTo(0.5, 12);
    // Through the adapter: 2 instances × 200 req/s = 1,051.2M req/month. At the bench, 1 trace and 1 kept span per kept trace,
    // 1,000 B per kept span. In production the limiter keeps 100 of 200 traces/s: 525.6M kept spans = 525.6 GB; 1% indexed = 5.256M.
    // Infrastructure 2 × $15 + APM 2 × $31 + (525.6 − 300) GB × $0.10 + (5.256M − 2M) × $1.70/1M = 30 + 62 + 22.56 + 5.5352
    const measure: ConfigMeasure = {
      config: 'datadog@1', kind: 'datadog', cpuDeltaMsPerRequest: 0, rssDeltaBytes: 0, sampleRate: 1,
      tracesPerRequest: 1, keptTracesPerRequest: 0.5, spansPerRequest: 1, keptSpansPerRequest: 0.5, bytesPerRequest: 1000, keptBytesPerRequest: 500,
    };
    const options: CostOptions = { requestsPerMonth: 2 * 200 * 730 * 3600, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.6 }, sentryPlan: 'team',
      datadogIndexedFraction: 0.01 };
    expect(total(projectConfig(measure, options, pricing, datadog.bill).vendor)).toBeCloseTo(120.0952, 8);
    // With the Continuous Profiler on, the hosts move to APM Enterprise ($40, the plan that includes it): + 2 × $9.
    const profiled = projectConfig({ ...measure, options: { profiling: true } }, options, pricing, datadog.bill);
    expect(total(profiled.vendor)).toBeCloseTo(120.0952 + 2 * 9, 8);
    expect(profiled.vendor.some((l) => l.label === 'Datadog APM hosts (enterprise)')).toBe(true);
    // Logs shipped: 300 B and 1 line per request over 1,051.2M requests = 315.36 GB × $0.10 + 1,051.2M lines × 50% indexed × $1.70/1M.
    const logged = projectConfig({ ...measure, logBytesPerRequest: 300, logLinesPerRequest: 1 }, { ...options, logs: { shipped: true, indexedFraction: 0.5 } }, pricing,
      datadog.bill);
    expect(logged.vendor.find((l) => l.label === 'Datadog log ingest')!.usd).toBeCloseTo(31.536, 8);
    expect(logged.vendor.find((l) => l.label === 'Datadog log indexing')!.usd).toBeCloseTo(893.52, 8);
    // Not shipped (the default): no log lines on the bill.
    expect(projectConfig({ ...measure, logBytesPerRequest: 300 }, options, pricing, datadog.bill).vendor.some((l) => l.label.includes('log'))).toBe(false);
  });

  it('fractional hosts: 4 instances + 0.07 of extra CPU is billed as 4.07 hosts (its expected count), not 5', () => {
    // 0.07 extra instances of m7i.large (2 vCPU) at 60% = 0.084 vCPU ⇒ cpu ms/req = 0.084 × 0.6 × 1000 ÷ avg rps
    const requestsPerMonth = 4 * 50 * 730 * 3600;
    const averageRps = requestsPerMonth / (730 * 3600);
    const cpu = (0.07 * 2 * 0.6 * 1000) / averageRps;
    const options: CostOptions = { requestsPerMonth, deployment: { instanceType: 'm7i.large', instances: 4, targetUtilization: 0.6 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    const cost = projectConfig({ config: 'dd', kind: 'datadog', cpuDeltaMsPerRequest: cpu, rssDeltaBytes: 0, sampleRate: 1, spansPerRequest: 0 }, options, pricing, datadog.bill);
    expect(cost.fleet.p99Hosts).toBeCloseTo(4.07, 10);
    expect(cost.vendor.find((l) => l.label === 'Datadog Infrastructure')!.usd).toBeCloseTo(4.07 * 15, 10);
    expect(cost.vendor.find((l) => l.label === 'Datadog APM hosts (apm)')!.usd).toBeCloseTo(4.07 * 31, 10);
  });

  it('memory on an instance is free while it fits the headroom, then priced as the share of the instance it takes', () => {
    const options: CostOptions = { requestsPerMonth: 1e9, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.6 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    expect(memoryCost(50 * 1024 ** 2, options, pricing).usd).toBe(0);
    // 2 GiB − 1.6 GiB headroom (a fifth of 8 GiB) = 0.4 GiB = 0.05 of the instance × 2 instances × 730 h × $0.1008
    expect(memoryCost(2 * 1024 ** 3, options, pricing).usd).toBeCloseTo(0.05 * 2 * 730 * 0.1008, 10);
    // On Fargate it is GB-hours: 0.5 GB × 2 tasks × 730 h × $0.004445
    expect(memoryCost(0.5 * 1024 ** 3, { ...options, deployment: { ...options.deployment, instanceType: 'fargate' } }, pricing).usd).toBeCloseTo(0.5 * 2 * 730 * 0.004445, 10);
  });

  it('Datadog on Fargate: 10 tasks, 150 GB ingested, 1M indexed spans', () => {
    // 10 × $2 + (150 − 10 × 10) GB × $0.10 + (1M − 10 × 65k) × $1.70/1M = 20 + 5 + 0.595
    expect(total(datadogBill({ hosts: 10, ingestedGB: 150, indexedSpans: 1_000_000, fargate: true }, pricing))).toBeCloseTo(25.595, 10);
  });

  it('OTLP traces on Grafana Cloud: every GB processed, GB written past the free 50 GB', () => {
    // 130 GB × $0.05 + (130 − 50) GB × $0.40 = 6.50 + 32
    expect(total(otlpBill(130, pricing))).toBeCloseTo(38.5, 10);
    // 20 GB × $0.05, nothing written past the allowance
    expect(total(otlpBill(20, pricing))).toBeCloseTo(1, 10);
  });

  it('Grafana Cloud bills max(active series, DPM ÷ 1 included DPM), rounded up to the next 1k', () => {
    // 3,000 series scraped every 15 s = 4 DPM each: 12,000 billable − 10,000 free = 2k × $6.50 + $19 Pro
    expect(total(grafanaSeriesBill(3000, pricing, 15))).toBeCloseTo(32, 10);
    // Scraped once a minute: 3,000 billable, under the free 10,000
    expect(total(grafanaSeriesBill(3000, pricing, 60))).toBe(0);
    // 10,001 series: 1 over the allowance rounds up to 1k
    expect(total(grafanaSeriesBill(10_001, pricing, 60))).toBeCloseTo(25.5, 10);
  });

  it('Sentry spans through their tiers, and reserved volume at the prepaid discount', () => {
    // 150M spans on Team: (100M − 5M) × $0.000002 + 50M × $0.0000018 = 190 + 90; + $26 plan, 10k errors included
    expect(total(sentryBill({ errors: 10_000, spans: 150_000_000, plan: 'team' }, pricing))).toBeCloseTo(26 + 280, 8);
    // Business: 95M × $0.000004 + 50M × $0.0000036 = 380 + 180; + $80
    expect(total(sentryBill({ errors: 10_000, spans: 150_000_000, plan: 'business' }, pricing))).toBeCloseTo(80 + 560, 8);
    // Reserved: the volume lines 20% cheaper, the plan fee unchanged
    expect(total(sentryBill({ errors: 10_000, spans: 150_000_000, plan: 'team', billing: 'reserved' }, pricing))).toBeCloseTo(26 + 280 * 0.8, 8);
  });

  it('Sentry Team: 600k errors and 10M spans', () => {
    // errors beyond 50k: 50k × 0.0003625 + 400k × 0.0002188 + 100k × 0.0001875 = 18.125 + 87.52 + 18.75
    expect(tieredErrorCost(600_000, pricing.sentry.plans.team!)).toBeCloseTo(124.395, 10);
    // + $26 plan + (10M − 5M) × $0.000002
    expect(total(sentryBill({ errors: 600_000, spans: 10_000_000, plan: 'team' }, pricing))).toBeCloseTo(26 + 124.395 + 10, 10);
    expect(total(sentryBill({ errors: 10_000, spans: 1_000_000, plan: 'team' }, pricing))).toBeCloseTo(26, 10);
  });

  it('compute from a rate model: 20 ms/s fixed + 0.1 ms/req at 300 req/s over 3 instances, 60% utilisation', () => {
    const options = { requestsPerMonth: 300 * 730 * 3600, deployment: { instanceType: 'm7i.large', instances: 3, targetUtilization: 0.6 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    // 100 req/s per instance: 20 + 0.1 × 100 = 30 ms/s each; 3 × 0.030 ÷ 0.6 = 0.15 vCPU × 730 h × $0.0504
    const { line, extraInstances } = computeCostFromRateModel({ fixedMsPerSecond: 20, marginalMsPerRequest: 0.1, ratesRps: [100, 300] }, options, pricing);
    expect(line.usd).toBeCloseTo(0.15 * 730 * 0.0504, 10);
    expect(extraInstances).toBeCloseTo(0.075, 10);
    expect(line.formula).toContain('20 ms/s fixed + 0.1 ms/req × 100 req/s per instance');
    // A linear ms/request extrapolation from one rate would miss the fixed part at another: at 100 req/s the
    // agent costs 0.3 ms/req, so a 0.3 ms/req figure carried to 1,000 req/s per instance overstates it 2.3×.
    const busy = computeCostFromRateModel({ fixedMsPerSecond: 20, marginalMsPerRequest: 0.1, ratesRps: [100, 300] }, { ...options, requestsPerMonth: 3000 * 730 * 3600 }, pricing);
    expect(busy.line.formula).toContain('(extrapolated: measured at 100–300 req/s)');
    expect(computeCost(0.3, { ...options, requestsPerMonth: 3000 * 730 * 3600 }, pricing).line.usd / busy.line.usd).toBeCloseTo(300 / 120, 10);
  });

  it('compute: 0.5 ms/req × 720M req at 50% utilisation on m7i.large', () => {
    // 0.0005 s × 720M / 3600 = 100 vCPU-h, ÷ 0.5 = 200 vCPU-h × ($0.1008 / 2 vCPU)
    const { line, extraInstances } = computeCost(0.5, { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 }, pricing);
    expect(line.usd).toBeCloseTo(10.08, 10);
    expect(extraInstances).toBeCloseTo(200 / 730 / 2, 10);
    expect(line.formula).toContain('0.5 ms/req × 720M req');
  });

  it('compute sized for a peak: 0.5 ms/req × 400 req/s at 50% on m7i.large', () => {
    // 0.0005 s × 400 / 0.5 = 0.4 vCPU, all month: 0.4 × 730 h × $0.0504 = $14.7168; 0.2 instances of 2 vCPU
    const { line, extraInstances } = computeCost(0.5, { requestsPerMonth: 262.8e6, peakRps: 400, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 }, pricing);
    expect(line.usd).toBeCloseTo(14.7168, 10);
    expect(extraInstances).toBeCloseTo(0.2, 10);
    expect(line.formula).toContain('400 req/s peak');
  });

  it('Fargate: a task of 0.5 vCPU and 1 GB is priced per vCPU-hour and GB-hour', () => {
    const task = instancePrice({ instanceType: 'fargate', instances: 3, targetUtilization: 0.6, vcpu: 0.5, memoryGiB: 1 }, pricing);
    expect(task.hourly).toBeCloseTo(0.5 * 0.04048 + 1 * 0.004445, 12);
    // 200 vCPU-h (as above); extra tasks bring their memory: $0.024685/task-h ÷ 0.5 vCPU = $0.04937/vCPU-h → $9.874
    const { line } = computeCost(0.5, { requestsPerMonth: 720e6, deployment: { instanceType: 'fargate', instances: 3, targetUtilization: 0.5, vcpu: 0.5, memoryGiB: 1 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 }, pricing);
    expect(line.usd).toBeCloseTo(9.874, 10);
  });

  it('Grafana Cloud: 25,500 active series', () => {
    expect(total(grafanaSeriesBill(25_500, pricing))).toBeCloseTo(19 + 16 * 6.5, 10);
    expect(total(grafanaSeriesBill(9_000, pricing))).toBe(0);
  });

  it('carries the CPU confidence interval into a low–high range when there are no draws', () => {
    const cost = projectConfig(
      { config: 'dd', kind: 'datadog', cpuDeltaMsPerRequest: 0.5, cpuDeltaMsPerRequestCI: { low: 0.4, high: 0.6 }, rssDeltaBytes: 0, spansPerRequest: 1, keptSpansPerRequest: 1, bytesPerRequest: 1000 },
      { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 },
      pricing,
      datadog.bill,
    );
    // 0.5 ms × 720M ÷ 0.5 = 200 vCPU-h = 0.137 instances: 2.137 hosts × ($15 + $31), (720 − 2.137 × 150) GB × $0.10, (7.2M − 2.137M) × $1.70/1M
    const hosts = 2 + 200 / 730 / 2;
    expect(total(cost.vendor)).toBeCloseTo(hosts * 46 + (720 - hosts * 150) * 0.1 + (7.2 - hosts) * 1.7, 8);
    expect(cost.highUsd).toBeGreaterThan(cost.totalUsd);
    expect(cost.lowUsd).toBeLessThan(cost.totalUsd);
    expect(cost.rangeNote).toBe('range from the CPU interval alone');
  });

  it('a range over the pairs\' bills is the paired t interval, and names the input that dominates it', () => {
    const measure: ConfigMeasure = { config: 's', kind: 'sentry', cpuDeltaMsPerRequest: 0.01, rssDeltaBytes: 0, spansPerRequest: 1, errorEventsPerRequest: 0, sampleRate: 1 };
    const options: CostOptions = { requestsPerMonth: 205e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.6 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    // Spans per request vary ±20% over five pairs; CPU hardly at all.
    const pairs = [0.8, 0.9, 1.0, 1.1, 1.2].map((spans, i) => ({ ...measure, spansPerRequest: spans, cpuDeltaMsPerRequest: 0.01 + (i % 2) * 1e-6 }));
    const cost = projectConfig(measure, options, pricing, sentry.bill, pairs);
    // By hand: the pairs' bills, their SD, and t(0.975, 4) = 2.776.
    const bills = pairs.map((pair) => projectConfig(pair, options, pricing, sentry.bill).totalUsd);
    const m = bills.reduce((a, b) => a + b, 0) / 5;
    const half = (2.7764451 * Math.sqrt(bills.reduce((a, b) => a + (b - m) ** 2, 0) / 4)) / Math.sqrt(5);
    expect(cost.lowUsd).toBeCloseTo(cost.totalUsd - half, 3);
    expect(cost.highUsd).toBeCloseTo(cost.totalUsd + half, 3);
    expect(cost.rangeNote).toMatch(/^95% paired t interval over the bills of 5 pairs; spans per request makes (9\d|100)% of it/);
  });

  it('the bill\'s 95% range holds the true bill 95% of the time at 3, 4 and 5 pairs, missing 2.5% on each side (seeded simulation)', () => {
    // Normal per-pair noise on CPU, memory and spans, around a truth beyond every free tier, where the bill is linear.
    const truth: ConfigMeasure = { config: 's', kind: 'sentry', cpuDeltaMsPerRequest: 0.5, rssDeltaBytes: 30e6, spansPerRequest: 3, errorEventsPerRequest: 0.05, sampleRate: 1 };
    const options: CostOptions = { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 4, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    const trueUsd = projectConfig(truth, options, pricing, sentry.bill).totalUsd;
    const random = seededRandom(29);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const sessions = 4000;
    // Each side's miss rate, 2.5%, within 3 Monte Carlo standard errors.
    const se = Math.sqrt((0.025 * 0.975) / sessions);
    for (const n of [3, 4, 5]) {
      let below = 0;
      let above = 0;
      for (let s = 0; s < sessions; s += 1) {
        const pairs = Array.from({ length: n }, () => ({
          ...truth, cpuDeltaMsPerRequest: 0.5 + 0.1 * normal(), rssDeltaBytes: 30e6 + 3e6 * normal(), spansPerRequest: 3 + 0.3 * normal(),
        }));
        const mean = (key: 'cpuDeltaMsPerRequest' | 'rssDeltaBytes' | 'spansPerRequest') => pairs.reduce((a, p) => a + p[key], 0) / n;
        const central = { ...truth, cpuDeltaMsPerRequest: mean('cpuDeltaMsPerRequest'), rssDeltaBytes: mean('rssDeltaBytes'), spansPerRequest: mean('spansPerRequest') };
        const cost = projectConfig(central, options, pricing, sentry.bill, pairs);
        if (cost.highUsd < trueUsd) below += 1;
        if (cost.lowUsd > trueUsd) above += 1;
      }
      expect(Math.abs(below / sessions - 0.025), `${n} pairs: the range fell below the truth ${below} times`).toBeLessThan(3 * se);
      expect(Math.abs(above / sessions - 0.025), `${n} pairs: the range lay above the truth ${above} times`).toBeLessThan(3 * se);
    }
  });

  it('what would change the bill: the largest line, and the sample rate that halves it', () => {
    // 205M spans: (100M − 5M) × $0.000002 + 105M × $0.0000018 = 190 + 189, + $26 = $405 (compute ≈ 0).
    // Half is $202.50: spans must cost $176.50 = (S − 5M) × $0.000002 ⇒ S = 93.25M ⇒ rate 93.25 ÷ 205 = 0.4549
    const measure: ConfigMeasure = { config: 's', kind: 'sentry', cpuDeltaMsPerRequest: 0, rssDeltaBytes: 0, spansPerRequest: 1, errorEventsPerRequest: 0, sampleRate: 1 };
    const options: CostOptions = { requestsPerMonth: 205e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.6 }, sentryPlan: 'team', datadogIndexedFraction: 0 };
    const cost = projectConfig(measure, options, pricing, sentry.bill);
    expect(cost.totalUsd).toBeCloseTo(405, 8);
    expect(billDrivers(measure, cost, options, pricing, sentry.bill)).toMatch(/largest line is Sentry spans \(94% of the bill\); a sample rate of 0\.45 \(now 1\) would halve it/);
    // Per-host fees do not scale with sampling: Datadog on 2 hosts with few spans cannot be halved.
    const dd = projectConfig({ ...measure, kind: 'datadog', tracesPerRequest: 1, keptTracesPerRequest: 1, keptSpansPerRequest: 1, keptBytesPerRequest: 100 }, options, pricing, datadog.bill);
    expect(dd.drivers).toMatch(/no sample rate halves it/);
  });

  it('money budgets: fail when the whole range is over, pass when it is all within, inconclusive otherwise', () => {
    const cost = { config: 'sentry@1', lowUsd: 900, totalUsd: 1000, highUsd: 1100 } as Parameters<typeof moneyCases>[1][number];
    const judge = (limit: number) => moneyCases([{ config: 'sentry@*', limitUsdPerMonth: limit, text: `cost ≤ $${limit}/month` }], [cost], '500M requests/month')[0]!.verdict;
    expect(judge(800)).toBe('fail');
    expect(judge(1200)).toBe('pass');
    expect(judge(1000)).toBe('inconclusive');
    expect(moneyCases([{ config: 'datadog@*', limitUsdPerMonth: 1, text: 'x' }], [cost], 't')).toEqual([]);
    // A budgeted config with no bill (all its runs excluded) is undecided, not dropped from the gate.
    expect(moneyCases([{ config: 'sentry@*', limitUsdPerMonth: 1, text: 'x' }], [], 't', ['sentry@1'])).toEqual([
      expect.objectContaining({ config: 'sentry@1', verdict: 'inconclusive', measured: 'no valid paired runs to bill' }),
    ]);
  });

  it('New Relic seats are priced only from a price the user gives', () => {
    const measure = { config: 'newrelic', kind: 'newrelic', cpuDeltaMsPerRequest: 0, rssDeltaBytes: 0, bytesPerRequest: 100 };
    const options: CostOptions = { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team',
      datadogIndexedFraction: 0.01, newrelicSeats: 3 };
    const unpriced = projectConfig(measure, options, pricing, newrelic.bill).vendor.find((l) => l.label.includes('users'))!;
    expect(unpriced.usd).toBe(0);
    expect(unpriced.formula).toContain('not priced');
    const seat = { value: 99, unit: 'USD/user/month', source: 'contract', asOf: '2026-11-01', kind: 'yours' as const };
    const withSeat = { ...pricing, newrelic: { ...(pricing as Record<string, unknown>).newrelic as object, fullPlatformUserMonthly: seat } } as typeof pricing;
    expect(projectConfig(measure, options, withSeat, newrelic.bill).vendor.find((l) => l.label.includes('users'))!.usd).toBe(297);
  });

  it('bills New Relic for data ingested past the free 100 GB, from its own pricing section', () => {
    const measure = { config: 'newrelic', kind: 'newrelic', cpuDeltaMsPerRequest: 0.2, rssDeltaBytes: 0, bytesPerRequest: 1000 };
    const options = { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 };
    // 720e6 × 1000 B = 720 GB; (720 − 100) GB × $0.30.
    expect(total(projectConfig(measure, options, pricing, newrelic.bill).vendor)).toBeCloseTo(186, 10);
    expect(total(projectConfig({ ...measure, bytesPerRequest: 100 }, options, pricing, newrelic.bill).vendor)).toBe(0);
    const withoutSection = { ...pricing, newrelic: undefined } as typeof pricing;
    expect(() => projectConfig(measure, options, withoutSection, newrelic.bill)).toThrow(/no valid "newrelic" section/);
  });
});

describe('pricing file', () => {
  it('keeps a version and a source for every value, and deep-merges a user file', () => {
    expect(pricing.pricing_version).toBe('2026-11');
    expect(pricing.datadog.plans.apm!.hostMonthly).toMatchObject({ value: 31, kind: 'official' });
    const file = join(tempDir(), 'mine.yaml');
    writeFileSync(file, 'datadog:\n  plans:\n    apm:\n      hostMonthly: { value: 27, unit: "USD/host/month", source: "our contract", kind: third_party }\n');
    const mine = loadPricing(file);
    expect(mine.datadog.plans.apm!.hostMonthly.value).toBe(27);
    // Deep merge: the sibling price and the other plans are kept.
    expect(mine.datadog.plans.apm!.fargateTaskMonthly.value).toBe(2);
    expect(mine.datadog.plans.pro!.hostMonthly.value).toBe(35);
    expect(mine.datadog.ingestedGBOverage.value).toBe(0.1);
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it('every price has a date and a source URL; ages are whole months, and prices over 6 months old are stale', () => {
    for (const entry of priceEntries(pricing)) {
      expect(entry.asOf, entry.path).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.url, entry.path).toMatch(/^https:\/\//);
    }
    expect(priceAgeMonths('2026-05-20', '2026-11-25')).toBe(6);
    expect(priceAgeMonths('2026-05-26', '2026-11-25')).toBe(5);
    expect(priceAgeMonths('2026-04-20', '2026-11-25')).toBe(7);
    expect(stalePrices(pricing, '2026-11-25')).toEqual([]);
    expect(stalePrices(pricing, '2027-07-01').length).toBe(priceEntries(pricing).length);
  });

  it('parses traffic counts', () => {
    expect(parseCount('500M')).toBe(500e6);
    expect(parseCount('1.2B/month')).toBe(1.2e9);
    expect(parseCount('750k')).toBe(750e3);
    expect(parseCount('lots')).toBeUndefined();
  });

  it('parses traffic profiles: monthly volume, average rate, peak', () => {
    expect(parseTraffic('500M', 730)).toMatchObject({ requestsPerMonth: 500e6, text: '500M requests/month (average 190 req/s)' });
    // 100 req/s × 730 h × 3600 s = 262.8M
    expect(parseTraffic('100rps', 730)).toMatchObject({ requestsPerMonth: 262.8e6 });
    expect(parseTraffic('avg=100 req/s, peak=400rps', 730)).toMatchObject({ requestsPerMonth: 262.8e6, peakRps: 400 });
    expect(parseTraffic('500M,peak=1k rps', 730)).toMatchObject({ requestsPerMonth: 500e6, peakRps: 1000 });
    expect(parseTraffic('100rps,peak=50rps', 730)).toMatchObject({ error: expect.stringContaining('below the average') });
    expect(parseTraffic('lots', 730)).toMatchObject({ error: expect.stringContaining('"lots"') });
    expect(parseTraffic('500M,burst=2', 730)).toMatchObject({ error: expect.stringContaining('burst') });
  });
});

describe('claims check', () => {
  it('confirms only when the whole CI is under the claim, refutes only when it is all over', async () => {
    const { billPerHostWithin, billPerTransactionNear, roleClaims } = await import('../../src/analysis/claims.js');
    const apm = roleClaims.find((c) => c.text === 'APM: < 1% CPU overhead')!;
    const cpu = (low: number, high: number) => ({ cpu: { overhead: (low + high) / 2, overheadCI: { low, high } } as never });
    expect(apm.check(cpu(-0.02, 0.009))!.verdict).toBe('confirmed');
    expect(apm.check(cpu(0.011, 0.5))!.verdict).toBe('refuted');
    expect(apm.check(cpu(-0.02, 0.03))!.verdict).toBe('undecided');
    const size = roleClaims.find((c) => c.text.startsWith('Traces ~1–2 KB'))!;
    expect(size.check({ bytesPerRequest: 1500 })!.verdict).toBe('confirmed');
    expect(size.check({ bytesPerRequest: 5000 })!.verdict).toBe('refuted');
    // Bill claims, at the report's traffic: $46 per host (Infrastructure + APM) is outside seeds/000's $15–31; Sentry's
    // $2,000 for 100M requests at 0.1 (10M transactions) is $0.0002 each, within 25% of seeds/004's $0.00025.
    expect(billPerHostWithin(15, 31)({ bill: { vendorUsdPerMonth: 184, p99Hosts: 4, requestsPerMonth: 1e9 } })).toEqual({
      verdict: 'refuted', measured: '$46.0/host/month ($184 over 4.00 hosts at this traffic)',
    });
    expect(billPerHostWithin(15, 31)({ bill: { vendorUsdPerMonth: 100, p99Hosts: 4, requestsPerMonth: 1e9 } })!.verdict).toBe('confirmed');
    expect(billPerTransactionNear(0.00025)({ bill: { vendorUsdPerMonth: 2000, p99Hosts: 4, requestsPerMonth: 1e8, sampleRate: 0.1 } })!.verdict).toBe('confirmed');
    expect(billPerTransactionNear(0.00025)({ bill: { vendorUsdPerMonth: 60, p99Hosts: 4, requestsPerMonth: 1e8, sampleRate: 0.1 } })!.verdict).toBe('refuted');
    expect(billPerHostWithin(15, 31)({})).toBeUndefined();
  });

  it('each claim reaches the configs it is about through the adapters, never by vendor name', async () => {
    const { claimRows } = await import('../../src/report/input.js');
    const estimate = (config: string) => ({ config, metric: 'cpuMsPerRequest', overhead: 1, overheadCI: { low: 0.9, high: 1.1 } }) as never;
    const measures = ['datadog', 'prometheus', 'custom'].map((kind) => ({ config: kind, kind, cpuDeltaMsPerRequest: 0, rssDeltaBytes: 0, bytesPerRequest: 1500 }));
    const rows = claimRows({ measures, analysis: { estimates: measures.map((m) => estimate(m.config)) } as never, costs: [] });
    const about = (config: string) => rows.filter((r) => r.config === config).map((r) => `${r.source} ${r.claim}`);
    expect(about('datadog')).toEqual(expect.arrayContaining(['seeds/001 APM: < 1% CPU overhead', 'seeds/003 Adds 2–5% CPU overhead even with conservative sampling', 'seeds/001 Traces ~1–2 KB per request']));
    expect(about('prometheus')).toEqual(expect.arrayContaining(['seeds/001 Metrics: < 0.5% CPU overhead', 'seeds/002 Performance: minimal overhead (<5%)']));
    expect(about('prometheus')).not.toContain('seeds/001 APM: < 1% CPU overhead');
    expect(about('custom')).toEqual([]);
  });
});
