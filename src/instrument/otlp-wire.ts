/**
 * Just enough of the protobuf wire format to count OTLP items without the
 * generated classes: walk length-delimited fields by number.
 *   ExportTraceServiceRequest:   1 resource_spans → ResourceSpans: 2 scope_spans → ScopeSpans: 2 spans
 *   ExportMetricsServiceRequest: 1 resource_metrics → ResourceMetrics: 2 scope_metrics → ScopeMetrics: 2 metrics
 */
function readVarint(buffer: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= buffer.length) throw new Error('truncated protobuf varint');
    const byte = buffer[position++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, position];
    shift += 7;
    if (shift > 63) throw new Error('protobuf varint too long');
  }
}

/**
 * Walk the top-level fields of one message. `visit` gets the field number, the
 * wire type and where its value starts and ends (for length-delimited fields,
 * the payload; for fixed fields, the bytes).
 */
function forEachField(message: Uint8Array, visit: (field: number, wireType: number, start: number, end: number) => void): void {
  let offset = 0;
  while (offset < message.length) {
    const [key, afterKey] = readVarint(message, offset);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    let start = afterKey;
    switch (wireType) {
      case 0: offset = readVarint(message, afterKey)[1]; break;
      case 1: offset = afterKey + 8; break;
      case 5: offset = afterKey + 4; break;
      case 2: {
        const [length, afterLength] = readVarint(message, afterKey);
        start = afterLength;
        offset = afterLength + length;
        break;
      }
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
    if (offset > message.length) throw new Error('truncated protobuf field');
    visit(field, wireType, start, offset);
  }
}

/** The payloads of every length-delimited field numbered `fieldNumber` in one message. */
function lengthDelimitedFields(message: Uint8Array, fieldNumber: number): Uint8Array[] {
  const found: Uint8Array[] = [];
  forEachField(message, (field, wireType, start, end) => {
    if (field === fieldNumber && wireType === 2) found.push(message.subarray(start, end));
  });
  return found;
}

/** Count leaf items along a path of field numbers (e.g. [1, 2, 2] for spans). */
function countNested(message: Uint8Array, path: readonly number[]): number {
  const [head, ...rest] = path;
  if (head === undefined) return 1;
  return lengthDelimitedFields(message, head).reduce((sum, child) => sum + countNested(child, rest), 0);
}

/** The fixed64 field `fieldNumber` of one message, as milliseconds (from nanoseconds). */
function fixed64NanosAsMs(message: Uint8Array, fieldNumber: number): number | undefined {
  let found: number | undefined;
  forEachField(message, (field, wireType, start) => {
    if (found === undefined && field === fieldNumber && wireType === 1) {
      found = Number(new DataView(message.buffer, message.byteOffset + start, 8).getBigUint64(0, true) / 1_000_000n);
    }
  });
  return found;
}

function nestedMessages(message: Uint8Array, path: readonly number[]): Uint8Array[] {
  const [head, ...rest] = path;
  if (head === undefined) return [message];
  return lengthDelimitedFields(message, head).flatMap((child) => nestedMessages(child, rest));
}

/** A length-delimited field's first occurrence as UTF-8 text. */
function stringField(message: Uint8Array, fieldNumber: number): string | undefined {
  const [first] = lengthDelimitedFields(message, fieldNumber);
  return first === undefined ? undefined : Buffer.from(first).toString('utf8');
}

/** One exported span: its start, and its name with the instrumentation scope that made it ("GET (@opentelemetry/instrumentation-http)"). */
export interface OtlpSpan {
  tMs: number;
  label: string;
}

/**
 * Every span of an ExportTraceServiceRequest: ScopeSpans.scope (1) is the InstrumentationScope, whose name (1) is the
 * instrumentation package; Span.name is field 5 and start_time_unix_nano field 7 (fixed64).
 */
export function protobufSpans(body: Uint8Array): OtlpSpan[] {
  return nestedMessages(body, [1, 2]).flatMap((scopeSpans) => {
    const [scope] = lengthDelimitedFields(scopeSpans, 1);
    const scopeName = (scope && stringField(scope, 1)) || 'unknown scope';
    return lengthDelimitedFields(scopeSpans, 2).map((span) => ({ tMs: fixed64NanosAsMs(span, 7) ?? Date.now(), label: `${stringField(span, 5) ?? ''} (${scopeName})` }));
  });
}

export const countProtobufMetrics = (body: Uint8Array) => countNested(body, [1, 2, 2]);

interface JsonMetrics { resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: unknown[] }> }> }

interface JsonSpans {
  resourceSpans?: Array<{ scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<{ name?: string; startTimeUnixNano?: string | number }> }> }>;
}

/** The same from the JSON encoding. */
export function jsonSpans(body: JsonSpans): OtlpSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((span) => ({
    tMs: span.startTimeUnixNano === undefined ? Date.now() : Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
    label: `${span.name ?? ''} (${ss.scope?.name || 'unknown scope'})`,
  }))));
}

export function countJsonMetrics(body: JsonMetrics): number {
  return (body.resourceMetrics ?? []).reduce((sum, rm) => sum + (rm.scopeMetrics ?? []).reduce((s, sm) => s + (sm.metrics?.length ?? 0), 0), 0);
}
