import { request } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { versionOption, configNameOption } from './versions.js';
import { packageRoot } from '../paths.js';
import { boundedDuration } from '../samples/units.js';
import { Counter, counterWindow } from './intake-server.js';
import { resolveAgent, type AgentBundle } from './resolve-agent.js';

/** What the agent cache installs when the app has no prom-client: the version apm-bench is tested with. */
export const tested: AgentBundle = { 'prom-client': '15.1.3' };
import { minimalOverheadClaim } from '../analysis/claims.js';
import { grafanaSeriesBill } from '../cost/project.js';
import type { Adapter, Intake, IntakeCounts } from './types.js';

/** The request-duration buckets from the seeds' Prometheus setup (seconds). */
export const SEED_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

/**
 * Prometheus: the real prom-client in the target, scraped over HTTP at the
 * scenario's interval, because the cost of a scrape lands in the target.
 */
const options = z.strictObject({
  version: versionOption,
  name: configNameOption,
  scrapeInterval: boundedDuration(100, 3_600_000).default(15_000).meta({ description: 'How often /metrics is scraped (production default 15s).' }),
  defaultMetrics: z.boolean().default(true),
  buckets: z.array(z.number().positive()).min(1).default(SEED_BUCKETS),
  path: z.string().startsWith('/').default('/metrics'),
});

const entrySchema = z.strictObject({ prometheus: options.default({} as never) }).meta({ title: 'Prometheus prom-client' });

/** Sample lines in a text exposition: every non-empty line that is not a # comment. */
export function countSeries(text: string): number {
  let series = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed && !trimmed.startsWith('#')) series += 1;
  }
  return series;
}

/** Scrapes the target at an interval, like a Prometheus server would, and counts what it got. */
function startScraper(intervalMs: number, path: string): Intake {
  const counter = new Counter();
  let timer: NodeJS.Timeout | undefined;
  // Active series is a level, not a sum: the size of the latest scrape.
  let latestSeries = 0;
  const scrape = (url: string) => {
    const req = request(url, { timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) { counter.add('failedScrapes'); return; }
        const body = Buffer.concat(chunks);
        latestSeries = countSeries(body.toString('utf8'));
        counter.payload(body.length, [], { scrapes: 1, seriesSamples: latestSeries });
      });
    });
    req.on('error', () => counter.add('failedScrapes'));
    req.on('timeout', () => req.destroy());
    req.end();
  };
  return {
    env: {},
    attachTarget(baseUrl) {
      timer = setInterval(() => scrape(`${baseUrl}${path}`), intervalMs);
    },
    ...counterWindow(counter),
    snapshot: () => {
      const counts = counter.snapshot();
      counts.items.series = counts.items.scrapes ? latestSeries : 0;
      return counts;
    },
    close: async () => { if (timer) clearInterval(timer); },
  };
}

export const prometheus: Adapter = {
  kind: 'prometheus',
  label: 'Prometheus prom-client',
  roles: ['metrics'],
  versioned: 'prom-client',
  starter: { entry: 'prometheus: { scrapeInterval: 1s }' },
  packages: ['prom-client'],
  // Grafana Cloud bills active series: each instance exposes its own.
  bill: ({ measure, hosts, options, pricing }) => grafanaSeriesBill((measure.series ?? 0) * hosts, pricing, options.scrapeIntervalSeconds ?? 15),
  claims: [minimalOverheadClaim],
  entrySchema,
  matches: (entry) => typeof entry === 'object' && entry !== null && 'prometheus' in entry,
  expand(entry, ctx) {
    const o = (entry as z.output<typeof entrySchema>).prometheus;
    const agent = resolveAgent('prom-client', ctx, tested);
    return [{
      name: o.name ?? 'prometheus',
      kind: 'prometheus',
      preloads: [join(packageRoot, 'preloads', 'prometheus.cjs')],
      // prom-client hooks no module: a --require preload serves ES module apps too.
      loading: '--require of a file that registers prom-client\'s metrics (CommonJS and ESM alike)',
      env: {
        APM_BENCH_PROMETHEUS_MODULE: agent.dir,
        APM_BENCH_PROMETHEUS_OPTIONS: JSON.stringify({ defaultMetrics: o.defaultMetrics, buckets: o.buckets, path: o.path }),
      },
      nodeOptions: [],
      options: { scrapeIntervalMs: o.scrapeInterval, defaultMetrics: o.defaultMetrics, buckets: o.buckets },
      agent,
      createIntake: async () => startScraper(o.scrapeInterval, o.path),
      // Each scrape renders every series in the target: a lump per interval.
      periodsMs: [o.scrapeInterval],
      validate: (counts: IntakeCounts | undefined) =>
        (counts?.items.scrapes ?? 0) === 0
          ? [`/metrics was never scraped during the measured window (scrape interval ${o.scrapeInterval / 1000}s): lengthen workload.duration or shorten scrapeInterval`]
          : [],
    }];
  },
};
