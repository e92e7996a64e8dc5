import { removeTemporaryDirectory, temporaryDirectory } from '../cleanup.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { request } from 'undici';
import { packageRoot } from '../paths.js';
import { sanitizeEnv } from '../instrument/env.js';
import { freePort } from './ports.js';
import { killGroup, trackGroup, untrackGroup } from './processes.js';

/** A route as Fastify registered it (onRoute): its method, URL pattern and JSON body schema. */
export interface DiscoveredRoute {
  method: string;
  url: string;
  bodySchema?: unknown;
}

export interface Discovery {
  routes: DiscoveredRoute[];
  /** The first path that answered below 500 once the app listened, or undefined when none did. */
  readyPath?: string;
  port: number;
  /** What the app printed, for messages when it did not come up. */
  outputTail: string;
  /** The app exited before it was stopped: how. */
  exit?: { code: number | null; signal: string | null };
  /** The last answer while waiting, when every answer was 5xx (an app still warming up, or its database down). */
  lastAnswer?: { path: string; status: number };
}

const recorder = join(packageRoot, 'preloads', 'route-recorder.cjs');

/**
 * Start the app once as a run would (PORT and HOST set, vendor credentials stripped) with a preload that records
 * Fastify's onRoute events, wait until it answers, then stop it and its process group. `work` runs while it is up.
 */
export async function discoverApp<T>(
  launch: { argv: string[]; cwd: string; env: Record<string, string>; viaNodeOptions: boolean },
  readyCandidates: readonly string[],
  timeoutMs: number,
  work: (baseUrl: string, discovery: Discovery) => Promise<T>,
): Promise<{ discovery: Discovery; value?: T }> {
  const dir = temporaryDirectory('apm-bench-init-');
  const routesFile = join(dir, 'routes.jsonl');
  const port = await freePort();
  const { env: base } = sanitizeEnv(process.env);
  const preload = `--require ${recorder}`;
  const env = {
    ...base, NODE_ENV: 'production', ...launch.env, PORT: String(port), HOST: '127.0.0.1', APM_BENCH_ROUTES_FILE: routesFile,
    ...(launch.viaNodeOptions ? { NODE_OPTIONS: [base.NODE_OPTIONS, preload].filter(Boolean).join(' ') } : {}),
  };
  const argv = launch.viaNodeOptions ? launch.argv : [launch.argv[0]!, '--require', recorder, ...launch.argv.slice(1)];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: launch.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) trackGroup(child.pid);
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exit: Discovery['exit'];
  child.once('exit', (code, signal) => { exit = { code, signal }; });
  const read = (): DiscoveredRoute[] => (existsSync(routesFile) ? readFileSync(routesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    let readyPath: string | undefined;
    let lastAnswer: Discovery['lastAnswer'];
    // Ready is an answer below 500. A 503 is an app still warming up (a pool filling, under-pressure's first
    // samples): keep asking until the deadline rather than take one unlucky moment as final.
    while (!exit && Date.now() < deadline && !readyPath) {
      for (const path of [...readyCandidates, ...staticGets(read()).map((r) => r.url)]) {
        const status = await statusOf(baseUrl, path);
        if (status === undefined) break; // not listening yet
        if (status < 500) {
          readyPath = path;
          break;
        }
        lastAnswer = { path, status };
      }
      if (!readyPath) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const discovery: Discovery = {
      routes: read(), port, outputTail: output.trim(), ...(readyPath ? { readyPath } : {}), ...(exit ? { exit } : {}),
      ...(!readyPath && lastAnswer ? { lastAnswer } : {}),
    };
    if (!readyPath && !lastAnswer) return { discovery };
    return { discovery, value: await work(baseUrl, discovery) };
  } finally {
    await killGroup(child);
    if (child.pid) untrackGroup(child.pid);
    removeTemporaryDirectory(dir);
  }
}

/** GET routes without parameters or wildcards: the ones a route mix can send as they are. */
export function staticGets(routes: readonly DiscoveredRoute[]): DiscoveredRoute[] {
  return routes.filter((r) => r.method === 'GET' && !/[:*]/.test(r.url));
}

/** The status one GET of `path` answers; undefined when nothing answers (not listening yet, or no answer in 5 s). */
export async function statusOf(baseUrl: string, path: string): Promise<number | undefined> {
  return (await answerOf(baseUrl, path))?.status;
}

/** The rate-limit headers of an answer (IETF RateLimit fields, the X-RateLimit ones, Retry-After), by lower-case name. */
const RATE_LIMIT_HEADER = /^(x-)?ratelimit(-|$)|^retry-after$/i;

export function rateLimitHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => RATE_LIMIT_HEADER.test(name)).map(([name, value]) => [name, String(value)]));
}

/**
 * The app's own settings that look like its rate limit (RATE_LIMIT_MAX, RATE_LIMIT_PER_MINUTE…), from the first of
 * `files` (relative to the app) that has any: what the bench should set high, so the limiter does not answer instead
 * of the app.
 */
export function rateLimitSettings(appDir: string, files: readonly string[] = ['.env', '.env.example', '.env.sample']): { from: string; names: string[] } | undefined {
  for (const file of files) {
    const path = resolve(appDir, file);
    if (!existsSync(path)) continue;
    const names = Object.keys(parseEnv(readFileSync(path, 'utf8'))).filter((name) => /RATE_?LIMIT/i.test(name) && /MAX|LIMIT$|PER_|REQUESTS/i.test(name));
    if (names.length) return { from: file, names };
  }
  return undefined;
}

/** One GET of `path`: its status and any rate-limit headers; undefined when nothing answers. */
export async function answerOf(baseUrl: string, path: string): Promise<{ status: number; rateLimit: Record<string, string> } | undefined> {
  try {
    const response = await request(`${baseUrl}${path}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    await response.body.dump();
    return { status: response.statusCode, rateLimit: rateLimitHeaders(response.headers) };
  } catch {
    return undefined;
  }
}
