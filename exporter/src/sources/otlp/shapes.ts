// The decoded OTLP messages, as the receiver reads them (schema.ts declares them for protobufjs).
// Decoded messages carry proto3 defaults on their prototypes (a missing string reads "", a missing
// repeated field []), while ProtoJSON hands back plain objects where absent fields are undefined, so
// every reader tolerates both. 64-bit integers arrive as Long objects (protobufjs uses `long` when it
// is installed), or as numbers or strings from other producers: see toNumber in attributes.ts.

export type Int64 = number | string | { toNumber(): number };

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
}

export interface KeyValue {
  key?: string;
  value?: AnyValue | null;
}

export interface Resource {
  attributes?: KeyValue[] | null;
}

/**
 * Trace and span ids as bytes. Binary protobuf carries the raw bytes; OTLP/JSON writes them in hex,
 * which the ProtoJSON reader takes for base64: different bytes, but the same for the same id, which
 * is all that comparing ids within a request (and across requests of one sender) needs.
 */
export type Bytes = Uint8Array;

export interface Span {
  traceId?: Bytes | null;
  spanId?: Bytes | null;
  parentSpanId?: Bytes | null;
  name?: string;
  startTimeUnixNano?: Int64 | null;
  endTimeUnixNano?: Int64 | null;
  attributes?: KeyValue[] | null;
  events?: Array<{ name?: string; attributes?: KeyValue[] | null }> | null;
  status?: { message?: string; code?: number } | null;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: Array<{
    resource?: Resource | null;
    scopeSpans?: Array<{ spans?: Span[] | null }> | null;
  }> | null;
}

export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK: a staleness marker, not a value. */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface HistogramDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  count?: Int64 | null;
  sum?: number | null;
  bucketCounts?: Int64[] | null;
  explicitBounds?: number[] | null;
  flags?: number;
}

export interface ExponentialHistogramDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  count?: Int64 | null;
  sum?: number | null;
  scale?: number;
  zeroCount?: Int64 | null;
  positive?: { offset?: number; bucketCounts?: Int64[] | null } | null;
  flags?: number;
}

export interface Metric {
  name?: string;
  unit?: string;
  histogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: number } | null;
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[] | null; aggregationTemporality?: number } | null;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: Array<{
    resource?: Resource | null;
    scopeMetrics?: Array<{ scope?: { name?: string; version?: string } | null; metrics?: Metric[] | null }> | null;
  }> | null;
}

export interface LogRecord {
  timeUnixNano?: Int64 | null;
  eventName?: string;
  attributes?: KeyValue[] | null;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: Array<{
    resource?: Resource | null;
    scopeLogs?: Array<{ logRecords?: LogRecord[] | null }> | null;
  }> | null;
}
