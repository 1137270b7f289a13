// The OTLP messages the receiver reads, declared for protobufjs. Names, numbers and types are copied
// from opentelemetry-proto v1.11.0 (collector trace, metrics and logs services, trace, metrics,
// logs, resource, common) and from googleapis' google/rpc/status.proto for error bodies. Only the
// fields the receiver reads are declared: protobufjs skips every other field on the wire (links,
// exemplars, prompt-content events' payloads, log bodies…), and the ProtoJSON reader ignores their
// JSON keys. Trace and span ids are declared (the nesting rule compares them): see Bytes in shapes.ts
// for what OTLP/JSON's hex encoding becomes.
//
// Both encodings come out as the same message shape: binary via Type.decode, OTLP/JSON via
// protobufjs' ProtoJSON reader, which takes lowerCamelCase keys, enums as integers (or names), and
// int64/fixed64 as decimal strings or numbers, as the OTLP/JSON encoding prescribes.
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { COLLECTOR_LOGS, LOGS } from './schema-logs.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './shapes.js';

const COMMON = `
syntax = "proto3";
package opentelemetry.proto.common.v1;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue {
  string key = 1;
  AnyValue value = 2;
}
message InstrumentationScope {
  string name = 1;
  string version = 2;
}
`;

const RESOURCE = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;

message Resource { repeated opentelemetry.proto.common.v1.KeyValue attributes = 1; }
`;

const TRACE = `
syntax = "proto3";
package opentelemetry.proto.trace.v1;

message ResourceSpans {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
}
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  message Event {
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
  }
  repeated Event events = 11;
  Status status = 15;
}
message Status {
  string message = 2;
  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }
  StatusCode code = 3;
}
`;

const METRICS = `
syntax = "proto3";
package opentelemetry.proto.metrics.v1;

message ResourceMetrics {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
}
message ScopeMetrics {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
}
message Metric {
  string name = 1;
  string unit = 3;
  oneof data {
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
  }
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
enum AggregationTemporality {
  AGGREGATION_TEMPORALITY_UNSPECIFIED = 0;
  AGGREGATION_TEMPORALITY_DELTA = 1;
  AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
}
message HistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
}
message ExponentialHistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  Buckets positive = 8;
  message Buckets {
    sint32 offset = 1;
    repeated uint64 bucket_counts = 2;
  }
  uint32 flags = 10;
}
`;

const COLLECTOR_TRACE = `
syntax = "proto3";
package opentelemetry.proto.collector.trace.v1;

message ExportTraceServiceRequest { repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

const COLLECTOR_METRICS = `
syntax = "proto3";
package opentelemetry.proto.collector.metrics.v1;

message ExportMetricsServiceRequest { repeated opentelemetry.proto.metrics.v1.ResourceMetrics resource_metrics = 1; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess {
  int64 rejected_data_points = 1;
  string error_message = 2;
}
`;

// The body of every OTLP/HTTP 4xx/5xx response (details = 3, a list of Any, is not sent).
const RPC_STATUS = `
syntax = "proto3";
package google.rpc;

message Status {
  int32 code = 1;
  string message = 2;
}
`;

/**
 * Every string field decoded leniently: protobufjs verifies proto3 strings as UTF-8 and throws for
 * the whole message otherwise, so one bad byte in one span's attribute would cost the request. With
 * validation off, invalid bytes read as U+FFFD (a decode option only; the wire format is unchanged).
 */
function lenientStrings(text: string): string {
  return text.replace(/(\bstring \w+ = \d+);/g, '$1 [features.utf8_validation = NONE];');
}

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of [COMMON, RESOURCE, TRACE, METRICS, LOGS, COLLECTOR_TRACE, COLLECTOR_METRICS, COLLECTOR_LOGS, RPC_STATUS]) {
    protobuf.parse(lenientStrings(text), root, { keepCase: false });
  }
  root.resolveAll();
  return root;
}

export const root = buildRoot();

// The decoded shapes are in shapes.ts.
export type * from './shapes.js';
export { FLAG_NO_RECORDED_VALUE, TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA } from './shapes.js';

// ---- Decoding and encoding ----------------------------------------------------------------------

export type Encoding = 'protobuf' | 'json';
export type Signal = 'traces' | 'metrics' | 'logs';

const TYPES = {
  traces: {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    rejectedField: 'rejectedSpans',
  },
  metrics: {
    request: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
    rejectedField: 'rejectedDataPoints',
  },
  logs: {
    request: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    rejectedField: 'rejectedLogRecords',
  },
} as const;
const STATUS = root.lookupType('google.rpc.Status');

/**
 * JSON.parse, with lone UTF-16 surrogates ("\ud800" escapes, which UTF-8 cannot carry) replaced by
 * U+FFFD: the ProtoJSON reader rejects them, and one bad attribute value must not cost the whole
 * request. A body without surrogate escapes (nearly all) is parsed as is.
 */
function parseJson(text: string): unknown {
  if (!SURROGATE_ESCAPE.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v));
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

function wellFormed(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++; // a valid pair
      continue;
    }
    out += s.slice(from, i) + '\ufffd';
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Thrown for a body that is not a valid message of the expected type (the receiver answers 400). */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export function decodeRequest(signal: 'traces', body: Buffer, encoding: Encoding): ExportTraceServiceRequest;
export function decodeRequest(signal: 'metrics', body: Buffer, encoding: Encoding): ExportMetricsServiceRequest;
export function decodeRequest(signal: 'logs', body: Buffer, encoding: Encoding): ExportLogsServiceRequest;
export function decodeRequest(signal: Signal, body: Buffer, encoding: Encoding): unknown {
  const type = TYPES[signal].request;
  try {
    if (encoding === 'protobuf') return type.decode(body);
    let text = body.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM
    const json: unknown = parseJson(text);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`expected a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);
    // OTLP/JSON receivers must ignore unknown fields: newer senders add fields, and we declare few.
    return protojson.fromJson(type, json, { ignoreUnknownFields: true });
  } catch (e) {
    const what = encoding === 'protobuf' ? `a protobuf ${type.name}` : `an OTLP/JSON ${type.name}`;
    throw new DecodeError(`request body is not ${what}: ${(e as Error).message}`);
  }
}

/** The success body: an empty response, or partial_success when something was rejected. */
export function encodeResponse(signal: Signal, encoding: Encoding, rejected: number, errorMessage: string): Buffer | string {
  const t = TYPES[signal];
  const obj = rejected > 0 || errorMessage !== '' ? { partialSuccess: { [t.rejectedField]: rejected, errorMessage } } : {};
  const msg = t.response.fromObject(obj);
  return encoding === 'protobuf' ? Buffer.from(t.response.encode(msg).finish()) : JSON.stringify(protojson.toJson(t.response, msg));
}

/** The body of an error response: a google.rpc.Status, in the request's encoding. */
export function encodeStatus(encoding: Encoding, grpcCode: number, message: string): Buffer | string {
  const msg = STATUS.fromObject({ code: grpcCode, message });
  return encoding === 'protobuf' ? Buffer.from(STATUS.encode(msg).finish()) : JSON.stringify(protojson.toJson(STATUS, msg));
}

/** Decoders for the responses, for tests and the bench. */
export function decodeResponse(signal: Signal, body: Uint8Array, encoding: Encoding): Record<string, unknown> {
  const t = TYPES[signal].response;
  const msg = encoding === 'protobuf' ? t.decode(body) : protojson.fromJson(t, JSON.parse(Buffer.from(body).toString('utf8')));
  return t.toObject(msg, { longs: Number });
}

export function decodeStatus(body: Uint8Array, encoding: Encoding): { code?: number; message?: string } {
  const msg = encoding === 'protobuf' ? STATUS.decode(body) : protojson.fromJson(STATUS, JSON.parse(Buffer.from(body).toString('utf8')));
  return STATUS.toObject(msg) as { code?: number; message?: string };
}
