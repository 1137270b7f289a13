// Hand-built OTLP requests in the OTLP/JSON encoding (lowerCamelCase keys, hex ids, enums as
// integers, int64 as decimal strings), and their binary protobuf form, for the error-path tests.
import protojson from 'protobufjs/ext/protojson.js';
import { root } from '../../exporter/src/sources/otlp/schema.js';

type Scalar = string | number | boolean;

export function kv(key: string, v: Scalar | string[]): { key: string; value: Record<string, unknown> } {
  if (Array.isArray(v)) return { key, value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } };
  if (typeof v === 'string') return { key, value: { stringValue: v } };
  if (typeof v === 'boolean') return { key, value: { boolValue: v } };
  return { key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } };
}

export function attrs(o: Record<string, Scalar | string[]>) {
  return Object.entries(o).map(([k, v]) => kv(k, v));
}

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
let nextId = 1;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export const T0 = 1_750_000_000_000;

export function span(o: { name?: string; startMs?: number; seconds?: number; attributes: Record<string, Scalar | string[]>; error?: boolean }) {
  const start = o.startMs ?? T0;
  const id = nextId++;
  return {
    traceId: hex(id, 32),
    spanId: hex(id, 16),
    name: o.name ?? 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(start + (o.seconds ?? 1) * 1000),
    attributes: attrs(o.attributes),
    status: o.error ? { code: 2, message: 'failed' } : { code: 0 },
  };
}

export function chat(input: number | undefined, output: number | undefined, extra: Record<string, Scalar | string[]> = {}) {
  const a: Record<string, Scalar | string[]> = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', ...extra };
  if (input !== undefined) a['gen_ai.usage.input_tokens'] = input;
  if (output !== undefined) a['gen_ai.usage.output_tokens'] = output;
  return a;
}

export function traces(resource: Record<string, Scalar>, spans: unknown[]) {
  return { resourceSpans: [{ resource: { attributes: attrs(resource) }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
}

export interface PointSpec {
  attributes: Record<string, Scalar>;
  startMs: number;
  timeMs: number;
  count: number;
  sum?: number;
  bounds?: number[];
  counts?: number[];
}

export function point(p: PointSpec) {
  return {
    attributes: attrs(p.attributes),
    startTimeUnixNano: nanos(p.startMs),
    timeUnixNano: nanos(p.timeMs),
    count: String(p.count),
    ...(p.sum === undefined ? {} : { sum: p.sum }),
    ...(p.bounds ? { explicitBounds: p.bounds, bucketCounts: (p.counts ?? []).map(String) } : {}),
  };
}

export function histogram(name: string, temporality: 1 | 2, points: PointSpec[]) {
  return { name, unit: name.endsWith('duration') ? 's' : '{token}', histogram: { aggregationTemporality: temporality, dataPoints: points.map(point) } };
}

export function metrics(resource: Record<string, Scalar>, list: unknown[]) {
  return { resourceMetrics: [{ resource: { attributes: attrs(resource) }, scopeMetrics: [{ scope: { name: 'test', version: '1' }, metrics: list }] }] };
}

const TYPES = {
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

/** The binary protobuf form of an OTLP/JSON request (fields the schema does not declare are dropped). */
export function toProtobuf(signal: 'traces' | 'metrics' | 'logs', json: unknown): Buffer {
  const t = TYPES[signal];
  return Buffer.from(t.encode(protojson.fromJson(t, json, { ignoreUnknownFields: true })).finish());
}
