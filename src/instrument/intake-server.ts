import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { IntakeFault } from './fault.js';
import type { IntakeCounts } from './types.js';

export interface IntakeReply {
  status?: number;
  contentType?: string;
  body?: string | Buffer;
  /**
   * Decode and count the payload, later: run when the counts are read, never
   * while load is being sent, so decoding a large batch cannot stall the load
   * generator on the same thread.
   */
  decode?: (count: Counter) => void;
}

/** Route a request and answer it at once (without decoding); `decode` does the counting later. */
export type IntakeHandler = (request: IncomingMessage, body: Buffer, count: Counter) => IntakeReply;

/** One counted thing with the time the agent created it (a span's start, an event's timestamp). */
export interface TimedItem {
  kind: string;
  tMs: number;
  n?: number;
  /** For spans: what made each (its name and integration, as the vendor labels them), counted in spanNames. */
  names?: readonly string[];
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
  private spanNames: Record<string, number> = {};
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;
  private sawTimedItem = false;
  private sawItemAfterWindow = false;

  /**
   * @param harvestMs how long the agent may hold items before it sends them (New Relic
   * harvests every 5 s): until then, having seen nothing from the window proves nothing.
   */
  constructor(private readonly harvestMs = 0) {}

  private inWindow(tMs: number): boolean {
    return tMs >= this.windowStart && tMs <= this.windowEnd;
  }

  /** Set while deferred payloads are decoded: untimed items count by when they arrived, not by now. */
  arrivedMs: number | undefined;

  /** A payload and the timed items decoded from it; `untimed` counts go with the payload's arrival. */
  payload(wireBytes: number, timed: readonly TimedItem[] = [], untimed: Record<string, number> = {}): void {
    let share: number;
    if (timed.length > 0) {
      const inside = timed.filter((item) => this.inWindow(item.tMs));
      for (const item of inside) {
        this.add(item.kind, item.n ?? 1);
        for (const name of item.names ?? []) this.spanNames[name] = (this.spanNames[name] ?? 0) + 1;
      }
      if (inside.length) this.sawTimedItem = true;
      if (timed.some((item) => item.tMs > this.windowEnd)) this.sawItemAfterWindow = true;
      share = inside.length / timed.length;
    } else {
      share = this.inWindow(this.arrivedMs ?? Date.now()) ? 1 : 0;
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
    this.spanNames = {};
    this.windowStart = Date.now();
    this.windowEnd = Number.POSITIVE_INFINITY;
    this.sawTimedItem = false;
    this.sawItemAfterWindow = false;
  }

  endWindow(): void {
    this.windowEnd = Date.now();
  }

  caughtUp(): boolean {
    if (this.windowEnd === Number.POSITIVE_INFINITY) return false;
    return this.sawItemAfterWindow || (!this.sawTimedItem && Date.now() >= this.windowEnd + this.harvestMs);
  }

  snapshot(): IntakeCounts {
    return {
      payloads: this.counts.payloads, payloadBytes: Math.round(this.counts.payloadBytes), items: { ...this.counts.items },
      ...(Object.keys(this.spanNames).length ? { spanNames: { ...this.spanNames } } : {}),
    };
  }
}

/** The Intake methods that a Counter answers directly, after decoding whatever is pending. */
export function counterWindow(counter: Counter, pending: () => void = () => {}, dropPending: () => void = () => {}) {
  return {
    // What arrived before the window was created before it: nothing to count, nothing to decode.
    startWindow: () => { dropPending(); counter.startWindow(); },
    endWindow: () => counter.endWindow(),
    caughtUp: () => { pending(); return counter.caughtUp(); },
    snapshot: () => { pending(); return counter.snapshot(); },
  };
}

/** The request body as the agent meant it (gzip/deflate undone), given the content-encoding header. */
export function decodeBody(contentEncoding: string | undefined, raw: Buffer): Buffer {
  const encoding = String(contentEncoding ?? '').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  return raw;
}

const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * An HTTP server on 127.0.0.1 (never another interface) that reads each body
 * whole, answers at once, and keeps the body for its vendor decoder, which
 * runs when the counts are read (`decodePending`). A decoder that throws
 * counts a `decodeErrors` item, so a wire-format mismatch shows up in the
 * result instead of silently counting zero.
 */
export interface HttpIntake {
  port: number;
  counter: Counter;
  /** Decode and count what has arrived; called when the counts are read. */
  decodePending: () => void;
  /** Forget what arrived before the window: created before it, it cannot count. */
  dropPending: () => void;
  close: () => Promise<void>;
}

export interface HttpIntakeOptions {
  /** How long the agent may hold items before sending them (see Counter). */
  harvestMs?: number;
  /** Serve HTTPS with this key and certificate, for agents that will not speak plain HTTP. */
  tls?: { key: string; cert: string };
  fault?: IntakeFault;
}

export async function startHttpIntake(handler: IntakeHandler, options: HttpIntakeOptions = {}): Promise<HttpIntake> {
  const counter = new Counter(options.harvestMs);
  const pending: Array<{ arrivedMs: number; decode: (count: Counter) => void }> = [];
  let pendingBytes = 0;
  const decodePending = () => {
    pendingBytes = 0;
    for (const item of pending.splice(0)) {
      counter.arrivedMs = item.arrivedMs;
      try {
        item.decode(counter);
      } catch {
        counter.add('decodeErrors');
      } finally {
        counter.arrivedMs = undefined;
      }
    }
  };
  const latencyMs = typeof options.fault === 'object' ? options.fault.latency : 0;
  const listener: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => (latencyMs > 0 ? setTimeout(answer, latencyMs) : answer()));
    const answer = () => {
      const raw = Buffer.concat(chunks);
      let reply: IntakeReply;
      try {
        reply = handler(request, raw, counter);
      } catch (error) {
        counter.add('decodeErrors');
        reply = { status: 400, contentType: 'text/plain', body: `apm-bench intake: ${(error as Error).message}` };
      }
      if (reply.decode) {
        pending.push({ arrivedMs: Date.now(), decode: reply.decode });
        pendingBytes += raw.length;
        // A long window must not hold unbounded payloads: past this, decode now and accept the stall.
        if (pendingBytes > MAX_PENDING_BYTES) decodePending();
      }
      const body = reply.body ?? '';
      response.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // Down: the port the agent was given now refuses every connection.
  if (options.fault === 'down') await new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port,
    counter,
    decodePending,
    dropPending: () => { pending.length = 0; pendingBytes = 0; },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      if (server.listening) server.close(() => resolve());
      else resolve();
    }),
  };
}
