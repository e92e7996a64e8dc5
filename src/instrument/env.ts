/**
 * Variables that could send telemetry to a real vendor or carry a real secret.
 * They are removed from the target's environment before any config adds its
 * own (loopback-only) settings, so a benchmark never exports anywhere else.
 */
const strippedPrefixes = [
  'DD_',
  'DATADOG_',
  'SENTRY_',
  'OTEL_',
  'NEW_RELIC_',
  'NEWRELIC_',
  'ELASTIC_APM_',
  'HONEYCOMB_',
  'LIGHTSTEP_',
  'GRAFANA_',
  'DT_',
  'APPDYNAMICS_',
  'INSTANA_',
];
const strippedNames = ['NODE_OPTIONS', 'APM_BENCH_PROBE'];

export function isStrippedVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return strippedNames.includes(upper) || strippedPrefixes.some((prefix) => upper.startsWith(prefix));
}

/** A copy of `env` without vendor credentials, endpoints or inherited node flags; lists what it removed. */
export function sanitizeEnv(env: NodeJS.ProcessEnv): { env: Record<string, string>; removed: string[] } {
  const clean: Record<string, string> = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isStrippedVariable(name)) removed.push(name);
    else clean[name] = value;
  }
  return { env: clean, removed: removed.sort() };
}
