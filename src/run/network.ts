import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { delimiter, join } from 'node:path';
import { destinationHost, isLoopbackHost } from '../instrument/egress.js';
import type { EnvironmentRecord } from '../samples/result.js';
import type { LoadedScenario } from '../scenario/load.js';

/**
 * The protection for what configuration cannot rule out (a preload's own code, an agent's undocumented call): the
 * session runs in a network namespace of its own, whose only interface is its own loopback. Generator, intakes and
 * targets share it, so nothing about the load path changes; nothing in it can reach another machine, nor this one's
 * other addresses. The services the app needs on this machine's loopback (PostgreSQL, Redis, MariaDB) are bridged in
 * by port, through Unix sockets, which a network namespace does not separate.
 */
export type NetworkRecord = NonNullable<EnvironmentRecord['network']>;

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether this machine can run the session in a loopback-only namespace, and if not, why not, in words. */
export function isolationAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: `network namespaces are Linux's; this is ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'unshare --net needs root (CAP_SYS_ADMIN); apm-bench runs as an unprivileged user' };
  if (!onPath('unshare') || !onPath('ip')) return { ok: false, why: 'unshare (util-linux) or ip (iproute2) is not installed' };
  return { ok: true };
}

/** Well-known ports of the servers a driver the app declares talks to, when its env names no port. */
const driverPorts: Record<string, number> = { pg: 5432, postgres: 5432, knex: 5432, mysql2: 3306, mysql: 3306, mariadb: 3306, ioredis: 6379, redis: 6379 };
const schemePorts: Record<string, number> = {
  postgres: 5432, postgresql: 5432, mysql: 3306, mariadb: 3306, redis: 6379, rediss: 6379, mongodb: 27017, amqp: 5672, nats: 4222, mqtt: 1883,
};

/** The loopback ports the app may need from this machine: ports in its env's loopback URLs, and its drivers' defaults. */
export function portsToBridge(loaded: Pick<LoadedScenario, 'target' | 'configs'>): number[] {
  const ports = new Set<number>();
  const envs = [loaded.target.env, loaded.target.envFile?.vars ?? {}, ...loaded.configs.map((c) => c.env)];
  for (const env of envs) {
    for (const [key, value] of Object.entries(env)) {
      if (/PORT$/i.test(key) && /^\d+$/.test(value) && !/^PORT$/i.test(key)) ports.add(Number(value));
      const host = destinationHost(value);
      if (!host || !isLoopbackHost(host) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
      try {
        const url = new URL(value);
        const port = url.port ? Number(url.port) : schemePorts[url.protocol.replace(/:$/, '')];
        if (port) ports.add(port);
      } catch { /* not a URL */ }
    }
  }
  for (const library of loaded.target.uses) if (driverPorts[library]) ports.add(driverPorts[library]);
  return [...ports].filter((port) => port > 0 && port < 65536).sort((a, b) => a - b);
}

function pipeServer(listen: (server: Server) => void, connect: () => ReturnType<typeof createConnection>): Server {
  const server = createServer((incoming) => {
    const outgoing = connect();
    incoming.pipe(outgoing).pipe(incoming);
    const close = () => { incoming.destroy(); outgoing.destroy(); };
    incoming.on('error', close);
    outgoing.on('error', close);
  });
  listen(server);
  return server;
}

const socketFor = (dir: string, port: number) => join(dir, `${port}.sock`);

/** Outside: a Unix socket per port, each connection carried to this machine's 127.0.0.1:port. */
export async function startHostBridges(dir: string, ports: readonly number[]): Promise<() => void> {
  const servers = await Promise.all(ports.map((port) => new Promise<Server>((resolve, reject) => {
    pipeServer((s) => s.listen(socketFor(dir, port), () => resolve(s)).once('error', reject), () => createConnection(port, '127.0.0.1'));
  })));
  return () => { for (const server of servers) server.close(); };
}

/** Inside: 127.0.0.1:port of the namespace, each connection carried out through the port's Unix socket. */
export async function startNamespaceBridges(dir: string, ports: readonly number[]): Promise<() => void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const servers = await Promise.all(ports.map((port) => new Promise<Server>((resolve, reject) => {
    pipeServer((s) => s.listen(port, '127.0.0.1', () => resolve(s)).once('error', reject), () => createConnection(socketFor(dir, port)));
  })));
  return () => { for (const server of servers) server.close(); };
}

export function namespaceNote(ports: readonly number[]): string {
  return 'loopback-only network namespace (unshare --net): generator, intakes and targets ran where no other machine, and none of this machine\'s other ' +
    `addresses, could be reached${ports.length ? `; bridged in from this machine's 127.0.0.1: ${ports.join(', ')}` : ''}`;
}
