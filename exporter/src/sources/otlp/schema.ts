// The OTLP messages the receiver reads, as one protobufjs root, and their decoding and encoding.
// The declarations (copied from opentelemetry-proto, only the fields read) are in schema-protos.ts
// and schema-logs.ts.
//
// Both encodings come out as the same message shape: binary via Type.decode, OTLP/JSON via
// protobufjs' ProtoJSON reader, which takes lowerCamelCase keys, enums as integers (or names), and
// int64/fixed64 as decimal strings or numbers, as the OTLP/JSON encoding prescribes.
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { COLLECTOR_LOGS, LOGS } from './schema-logs.js';
import { COLLECTOR_METRICS, COLLECTOR_TRACE, COMMON, METRICS, RESOURCE, RPC_STATUS, TRACE } from './schema-protos.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './shapes.js';

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
