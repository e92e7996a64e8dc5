import { request } from 'undici';
import type { LoadedScenario } from '../scenario/load.js';
import { rateLimitHeaders, rateLimitSettings } from './discover.js';
import { startDownstreamStub } from './downstream.js';
import { sanitizeEnv } from '../instrument/env.js';
import { logIn } from './login.js';
import { freePort } from './ports.js';
import { ProbeServer } from './probe-server.js';
import { listeningPids, processGroupPids } from './procfs.js';
import { toWireRequest } from './route-mix.js';
import { buildLaunch, TargetFailure, TargetProcess } from './target.js';

/** How many times each route is sent: enough for a limit of a few requests a minute to show. */
const SENDS_PER_ROUTE = 3;

export interface PreflightRoute {
  route: string;
  statuses: Array<number | 'no answer'>;
}

export type Preflight =
  | { ok: true; routes: PreflightRoute[] }
  | { ok: false; routes: PreflightRoute[]; problems: string[] };

/**
 * Start the baseline once, as a run would, and send every route a few times: refuse (with the route, its status and
 * what to do) what would fail every run of the session, before a minute of load is spent on it. A rate limit, a route
 * that needs a login, a 5xx, a start command that does not start, or one whose listening process is not the one
 * started (a wrapper such as tsx or nodemon) are the scenario's problems, not an agent's.
 */
export async function preflight(loaded: LoadedScenario): Promise<Preflight> {
  const baseline = loaded.configs.find((config) => config.name === loaded.scenario.baseline)!;
  const probes = new ProbeServer();
  await probes.listen();
  const downstream = await startDownstreamStub();
  const port = loaded.target.fixedPort ?? (await freePort());
  const target = TargetProcess.start(buildLaunch({
    target: loaded.target, config: baseline, baseEnv: sanitizeEnv(process.env).env, port, probeSocket: probes.path,
    extraEnv: { DOWNSTREAM_URL: downstream.url },
  }));
  const routes: PreflightRoute[] = [];
  const problems: string[] = [];
  try {
    try {
      await target.waitUntilReady(port, loaded.target.readyPath, loaded.target.readyTimeoutMs, probes);
    } catch (error) {
      if (!(error instanceof TargetFailure)) throw error;
      const tail = error.stderrTail ? `; its last output:\n${error.stderrTail}` : '';
      return { ok: false, routes, problems: [`target: ${error.message}${tail}`] };
    }
    // The process that listens must be the one started (and measured), not a child a wrapper started.
    const listening = listeningPids(port, processGroupPids(target.pid!));
    if (listening.length && !listening.includes(target.pid!)) {
      problems.push(`target: the process started (pid ${target.pid}) is not the one listening on the app's port (pid ${listening.join(', ')}): the ` +
        'command starts the app through a wrapper (tsx, nodemon, a script that spawns node), so a run would measure the wrong process. Give the ' +
        'command that runs node itself, e.g. "node dist/server.js" after your build, or "node --import tsx src/server.ts".');
    }
    const baseUrl = `http://127.0.0.1:${port}`;
    const workload = loaded.scenario.workload;
    let credential: Record<string, string> = {};
    if (workload.login) {
      try {
        credential = await logIn(baseUrl, workload.login, 10_000);
      } catch (error) {
        return { ok: false, routes, problems: [(error as Error).message] };
      }
    }
    const seen = new Set<string>();
    for (const route of workload.routes) {
      const name = `${route.method} ${route.path}`;
      if (seen.has(name)) continue;
      seen.add(name);
      const statuses: PreflightRoute['statuses'] = [];
      let limitHeaders = '';
      // The request exactly as the load generator would send it.
      const wire = toWireRequest(route);
      const headers = { ...(wire.headers ?? {}), ...(wire.auth ? credential : {}) };
      for (let i = 0; i < SENDS_PER_ROUTE; i++) {
        try {
          const response = await request(`${baseUrl}${wire.path}`, { method: wire.method, headers, body: wire.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
          await response.body.dump();
          statuses.push(response.statusCode);
          if (response.statusCode === 429) {
            limitHeaders = Object.entries(rateLimitHeaders(response.headers)).map(([h, v]) => `${h}: ${v}`).join(', ');
          }
        } catch {
          statuses.push('no answer');
        }
      }
      routes.push({ route: name, statuses });
      const problem = routeProblem(loaded, route, statuses, limitHeaders);
      if (problem) problems.push(`workload.routes: ${name} ${problem}`);
    }
  } finally {
    await target.stop();
    await downstream.close();
    await probes.close();
  }
  return problems.length ? { ok: false, routes, problems } : { ok: true, routes };
}

function routeProblem(loaded: LoadedScenario, route: LoadedScenario['scenario']['workload']['routes'][number], statuses: PreflightRoute['statuses'],
  limitHeaders: string): string | undefined {
  const bad = statuses.find((status) => (route.expectStatus !== undefined ? status !== route.expectStatus : status === 'no answer' || status >= 400));
  if (bad === undefined) return undefined;
  const answered = `answered ${statuses.join(', ')} to ${statuses.length} requests`;
  if (bad === 'no answer') return `${answered}: the app closed the connection or took more than 10 s`;
  if (bad === 429) {
    const envFile = loaded.target.envFile ? [loaded.target.envFile.path] : [];
    const settings = rateLimitSettings(loaded.target.cwd, [...envFile, '.env', '.env.example', '.env.sample'])?.names ?? [];
    return `${answered}: the app's rate limit${limitHeaders ? ` (${limitHeaders})` : ''}, which would answer instead of the app. Lift it for the bench in ` +
      `target.env${settings.length ? `, e.g. target.env: { ${settings.map((name) => `${name}: "1000000"`).join(', ')} }` : ' with the app\'s own setting'}.`;
  }
  if (bad === 401 || bad === 403) {
    return route.auth
      ? `${answered} even with the credential from workload.login: check the login step and the header the app reads.`
      : `${answered}: it needs a credential. Add workload.login and mark the route auth: true.`;
  }
  if (route.expectStatus !== undefined) return `${answered}, not the ${route.expectStatus} its expectStatus says.`;
  if (bad >= 500) return `${answered}: a server error before any agent is loaded (is its database up, its .env complete?).`;
  return `${answered}: fix its path, method or body (or give expectStatus if that status is what it should answer).`;
}
