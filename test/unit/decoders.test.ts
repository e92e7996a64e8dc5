import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeProfileUpload, decodeTracePayload, dogstatsdSeries, keptBytes } from '../../src/instrument/datadog.js';
import { decodeEnvelope } from '../../src/instrument/sentry.js';
import { countSeries } from '../../src/instrument/prometheus.js';
import { protobufSpans } from '../../src/instrument/otlp-wire.js';
import { Counter } from '../../src/instrument/intake-server.js';
import { decodeCollectorCall } from '../../src/instrument/newrelic.js';

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
    const transaction = JSON.stringify({
      type: 'transaction', start_timestamp: 1.5, contexts: { trace: { op: 'http.server', origin: 'auto.http.otel.http' } },
      spans: [{ op: 'db', origin: 'auto.db.otel.postgres' }, {}],
    });
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
    expect(timed.find((i) => i.kind === 'spans')!.names).toEqual(['http.server (auto.http.otel.http)', 'db (auto.db.otel.postgres)', 'default (manual)']);
  });
});

describe('OTLP protobuf', () => {
  it('finds every span, its start time, its name and the instrumentation scope that made it', () => {
    // Span { name (5) = "pg.query", start_time_unix_nano (7, fixed64) = 5e9 }, nested as request.1 → resource_spans.2 →
    // scope_spans.2, beside scope_spans.1 = InstrumentationScope { name (1) }.
    const start = Buffer.alloc(9);
    start[0] = (7 << 3) | 1;
    start.writeBigUInt64LE(5_000_000_000n, 1);
    const len = (field: number, body: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
    const span = Buffer.concat([len(5, Buffer.from('pg.query')), start]);
    const scopeSpans = Buffer.concat([len(1, len(1, Buffer.from('@opentelemetry/instrumentation-pg'))), len(2, span), len(2, start)]);
    const request = len(1, len(2, scopeSpans));
    expect(protobufSpans(request)).toEqual([
      { tMs: 5000, label: 'pg.query (@opentelemetry/instrumentation-pg)' },
      { tMs: 5000, label: ' (@opentelemetry/instrumentation-pg)' },
    ]);
  });
});

describe('prometheus exposition', () => {
  it('counts sample lines, not comments', () => {
    expect(countSeries('# HELP a x\n# TYPE a counter\na 1\nb{l="x"} 2\n\n')).toBe(2);
  });
});

describe('new relic collector calls', () => {
  // Shapes as newrelic 13.x sends them: [run id, reservoir stats, events], each event [intrinsics, user, agent].
  it('counts transaction, span and error events by their own timestamps', () => {
    const transactions = ['run', { reservoir_size: 833, events_seen: 3 }, [
      [{ type: 'Transaction', timestamp: 1_700_000_000_123 }, {}, {}],
      [{ type: 'Transaction', timestamp: 1_700_000_000_456 }, {}, {}],
    ]];
    const decoded = decodeCollectorCall('analytic_event_data', transactions);
    expect(totals(decoded.timed)).toEqual({ transactions: 2 });
    expect(decoded.timed[0]!.tMs).toBe(1_700_000_000_123);
    expect(decoded.untimed).toEqual({ transactionEventsSeen: 3 });
    const spans = ['run', { reservoir_size: 166, events_seen: 1 }, [[{ type: 'Span', timestamp: 1_700_000_000_200 }, {}, {}]]];
    expect(totals(decodeCollectorCall('span_event_data', spans).timed)).toEqual({ spans: 1 });
    // Error events carry their timestamp in seconds.
    const errors = ['run', { reservoir_size: 8, events_seen: 1 }, [[{ type: 'TransactionError', timestamp: 1_700_000_001.5 }, {}, {}]]];
    expect(decodeCollectorCall('error_event_data', errors).timed).toEqual([{ kind: 'errorEvents', tMs: 1_700_000_001_500 }]);
  });

  it('counts metric timeslices and traces by arrival, and names calls it does not know', () => {
    const metrics = ['run', 1_700_000_000, 1_700_000_060, [[{ name: 'HttpDispatcher' }, [14, 0.1, 0.1, 0, 0.01, 0]], [{ name: 'Apdex' }, [14, 0, 0, 0.5, 0.5, 0]]]];
    expect(decodeCollectorCall('metric_data', metrics)).toEqual({ timed: [], untimed: { metricPayloads: 1, metricTimeslices: 2 } });
    expect(decodeCollectorCall('error_data', ['run', [[0, 'WebTransaction/x', 'boom', 'Error', {}], [0, 'y', 'z', 'Error', {}]]]).untimed).toEqual({ errorTraces: 2 });
    expect(decodeCollectorCall('profile_data', []).untimed).toEqual({ 'other:profile_data': 1 });
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

  it('waits out a harvest cycle before it trusts an empty window', () => {
    const counter = new Counter(60_000);
    counter.startWindow();
    counter.endWindow();
    // Nothing from the window yet, but the agent may still be holding it.
    expect(counter.caughtUp()).toBe(false);
    expect(new Counter(0).caughtUp()).toBe(false);
    const instant = new Counter(0);
    instant.startWindow();
    instant.endWindow();
    expect(instant.caughtUp()).toBe(true);
  });
});

describe('DogStatsD', () => {
  it('names a series by its metric name and sorted tags, as Datadog counts custom metrics', () => {
    expect(dogstatsdSeries('runtime.node.heap.used:123|g|#service:api,env:prod')).toBe('runtime.node.heap.used{env:prod,service:api}');
    expect(dogstatsdSeries('runtime.node.heap.used:456|g|#env:prod,service:api')).toBe('runtime.node.heap.used{env:prod,service:api}');
    expect(dogstatsdSeries('runtime.node.event_loop.delay.max:3|g|@0.5')).toBe('runtime.node.event_loop.delay.max{}');
    expect(dogstatsdSeries('garbage')).toBeUndefined();
  });
});

describe('Datadog profile uploads (multipart)', () => {
  it('counts the upload, its pprof files, their bytes and the profiled seconds, timed by the period end', async () => {
    const form = new FormData();
    const event = { attachments: ['wall.pprof', 'space.pprof'], start: '2026-11-25T10:00:00.000Z', end: '2026-11-25T10:01:05.000Z', family: 'node' };
    form.append('event', new Blob([JSON.stringify(event)], { type: 'application/json' }), 'event.json');
    form.append('wall.pprof', new Blob([new Uint8Array(1200)]), 'wall.pprof');
    form.append('space.pprof', new Blob([new Uint8Array(300)]), 'space.pprof');
    const request = new Request('http://x/profiling/v1/input', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const items = decodeProfileUpload(request.headers.get('content-type')!, body);
    const endMs = Date.parse(event.end);
    expect(items).toEqual([
      { kind: 'profileUploads', tMs: endMs },
      { kind: 'profiles', tMs: endMs, n: 2 },
      { kind: 'profileSeconds', tMs: endMs, n: 65 },
      { kind: 'profileBytes', tMs: endMs, n: 1500 },
    ]);
    expect(() => decodeProfileUpload('multipart/form-data', body)).toThrow(/boundary/);
  });
});
