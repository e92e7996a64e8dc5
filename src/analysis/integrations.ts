import type { InstrumentationReport } from '../samples/analysis.js';
import type { ResultDocument } from '../samples/result.js';

/**
 * Which library made a span, read from the vendor's own label of it (dd-trace's component, Sentry's origin,
 * OpenTelemetry's instrumentation scope, New Relic's segment name). Most specific first: "ioredis" before "redis".
 */
const LIBRARIES: ReadonlyArray<{ module: string; pattern: RegExp }> = [
  { module: 'fastify', pattern: /fastify/i },
  { module: 'pg', pattern: /\bpg\b|postgres/i },
  { module: 'mysql2', pattern: /mysql/i },
  { module: 'ioredis', pattern: /ioredis/i },
  { module: 'redis', pattern: /redis/i },
  { module: 'mongodb', pattern: /mongo/i },
  { module: 'knex', pattern: /knex/i },
  { module: 'undici', pattern: /undici|fetch/i },
  { module: 'http', pattern: /http|web\.request|WebTransaction/i },
];

/** The framework every request passes through: a missing framework integration is certain, a missing driver may be a route that never queries. */
const FRAMEWORKS = new Set(['fastify']);

/** The library a span label names, if any. */
export function libraryOf(label: string): string | undefined {
  return LIBRARIES.find((library) => library.pattern.test(label))?.module;
}

/**
 * Per agent config: how it was loaded, what it traced (spans per request by library, from its own payloads), and each
 * library the app depends on and the agent instruments out of the box that sent no span. Pure, over a result.
 */
export function instrumentationReports(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario'>): InstrumentationReport[] {
  const uses = result.scenario.target?.uses ?? [];
  const reports: InstrumentationReport[] = [];
  for (const config of result.configs) {
    if (config.name === result.scenario.baseline || !config.agent) continue;
    const runs = result.runs.filter((run) => run.config === config.name && run.status === 'measured' && run.intake?.spanNames);
    if (!runs.length) continue;
    // Per request, run by run: a run's spans per request over its spans is 1 / its requests in the window.
    const names: Record<string, number> = {};
    for (const run of runs) {
      if (run.status !== 'measured' || !run.intake?.spanNames) continue;
      const kind = Object.keys(run.intake.items).find((k) => (run.intake!.items[k] ?? 0) > 0);
      const perSpan = kind ? (run.intake.perRequest[kind] ?? 0) / run.intake.items[kind]! : 0;
      for (const [name, n] of Object.entries(run.intake.spanNames)) names[name] = (names[name] ?? 0) + (n * perSpan) / runs.length;
    }
    const byLibrary = new Map<string, number>();
    for (const [name, n] of Object.entries(names)) {
      const library = libraryOf(name);
      if (library) byLibrary.set(library, (byLibrary.get(library) ?? 0) + n);
    }
    const instruments = new Set(config.instruments ?? []);
    const label = `${config.agent.package}`;
    const missing = uses.filter((module) => instruments.has(module) && !byLibrary.has(module)).map((module) => ({
      module,
      framework: FRAMEWORKS.has(module),
      text: FRAMEWORKS.has(module)
        ? `${label}'s ${module} integration did not attach: none of its spans named ${module}, so the overhead is likely under-measured` +
          `${config.loading ? ` (loaded with ${config.loading})` : ''}.`
        : `${label} sent no ${module} spans although the app depends on ${module}: its integration did not attach, or no measured route uses it.`,
    }));
    reports.push({
      config: config.name,
      agent: label,
      ...(config.loading ? { loading: config.loading } : {}),
      spansPerRequest: runs.reduce((sum, run) => sum + (run.status === 'measured' ? run.intake?.perRequest.spans ?? 0 : 0), 0) / runs.length,
      namedPerRequest: Object.values(names).reduce((sum, n) => sum + n, 0),
      libraries: [...byLibrary].map(([module, n]) => ({ module, spansPerRequest: n })).sort((a, b) => b.spansPerRequest - a.spansPerRequest),
      spanNames: Object.entries(names).map(([name, n]) => ({ name, perRequest: n })).sort((a, b) => b.perRequest - a.perRequest).slice(0, 12),
      missing,
    });
  }
  return reports;
}

/** "dd-trace traced: fastify, pg, http (3 spans/request)"; an agent that sends no spans, by its named items ("1.0 named items/request, no spans"). */
export function tracedText(report: InstrumentationReport): string {
  const figure = (n: number) => (n >= 10 ? n.toFixed(0) : n.toPrecision(2));
  const count = report.spansPerRequest > 0 || report.namedPerRequest === 0
    ? `${figure(report.spansPerRequest)} spans/request`
    : `${figure(report.namedPerRequest)} named items/request, no spans`;
  return `${report.agent} traced: ${report.libraries.map((l) => l.module).join(', ') || 'nothing it could name'} (${count})`;
}
