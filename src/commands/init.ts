import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ExitCode, InputError, UserError } from '../errors.js';
import { adapters } from '../instrument/registry.js';
import { resolvePackageVersion } from '../instrument/resolve-agent.js';
import { packageRoot } from '../paths.js';
import { discoverApp, statusOf, type Discovery } from '../run/discover.js';
import { draftScenario, fillParams, sampleFromSchema, type AppFacts, type RouteFinding } from '../scenario/draft.js';
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
  const launch = start.kind === 'module'
    ? { argv: [process.execPath, start.script], cwd: appDir, env: {}, viaNodeOptions: false }
    : { argv: start.command.split(/\s+/).filter(Boolean), cwd: appDir, env: {}, viaNodeOptions: true };
  const { discovery, value: routes } = await discoverApp(launch, READY_CANDIDATES, request.timeoutMs, (baseUrl, found) => probe(baseUrl, found, request.params));
  if (!routes) {
    throw new UserError(`init: the app did not answer on PORT ${discovery.port} (HOST 127.0.0.1) within ${request.timeoutMs / 1000} s. It must listen on ` +
      `process.env.PORT and process.env.HOST.${discovery.outputTail ? ` Its last output:\n${discovery.outputTail}` : ''}`, ExitCode.runBroke);
  }
  if (discovery.routes.length === 0) {
    throw new UserError('init: the app answered, but no Fastify route was recorded: is it a Fastify (v4.21 or later) app, started by this command?', ExitCode.runBroke);
  }
  const facts: AppFacts = {
    name: (manifest.name ?? basename(appDir)).replace(/^@[^/]+\//, ''),
    start,
    cwd: relative(dirname(file), appDir) || '.',
    ...(discovery.readyPath ? { readyPath: discovery.readyPath } : {}),
    honours,
    agents: installedAgents(appDir),
    defaultEntries: adapters.flatMap((a) => (a.starter?.byDefault ? [a.starter.entry] : [])),
    routes,
    writtenAt: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(file, draftScenario(facts));
  return { file, facts, notes: notesFor(facts), validation: validate(file) };
}

function readManifest(appDir: string): { name?: string; main?: string; scripts?: Record<string, string> } {
  try {
    return JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { name?: string; main?: string; scripts?: Record<string, string> };
  } catch {
    return {};
  }
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
    const status = route.method === 'GET' && path ? await statusOf(baseUrl, path) : undefined;
    findings.push({ method: route.method, url: route.url, ...(path ? { path } : {}), missing, ...(body !== undefined ? { body } : {}),
      ...(status !== undefined ? { status } : {}) });
  }
  return findings;
}

function notesFor(facts: AppFacts): string[] {
  const notes: string[] = [];
  const active = facts.routes.filter((r) => r.method === 'GET' && r.path && r.status !== undefined && r.status < 400 && r.url !== facts.readyPath);
  notes.push(`${facts.routes.length} routes found; ${active.length} GET routes in the mix (${active.map((r) => r.path).join(', ') || 'none'}).`);
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
    : 'No agent is installed in your app: the scenario measures apm-bench\'s own dd-trace and OpenTelemetry until you install yours.');
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
