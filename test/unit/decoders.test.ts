import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeTracePayload, keptBytes } from '../../src/instrument/datadog.js';
import { decodeEnvelope } from '../../src/instrument/sentry.js';
import { countSeries } from '../../src/instrument/prometheus.js';
import { protobufSpanStartTimesMs } from '../../src/instrument/otlp-wire.js';
import { Counter } from '../../src/instrument/intake-server.js';

const totals = (items: Array<{ kind: string; n?: number }>) =>
  items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [item.kind]: (acc[item.kind] ?? 0) + (item.n ?? 1) }), {});

describe('datadog /v0.5 payloads (string table)', () => {
  it('counts spans, traces, kept traces and errors', () => {
    const strings = ['', 'svc', 'web.request', 'GET /', '_sampling_priority_v1'];
    const span = (start: bigint, error: number, priority?: number) =>
      [1, 2, 3, 1n, 2n, 0n, start, 1000n, error, {}, priority === undefined ? {} : { 4: priority }, 0];
    const payload = Buffer.from(encode([strings, [
      [span(2_000_000_000n, 0, 1), span(2_000_100_000n, 1)],
      [span(3_000_000_000n, 0, 0)],
    ]], { useBigInt64: true }));
    const items = decodeTracePayload('/v0.5/traces', payload);
    expect(totals(items)).toEqual({ traces: 2, spans: 3, keptTraces: 1, keptSpans: 2, errorSpans: 1 });
    expect(items[0]!.tMs).toBe(2000);
    // The kept trace holds 2 of the payload's 3 spans: two thirds of its wire bytes are what Datadog ingests.
    expect(keptBytes(items, 900)).toEqual([{ kind: 'keptBytes', tMs: 2000, n: 600 }]);
  });
});

describe('sentry envelopes', () => {
  it('reads items with and without a length header', () => {
    const transaction = JSON.stringify({ type: 'transaction', start_timestamp: 1.5, spans: [{}, {}] });
    const event = JSON.stringify({ timestamp: 2.5, exception: {} });
    const body = Buffer.from([
      JSON.stringify({ event_id: 'x' }),
      JSON.stringify({ type: 'transaction', length: Buffer.byteLength(transaction) }), transaction,
      JSON.stringify({ type: 'event' }), event,
      JSON.stringify({ type: 'client_report' }), '{}',
    ].join('\n'));
    const { timed, untimed } = decodeEnvelope(body);
    expect(totals(timed)).toEqual({ transactions: 1, spans: 3, errorEvents: 1 });
    expect(timed.find((i) => i.kind === 'errorEvents')!.tMs).toBe(2500);
    expect(untimed).toEqual({ 'other:client_report': 1 });
  });
});

describe('OTLP protobuf', () => {
  it('finds every span and its start time', () => {
    // Span { start_time_unix_nano (7, fixed64) = 5e9 }, nested as request.1 → resource_spans.2 → scope_spans.2.
    const start = Buffer.alloc(9);
    start[0] = (7 << 3) | 1;
    start.writeBigUInt64LE(5_000_000_000n, 1);
    const len = (field: number, body: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
    const scopeSpans = Buffer.concat([len(2, start), len(2, start)]);
    const request = len(1, len(2, scopeSpans));
    expect(protobufSpanStartTimesMs(request)).toEqual([5000, 5000]);
  });
});

describe('prometheus exposition', () => {
  it('counts sample lines, not comments', () => {
    expect(countSeries('# HELP a x\n# TYPE a counter\na 1\nb{l="x"} 2\n\n')).toBe(2);
  });
});

describe('window counting', () => {
  it('counts items by their own time and shares payload bytes pro rata', () => {
    const counter = new Counter();
    counter.startWindow();
    const now = Date.now();
    counter.payload(1000, [{ kind: 'spans', tMs: now - 60_000 }, { kind: 'spans', tMs: now + 1 }]);
    expect(counter.snapshot()).toEqual({ payloads: 0.5, payloadBytes: 500, items: { spans: 1 } });
    expect(counter.caughtUp()).toBe(false);
    counter.endWindow();
    counter.payload(100, [{ kind: 'spans', tMs: Date.now() + 10_000 }]);
    expect(counter.caughtUp()).toBe(true);
    expect(counter.snapshot().items.spans).toBe(1);
  });
});
