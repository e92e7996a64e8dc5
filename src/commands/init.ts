import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ExitCode, InputError, UserError, writeFileReplacing } from '../errors.js';
import { adapters } from '../instrument/registry.js';
import { resolvePackageVersion } from '../instrument/resolve-agent.js';
import { packageRoot } from '../paths.js';
import { answerOf, discoverApp, rateLimitSettings, type Discovery } from '../run/discover.js';
import { sanitizeEnv } from '../instrument/env.js';
import { activeRouteCount, draftScenario, fillParams, sampleFromSchema, type AppFacts, type RouteFinding } from '../scenario/draft.js';
import { loadScenario } from '../scenario/load.js';

export interface InitRequest {
  /** The app's directory (default: the current one). */
  app: string;
  /** Where to write the scenario (default: <app>/apm-bench.yaml). */
  output?: string;
  /** Values for route parameters: { id: "42" }. */
  params: Record<string, string>;
  /** Start it with this command instead of what init detects. */
  command?: string;
  force?: boolean;
  /** How long the app may take to answer (ms). */
  timeoutMs: number;
}

export interface InitOutcome {
  file: string;
  facts: AppFacts;
  /** What the user should know: routes left out and why, PORT/HOST, agents. */
  notes: string[];
  /** The written scenario passed validate, or why not. */
  validation: { ok: true; configs: string[] } | { ok: false; error: string };
  /** Routes the mix sends as they are; 0 means its one route is a placeholder, so the scenario is not ready to run. */
  activeRoutes: number;
}

const READY_CANDIDATES = ['/healthz', '/health', '/livez', '/readyz', '/ping', '/status'];

/**
 * `apm-bench init`:
 *   1. find how the app starts (package.json start/main, a built dist/ for TypeScript)
 *   2. read whether it honours PORT and HOST, and which agents it has installed
 *   3. start it once with a preload that records Fastify's onRoute events; try each GET route once
 *   4. write a starter scenario, every guess commented
 *   5. validate it, as a run would
 */
export async function initScenario(request: InitRequest): Promise<InitOutcome> {
  const appDir = resolve(request.app);
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) throw new InputError(`init: ${request.app} is not a directory; give the directory of your app.`);
  const file = resolve(request.output ?? join(appDir, 'apm-bench.yaml'));
  if (existsSync(file) && !request.force) throw new InputError(`init: ${file} exists; pass --force to overwrite it, or --output another file.`);
  const manifest = readManifest(appDir);
  const start = request.command ? { kind: 'command' as const, command: request.command } : detectStart(appDir, manifest);
  const honours = readsPortAndHost(appDir, start);
  // The app's settings, as its start script would load them (vendor keys removed, as from the shell).
  const dotenv = existsSync(join(appDir, '.env')) ? sanitizeEnv(parseEnv(readFileSync(join(appDir, '.env'), 'utf8'))).env : undefined;
  const env = dotenv ?? {};
  const launch = start.kind === 'module'
    ? { argv: [process.execPath, start.script], cwd: appDir, env, viaNodeOptions: false }
    : { argv: start.command.split(/\s+/).filter(Boolean), cwd: appDir, env, viaNodeOptions: true };
  const { discovery, value: routes } = await discoverApp(launch, READY_CANDIDATES, request.timeoutMs, (baseUrl, found) => probe(baseUrl, found, request.params));
  if (!routes) throw new UserError(`init: ${notUpText(appDir, discovery, request.timeoutMs, dotenv !== undefined)}`, ExitCode.runBroke);
  if (discovery.routes.length === 0) {
    throw new UserError('init: the app answered, but no Fastify route was recorded: is it a Fastify (v4.21 or later) app, started by this command?', ExitCode.runBroke);
  }
  const facts: AppFacts = {
    name: (manifest.name ?? basename(appDir)).replace(/^@[^/]+\//, ''),
    start,
    cwd: relative(dirname(file), appDir) || '.',
    ...(discovery.readyPath ? { readyPath: discovery.readyPath } : {}),
    honours,
    ...(dotenv ? { envFile: '.env' } : {}),
    ...(discovery.lastAnswer ? { warmingUp: discovery.lastAnswer } : {}),
    rateLimitEnv: rateLimitEnv(appDir, routes),
    login: loginKind(manifest),
    agents: installedAgents(appDir),
    defaultEntries: adapters.flatMap((a) => (a.starter?.byDefault ? [a.starter.entry] : [])),
    routes,
    writtenAt: new Date().toISOString().slice(0, 10),
  };
  writeFileReplacing(file, draftScenario(facts));
  return { file, facts, notes: notesFor(facts), validation: validate(file), activeRoutes: activeRouteCount(facts) };
}

interface Manifest { name?: string; main?: string; scripts?: Record<string, string>; dependencies?: Record<string, string> }

function readManifest(appDir: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

/** Why the app never answered: how it exited and what it printed, or the deadline, with the likely fix. */
function notUpText(appDir: string, discovery: Discovery, timeoutMs: number, readDotenv: boolean): string {
  const tail = discovery.outputTail ? ` Its last output:\n${discovery.outputTail.split('\n').slice(-15).join('\n')}` : '';
  const example = ['.env.example', '.env.sample', '.env.template'].find((f) => existsSync(join(appDir, f)));
  const hint = !readDotenv && example ? ` It has ${example} but no .env: copy it to .env with settings for this machine (init and runs read .env).` : '';
  if (discovery.exit) {
    const how = discovery.exit.signal ? `was killed by ${discovery.exit.signal}` : `exited with code ${discovery.exit.code}`;
    return `the app ${how} before it answered on PORT ${discovery.port}.${hint}${tail}`;
  }
  return `the app did not answer on PORT ${discovery.port} (HOST 127.0.0.1) within ${timeoutMs / 1000} s. It must listen on process.env.PORT and ` +
    `process.env.HOST.${hint}${tail}`;
}

/**
 * The app's own setting that lifts its rate limit, when a route answered 429: a variable named like RATE_LIMIT in its .env
 * or .env.example, set high for the bench (an agent's overhead is measured on the app's work, not on its limiter).
 */
function rateLimitEnv(appDir: string, routes: readonly RouteFinding[]): AppFacts['rateLimitEnv'] {
  if (!routes.some((r) => r.status === 429)) return undefined;
  const found = rateLimitSettings(appDir);
  return found ? { from: found.from, env: Object.fromEntries(found.names.map((name) => [name, '1000000'])) } : { env: {} };
}

/** A session cookie or a bearer token, from the libraries the app depends on. */
function loginKind(manifest: Manifest): AppFacts['login'] {
  const deps = Object.keys(manifest.dependencies ?? {});
  if (deps.some((d) => ['@fastify/session', '@fastify/secure-session', '@fastify/passport', 'express-session'].includes(d))) return 'cookie';
  if (deps.some((d) => ['@fastify/jwt', 'jsonwebtoken', 'jose', 'fast-jwt'].includes(d))) return 'bearer';
  return undefined;
}

/** The start script when it is plain `node <file>`; a built output for TypeScript; else `main` or a usual entry file. */
function detectStart(appDir: string, manifest: ReturnType<typeof readManifest>): AppFacts['start'] {
  const fromStart = /^node\s+(?:--\S+\s+)*(\S+\.[cm]?js)\b/.exec(manifest.scripts?.start ?? '')?.[1];
  const typescript = existsSync(join(appDir, 'tsconfig.json'));
  const outDir = typescript ? tsOutDir(appDir) : undefined;
  const candidates = [
    fromStart,
    manifest.main,
    ...(outDir ? ['server.js', 'index.js', 'main.js', 'app.js'].map((f) => `${outDir}/${f}`) : []),
    'server.js', 'index.js', 'app.js', 'main.js', 'src/server.js', 'src/index.js',
  ].filter((f): f is string => Boolean(f) && /\.[cm]?js$/.test(f!));
  const found = candidates.find((f) => existsSync(join(appDir, f)));
  if (!found) {
    const built = typescript ? ` It has a tsconfig.json: build it first (npm run build), so ${outDir ?? 'dist'}/ holds the JavaScript to start.` : '';
    throw new InputError(`init: cannot tell how ${appDir} starts: no "node <file>" start script, no main, and none of ${candidates.slice(0, 6).join(', ')} exists.` +
      `${built} Or give it: apm-bench init --command "node dist/server.js".`);
  }
  // Built TypeScript starts by command, as in production; plain JavaScript is loaded as a module with the flags apm-bench sets.
  return outDir && found.startsWith(`${outDir}/`) ? { kind: 'command', command: `node ${found}` } : { kind: 'module', script: found };
}

function tsOutDir(appDir: string): string {
  try {
    // tsconfig allows comments; a crude strip is enough to find outDir.
    const text = readFileSync(join(appDir, 'tsconfig.json'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    const outDir = /"outDir"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    return (outDir ?? 'dist').replace(/^\.\//, '').replace(/\/$/, '');
  } catch {
    return 'dist';
  }
}

/** Whether the entry file or the app's sources (src/, at most 300 files) mention PORT and HOST. */
function readsPortAndHost(appDir: string, start: AppFacts['start']): AppFacts['honours'] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (files.length >= 300 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  if (start.kind === 'module') files.push(join(appDir, start.script));
  walk(join(appDir, 'src'));
  if (files.length === 0) walk(appDir);
  const text = files.map((f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } }).join('\n');
  return { port: /\bPORT\b/.test(text), host: /\bHOST\b/.test(text) };
}

/** Agents the app itself has installed (not apm-bench's own copies), as the entries init proposes. */
function installedAgents(appDir: string): AppFacts['agents'] {
  return adapters.flatMap((adapter) => {
    const pkg = adapter.packages[0];
    const found = pkg && adapter.starter ? resolvePackageVersion(pkg, appDir) : undefined;
    if (!found || found.dir.startsWith(`${packageRoot}/`)) return [];
    return [{ entry: adapter.starter!.entry, package: pkg!, version: found.version }];
  });
}

/** Each recorded route with its path filled in and, for GET, the status one request got. HEAD and OPTIONS are Fastify's own. */
async function probe(baseUrl: string, discovery: Discovery, params: Record<string, string>): Promise<RouteFinding[]> {
  const seen = new Set<string>();
  const findings: RouteFinding[] = [];
  for (const route of discovery.routes) {
    const key = `${route.method} ${route.url}`;
    if (seen.has(key) || ['HEAD', 'OPTIONS'].includes(route.method) || route.url.includes('*')) continue;
    seen.add(key);
    const { path, missing } = fillParams(route.url, params);
    const body = route.bodySchema !== undefined ? sampleFromSchema(route.bodySchema) : undefined;
    const answer = route.method === 'GET' && path ? await settledAnswer(baseUrl, path) : undefined;
    findings.push({ method: route.method, url: route.url, ...(path ? { path } : {}), missing, ...(body !== undefined ? { body } : {}),
      ...(answer ? { status: answer.status } : {}), ...(answer?.status === 429 ? { rateLimit: answer.rateLimit } : {}) });
  }
  return findings;
}

/** A GET's answer once it is not a 5xx, asking up to 4 times over about 2 s: a 503 right after start is not the route's answer. */
async function settledAnswer(baseUrl: string, path: string): Promise<Awaited<ReturnType<typeof answerOf>>> {
  let answer = await answerOf(baseUrl, path);
  for (let attempt = 1; attempt < 4 && (answer === undefined || answer.status >= 500); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 600));
    answer = await answerOf(baseUrl, path);
  }
  return answer;
}

function notesFor(facts: AppFacts): string[] {
  const notes: string[] = [];
  const active = facts.routes.filter((r) => r.method === 'GET' && r.path && r.status !== undefined && r.status < 400 && r.url !== facts.readyPath);
  notes.push(`${facts.routes.length} routes found; ${active.length} GET routes in the mix (${active.map((r) => r.path).join(', ') || 'none'}).`);
  if (facts.envFile) notes.push(`Read ${facts.envFile}: the scenario's target.envFile loads it for every run (its values stay out of results and reports).`);
  if (facts.warmingUp) notes.push(`Every answer while waiting was 5xx (last: ${facts.warmingUp.path} ${facts.warmingUp.status}): is its database up?`);
  const limited = facts.routes.filter((r) => r.status === 429);
  if (limited.length) {
    const headers = Object.entries(limited[0]!.rateLimit ?? {}).map(([name, value]) => `${name}: ${value}`).join(', ');
    const lift = Object.keys(facts.rateLimitEnv?.env ?? {});
    notes.push(`${limited.map((r) => r.path).join(', ')} answered 429: the app's rate limit${headers ? ` (${headers})` : ''}. ` + (lift.length
      ? `target.env sets ${lift.join(', ')} (from ${facts.rateLimitEnv!.from}) high for the bench, so the limiter does not answer instead of the app.`
      : 'Lift it for the bench with the app\'s own setting in target.env, or every request past the limit measures the limiter.'));
  }
  const auth = facts.routes.filter((r) => r.status === 401 || r.status === 403);
  if (auth.length) notes.push(`${auth.map((r) => r.path).join(', ')} answered ${auth[0]!.status} without a credential: fill in workload.login and uncomment them.`);
  const missing = facts.routes.filter((r) => r.missing.length);
  const names = [...new Set(missing.flatMap((r) => r.missing))];
  if (missing.length) notes.push(`${missing.map((r) => r.url).join(', ')} need parameter values: --params ${names.map((m) => `${m}=…`).join(',')}`);
  const writes = facts.routes.filter((r) => r.method !== 'GET');
  if (writes.length) {
    notes.push(`${writes.map((r) => `${r.method} ${r.url}`).join(', ')}: written commented out, with a sample body from the route's schema; init never sends them.`);
  }
  const unread = [!facts.honours.port && 'PORT', !facts.honours.host && 'HOST'].filter(Boolean);
  if (unread.length) notes.push(`The source does not mention ${unread.join(' or ')}: the app must listen on both.`);
  notes.push(facts.agents.length ? `Agents in your app: ${facts.agents.map((a) => `${a.package} ${a.version}`).join(', ')}.`
    : 'No agent is installed in your app: the scenario measures dd-trace and OpenTelemetry at the versions apm-bench is tested with, from its agent ' +
      'cache (installed on the first run, never into your app), until you install yours.');
  return notes;
}

function validate(file: string): InitOutcome['validation'] {
  try {
    const loaded = loadScenario(file);
    return { ok: true, configs: loaded.configs.map((c) => c.name) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
