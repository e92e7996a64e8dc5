import { removeTemporaryDirectory, temporaryDirectory } from '../cleanup.js';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { SoakSample } from '../samples/result.js';

export interface ProbeHello {
  pid: number;
  /** The process group the target runs in (targets are started as group leaders). */
  pgrp?: number;
  node: string;
  execArgv: string[];
}

export interface ProbeStats {
  pid: number;
  eventLoopUtilization: number;
  eventLoopDelayUs: { p50: number; p99: number; max: number; mean: number };
  gcPauseMsTotal: number;
  gcCount: number;
  heapUsedBytes: number;
  heapPeakBytes: number;
  externalBytes: number;
  processCpuUserUs: number;
  processCpuSystemUs: number;
  /** Mark → the window's end by the target's own clock (its end timer, or collect without one). */
  elapsedMs: number;
}

/** A connection from the probe inside one target process. */
export class ProbeConnection {
  private buffer = '';
  private waiters: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];

  constructor(private readonly socket: Socket, readonly hello: ProbeHello) {
    socket.on('data', (chunk) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      const message = JSON.parse(line) as Record<string, unknown>;
      const index = this.waiters.findIndex((waiter) => waiter.type === message.type);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
    }
  }

  private request(command: string, reply: string, timeoutMs: number, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the target's probe did not answer "${command}" within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ type: reply, resolve: (message) => { clearTimeout(timer); resolve(message); } });
      this.socket.write(`${JSON.stringify({ ...fields, type: command })}\n`);
    });
  }

  /** Starts the window; with `windowMs`, the probe ends it by its own clock that long after, whenever "collect" comes. */
  async mark(windowMs?: number): Promise<void> {
    await this.request('mark', 'marked', 5000, windowMs ? { windowMs } : {});
  }

  /** Soak windows: memory after a full GC the probe forces, and CPU since the mark. */
  async sample(): Promise<SoakSample> {
    const { type: _type, ...sample } = await this.request('sample', 'sample', 10_000);
    return sample as unknown as SoakSample;
  }

  async collect(): Promise<ProbeStats> {
    return (await this.request('collect', 'stats', 5000)) as unknown as ProbeStats;
  }
}

/** Listens on a private Unix socket; each target's probe connects and says hello. */
export class ProbeServer {
  private server: Server;
  private readonly dir = temporaryDirectory('apm-bench-');
  readonly path = join(this.dir, 'probe.sock');
  private listeners: Array<(connection: ProbeConnection) => void> = [];
  private sockets = new Set<Socket>();
  /** Open connections, so a listener that subscribes after a target said hello still hears it. */
  private connections = new Set<ProbeConnection>();

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let buffer = '';
      const onHello = (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const newline = buffer.indexOf('\n');
        if (newline < 0) return;
        socket.off('data', onHello);
        const hello = JSON.parse(buffer.slice(0, newline)) as ProbeHello & { type: string };
        const connection = new ProbeConnection(socket, hello);
        this.connections.add(connection);
        socket.on('close', () => this.connections.delete(connection));
        for (const listener of this.listeners) listener(connection);
      };
      socket.on('data', onHello);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  /**
   * Every connection, those already open included: a target can say hello before its side starts waiting (its partner
   * was still starting: a New Relic intake makes a TLS key first), and that hello was lost, failing the run.
   */
  onConnection(listener: (connection: ProbeConnection) => void): () => void {
    for (const connection of this.connections) listener(connection);
    this.listeners.push(listener);
    return () => { this.listeners = this.listeners.filter((l) => l !== listener); };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    removeTemporaryDirectory(this.dir);
  }
}
