import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { IntakeCounts } from './types.js';

export interface IntakeReply {
  status?: number;
  contentType?: string;
  body?: string | Buffer;
}

export type IntakeHandler = (request: IncomingMessage, body: Buffer, count: Counter) => IntakeReply;

/** One counted thing with the time the agent created it (a span's start, an event's timestamp). */
export interface TimedItem {
  kind: string;
  tMs: number;
  n?: number;
}

/**
 * Counts what an intake received, by the items' own timestamps: exporters ship
 * in batches (512 spans, every 2–5 s), so counting by arrival would quantise
 * spans/request to whole batches. An item counts when it was created inside
 * the measured window, whenever it arrives; a payload's bytes count pro rata.
 * Payloads without timestamps count by arrival time.
 */
export class Counter {
  private counts: IntakeCounts = { payloads: 0, payloadBytes: 0, items: {} };
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;
  private sawTimedItem = false;
  private sawItemAfterWindow = false;

  private inWindow(tMs: number): boolean {
    return tMs >= this.windowStart && tMs <= this.windowEnd;
  }

  /** A payload and the timed items decoded from it; `untimed` counts go with the payload's arrival. */
  payload(wireBytes: number, timed: readonly TimedItem[] = [], untimed: Record<string, number> = {}): void {
    let share: number;
    if (timed.length > 0) {
      const inside = timed.filter((item) => this.inWindow(item.tMs));
      for (const item of inside) this.add(item.kind, item.n ?? 1);
      if (inside.length) this.sawTimedItem = true;
      if (timed.some((item) => item.tMs > this.windowEnd)) this.sawItemAfterWindow = true;
      share = inside.length / timed.length;
    } else {
      share = this.inWindow(Date.now()) ? 1 : 0;
    }
    if (share > 0) {
      this.counts.payloads += share;
      this.counts.payloadBytes += wireBytes * share;
      for (const [kind, n] of Object.entries(untimed)) this.add(kind, n * share);
    }
  }

  add(kind: string, n = 1): void {
    this.counts.items[kind] = (this.counts.items[kind] ?? 0) + n;
  }

  startWindow(): void {
    this.counts = { payloads: 0, payloadBytes: 0, items: {} };
    this.windowStart = Date.now();
    this.windowEnd = Number.POSITIVE_INFINITY;
    this.sawTimedItem = false;
    this.sawItemAfterWindow = false;
  }

  endWindow(): void {
    this.windowEnd = Date.now();
  }

  caughtUp(): boolean {
    return this.windowEnd !== Number.POSITIVE_INFINITY && (!this.sawTimedItem || this.sawItemAfterWindow);
  }

  snapshot(): IntakeCounts {
    return { payloads: this.counts.payloads, payloadBytes: Math.round(this.counts.payloadBytes), items: { ...this.counts.items } };
  }
}

/** The Intake methods that a Counter answers directly. */
export function counterWindow(counter: Counter) {
  return {
    startWindow: () => counter.startWindow(),
    endWindow: () => counter.endWindow(),
    caughtUp: () => counter.caughtUp(),
    snapshot: () => counter.snapshot(),
  };
}

/** The request body as the agent meant it (gzip/deflate undone). */
export function decodeBody(request: IncomingMessage, raw: Buffer): Buffer {
  const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  return raw;
}

/**
 * An HTTP server on 127.0.0.1 (never another interface) that reads each body
 * whole and lets a vendor handler decode and count it. A handler that throws
 * answers 400 and counts a `decodeErrors` item, so a wire-format mismatch shows
 * up in the result instead of silently counting zero.
 */
export async function startHttpIntake(handler: IntakeHandler): Promise<{ port: number; counter: Counter; close: () => Promise<void> }> {
  const counter = new Counter();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      let reply: IntakeReply;
      try {
        reply = handler(request, raw, counter);
      } catch (error) {
        counter.add('decodeErrors');
        reply = { status: 400, contentType: 'text/plain', body: `apm-bench intake: ${(error as Error).message}` };
      }
      const body = reply.body ?? '';
      response.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    counter,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
