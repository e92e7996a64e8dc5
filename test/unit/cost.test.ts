import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, loadPricing } from '../../src/cost/pricing.js';
import { computeCost, computeCostFromRateModel, datadogBill, grafanaSeriesBill, instancePrice, otlpBill, projectConfig, sentryBill, tieredErrorCost } from '../../src/cost/project.js';
import { parseCount, parseTraffic } from '../../src/cost/traffic.js';
import { datadog } from '../../src/instrument/datadog.js';
import { newrelic } from '../../src/instrument/newrelic.js';
import { tempDir } from '../helpers.js';

const pricing = loadPricing();
const total = (lines: Array<{ usd: number }>) => lines.reduce((s, l) => s + l.usd, 0);

describe('cost projection, hand-computed', () => {
  it('Datadog: 4 hosts, 700 GB ingested, 6M indexed spans', () => {
    // 4 × $31 + (700 − 600) GB × $0.10 + (6M − 4M) × $1.70/1M = 124 + 10 + 3.40
    expect(total(datadogBill({ hosts: 4, ingestedGB: 700, indexedSpans: 6_000_000 }, pricing))).toBeCloseTo(137.4, 10);
    // Within the allotments only the host fee remains; the Enterprise plan is $40 a host.
    expect(total(datadogBill({ hosts: 4, ingestedGB: 500, indexedSpans: 3_000_000 }, pricing))).toBeCloseTo(124, 10);
    expect(total(datadogBill({ hosts: 4, ingestedGB: 500, indexedSpans: 3_000_000, plan: 'enterprise' }, pricing))).toBeCloseTo(160, 10);
  });

  it('Datadog on Fargate: 10 tasks, 150 GB ingested, 1M indexed spans', () => {
    // 10 × $2 + (150 − 10 × 10) GB × $0.10 + (1M − 10 × 65k) × $1.70/1M = 20 + 5 + 0.595
    expect(total(datadogBill({ hosts: 10, ingestedGB: 150, indexedSpans: 1_000_000, fargate: true }, pricing))).toBeCloseTo(25.595, 10);
  });

  it('OTLP traces on Grafana Cloud: 130 GB, the first 50 GB free', () => {
    expect(total(otlpBill(130, pricing))).toBeCloseTo(40, 10);
    expect(total(otlpBill(20, pricing))).toBe(0);
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

  it('carries the CPU confidence interval into a low–high range', () => {
    const cost = projectConfig(
      { config: 'dd', kind: 'datadog', cpuDeltaMsPerRequest: 0.5, cpuDeltaMsPerRequestCI: { low: 0.4, high: 0.6 }, rssDeltaBytes: 0, spansPerRequest: 1, keptSpansPerRequest: 1, bytesPerRequest: 1000 },
      { requestsPerMonth: 720e6, deployment: { instanceType: 'm7i.large', instances: 2, targetUtilization: 0.5 }, sentryPlan: 'team', datadogIndexedFraction: 0.01 },
      pricing,
      datadog.bill,
    );
    // The vendor part comes from the Datadog adapter: 2 + 0.14 extra instances → 3 hosts × $31,
    // 720 GB kept − 3 × 150 GB × $0.10, and 7.2M indexed spans − 3 × 1M × $1.70/1M.
    expect(total(cost.vendor)).toBeCloseTo(93 + 27 + 7.14, 10);
    expect(cost.highUsd - cost.totalUsd).toBeCloseTo(10.08 * 0.2, 10);
    expect(cost.totalUsd - cost.lowUsd).toBeCloseTo(10.08 * 0.2, 10);
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
    const { roleClaims } = await import('../../src/analysis/claims.js');
    const apm = roleClaims.find((c) => c.text === 'APM: < 1% CPU overhead')!;
    const cpu = (low: number, high: number) => ({ cpu: { overhead: (low + high) / 2, overheadCI: { low, high } } as never });
    expect(apm.check(cpu(-0.02, 0.009))!.verdict).toBe('confirmed');
    expect(apm.check(cpu(0.011, 0.5))!.verdict).toBe('refuted');
    expect(apm.check(cpu(-0.02, 0.03))!.verdict).toBe('undecided');
    const size = roleClaims.find((c) => c.text.startsWith('Traces ~1–2 KB'))!;
    expect(size.check({ bytesPerRequest: 1500 })!.verdict).toBe('confirmed');
    expect(size.check({ bytesPerRequest: 5000 })!.verdict).toBe('refuted');
  });

  it('each claim reaches the configs it is about through the adapters, never by vendor name', async () => {
    const { claimRows } = await import('../../src/report/input.js');
    const estimate = (config: string) => ({ config, metric: 'cpuMsPerRequest', overhead: 1, overheadCI: { low: 0.9, high: 1.1 } }) as never;
    const measures = ['datadog', 'prometheus', 'custom'].map((kind) => ({ config: kind, kind, cpuDeltaMsPerRequest: 0, rssDeltaBytes: 0, bytesPerRequest: 1500 }));
    const rows = claimRows({ measures, analysis: { estimates: measures.map((m) => estimate(m.config)) } as never });
    const about = (config: string) => rows.filter((r) => r.config === config).map((r) => `${r.source} ${r.claim}`);
    expect(about('datadog')).toEqual(expect.arrayContaining(['seeds/001 APM: < 1% CPU overhead', 'seeds/003 Adds 2–5% CPU overhead even with conservative sampling', 'seeds/001 Traces ~1–2 KB per request']));
    expect(about('prometheus')).toEqual(expect.arrayContaining(['seeds/001 Metrics: < 0.5% CPU overhead', 'seeds/002 Performance: minimal overhead (<5%)']));
    expect(about('prometheus')).not.toContain('seeds/001 APM: < 1% CPU overhead');
    expect(about('custom')).toEqual([]);
  });
});
