/**
 * `apm-bench init`'s output, as a pure function of what it found out about the app: a starter scenario in YAML
 * whose every guess carries a comment saying where it came from, so a user can check it line by line.
 */

/** A route Fastify registered, and what sending it once said (GET routes only: a probe never writes). */
export interface RouteFinding {
  method: string;
  /** The pattern as registered: /items/:id. */
  url: string;
  /** The path to send, with parameters filled in; undefined when a parameter has no value yet. */
  path?: string;
  /** Parameters without a value. */
  missing: string[];
  /** A sample body built from the route's JSON schema. */
  body?: unknown;
  /** The status a GET answered (undefined: not probed, or no answer). */
  status?: number;
  /** A 429's rate-limit headers (RateLimit-*, X-RateLimit-*, Retry-After). */
  rateLimit?: Record<string, string>;
}

export interface AppFacts {
  /** The scenario's `name`. */
  name: string;
  /** How to start it, relative to `cwd`. */
  start: { kind: 'module'; script: string } | { kind: 'command'; command: string };
  /** The app's directory, relative to the scenario file. */
  cwd: string;
  readyPath?: string;
  /** Whether the source reads PORT and HOST (apm-bench sets both). */
  honours: { port: boolean; host: boolean };
  /** The app's .env, loaded by the scenario's target.envFile. */
  envFile?: string;
  /** Every answer while waiting for the app was 5xx: the last one. */
  warmingUp?: { path: string; status: number };
  /** A route answered 429: the app's own settings that lift its limit (from its .env or .env.example), when it has any. */
  rateLimitEnv?: { from?: string; env: Record<string, string> };
  /** How the app keeps a login: a session cookie or a bearer token, from its dependencies. */
  login?: 'cookie' | 'bearer';
  /** The agents installed in the app, as scenario entries ("datadog: { sampleRate: 1 }") with their package and version. */
  agents: Array<{ entry: string; package: string; version: string }>;
  /** Entries to propose when the app has no agent (apm-bench's own copies are measured). */
  defaultEntries: string[];
  routes: RouteFinding[];
  /** When and by what the file was written, for its header. */
  writtenAt: string;
}

/** Fill `:name` parameters from `params`; the ones without a value are returned as missing. */
export function fillParams(url: string, params: Readonly<Record<string, string>>): { path?: string; missing: string[] } {
  const missing: string[] = [];
  const path = url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_, name: string) => {
    if (params[name] === undefined) missing.push(name);
    return encodeURIComponent(params[name] ?? '');
  });
  return missing.length ? { missing } : { path, missing };
}

/** A body that satisfies a JSON schema's required fields and bounds: a starting point the user edits. */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (depth > 5) return null;
  if (s.examples && Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = (s.required ?? Object.keys(properties)) as string[];
      return Object.fromEntries(required.filter((key) => key in properties).map((key) => [key, sampleFromSchema(properties[key], depth + 1)]));
    }
    case 'array':
      return s.items ? [sampleFromSchema(s.items, depth + 1)] : [];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'string': {
      if (s.format === 'email') return 'bench@example.com';
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      const max = typeof s.maxLength === 'number' ? s.maxLength : 32;
      return 'example-value'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, 13)));
    }
    default:
      return 'example';
  }
}

/** A YAML flow value for a plain JSON value (JSON is valid YAML flow syntax). */
const flow = (value: unknown) => JSON.stringify(value);

const LOGIN_URL = /\/(log-?in|sign-?in|auth(enticate)?|sessions?|token)$/i;

/** The route lines, each with why it is in or out. */
function routeLines(facts: AppFacts): { lines: string[]; login?: RouteFinding; auth: boolean } {
  const lines: string[] = [];
  let auth = false;
  const login = facts.routes.find((r) => r.method !== 'GET' && LOGIN_URL.test(r.url));
  for (const route of facts.routes) {
    if (route.url === facts.readyPath) continue;
    const body = route.body !== undefined ? `, body: ${flow(route.body)}` : '';
    const weight = route.method === 'GET' && !route.missing.length ? 2 : 1;
    const line = (path: string, extra = '') => `{ method: ${route.method}, path: ${path}, weight: ${weight}${body}${extra} }`;
    if (route.missing.length) {
      const flag = route.missing.map((m) => `${m}=…`).join(',');
      lines.push(`    # - ${line(route.url)}   # needs a value for ${route.missing.map((m) => `:${m}`).join(', ')}: apm-bench init --params ${flag}`);
    } else if (route.method !== 'GET') {
      const why = route === login ? 'the login route: see workload.login above' : 'not sent by init (it may write); uncomment once it is safe to send many times';
      lines.push(`    # - ${line(route.path!)}   # ${why}`);
    } else if (route.status === 401 || route.status === 403) {
      auth = true;
      lines.push(`    # - ${line(route.path!, ', auth: true')}   # answered ${route.status} without a credential: uncomment with workload.login`);
    } else if (route.status === 429 && Object.keys(facts.rateLimitEnv?.env ?? {}).length) {
      lines.push(`    - ${line(route.path!)}   # answered 429 (the app's rate limit) when init tried it; target.env lifts the limit`);
    } else if (route.status === undefined || route.status >= 400) {
      lines.push(`    # - ${line(route.path!)}   # answered ${route.status ?? 'nothing'} when init tried it`);
    } else {
      lines.push(`    - ${line(route.path!)}`);
    }
  }
  return { lines, ...(login ? { login } : {}), auth };
}

/** How many routes the draft sends as they are: with none, its mix is a placeholder. */
export function activeRouteCount(facts: AppFacts): number {
  return routeLines(facts).lines.filter((l) => l.startsWith('    - ')).length;
}

export function draftScenario(facts: AppFacts): string {
  const { lines: routes, login, auth } = routeLines(facts);
  const active = routes.filter((l) => l.startsWith('    - ')).length;
  const lift = Object.entries(facts.rateLimitEnv?.env ?? {});
  const target = [
    ...(facts.start.kind === 'module' ? [`  module: ${facts.start.script}`] : [`  command: ${facts.start.command}   # built output: run your build before apm-bench`]),
    ...(facts.envFile ? [`  envFile: ${facts.envFile}   # the app's settings, as its start script loads them; values stay out of results`] : []),
    ...(lift.length ? [`  env: { ${lift.map(([k, v]) => `${k}: "${v}"`).join(', ')} }   # lifts the app's rate limit (${facts.rateLimitEnv!.from}) for the bench`] : []),
  ];
  const warnings = [
    ...(facts.honours.port ? [] : ['# WARNING: no PORT found in the source: the app must listen on process.env.PORT (apm-bench chooses a free port per target).']),
    ...(facts.honours.host ? [] : ['# WARNING: no HOST found in the source: the app should listen on process.env.HOST (apm-bench sets 127.0.0.1).']),
  ];
  const loginLines = auth || login
    ? [
      '  # Routes that answered 401/403 need a credential: log in once per target and mark them auth: true.',
      facts.login === 'cookie'
        ? `  # login: { method: ${login?.method ?? 'POST'}, path: ${login?.url ?? '/login'}, body: ${flow(login?.body ?? { username: 'bench', password: '…' })} }` +
          '   # a session cookie (the app uses sessions): no token, the cookies the answer sets are sent'
        : `  # login: { method: ${login?.method ?? 'POST'}, path: ${login?.url ?? '/login'}, body: ${flow(login?.body ?? { username: 'bench', password: '…' })}, token: token }` +
          `${facts.login === 'bearer' ? '   # a bearer token (the app signs JWTs): token is its path in the JSON answer' : ''}`,
    ]
    : [];
  const agents = facts.agents.length
    ? facts.agents.map((a) => `  - ${a.entry}   # ${a.package} ${a.version}, installed in your app: the version measured`)
    : [
      '  # Your app has no agent installed: the versions apm-bench is tested with are measured, from its agent cache. Install yours (npm i dd-trace) to measure yours.',
      ...facts.defaultEntries.map((entry) => `  - ${entry}`),
    ];
  return [
    '# yaml-language-server: $schema=./node_modules/apm-bench/scenario.schema.json',
    `# Written by apm-bench init on ${facts.writtenAt}. Every guess is commented: check the routes and their weights against`,
    '# your production traffic, then: npx apm-bench validate <this file> && npx apm-bench run <this file>',
    ...warnings,
    `name: ${facts.name}`,
    'target:',
    ...target,
    `  cwd: ${facts.cwd}   # relative to this file; the app starts here, and agents resolve from its node_modules`,
    `  readyPath: ${facts.readyPath ?? '/healthz'}   # ${facts.readyPath ? 'answered below 500 when init started the app' : 'no route answered: set the path of a health route'}`,
    'workload:',
    ...loginLines,
    '  routes:',
    ...routes,
    ...(active ? [] : ['    - { method: GET, path: / }   # init found no route it could send as it is: replace this']),
    '  rate: 100          # requests per second offered to each target; keep a pair under ~80% of one core',
    '  warmup: 0.5s',
    '  duration: 4s',
    '  latencyDuration: 0.5s',
    '  rounds: 4          # more rounds, narrower intervals ("apm-bench calibrate" says how many a budget needs)',
    'budgets:',
    '  "*": { errors: "+0.5%" }   # an agent that makes the app fail requests fails the gate',
    'instrumentations:',
    '  - name: none',
    ...agents,
    '',
  ].join('\n');
}
