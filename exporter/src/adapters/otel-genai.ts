// OpenTelemetry GenAI semantic-convention span attributes, as a JSON line: either the flat
// attributes or {attributes, startTimeUnixNano, endTimeUnixNano, status, resource}.
// genAiAttributesToRecord is the reusable part (the OTLP receiver calls it with decoded spans).
//
// Token semantics follow current semconv: gen_ai.usage.input_tokens includes cache reads and
// writes, output_tokens includes reasoning. Some instrumentations pass Anthropic's exclusive
// input_tokens through; when input is smaller than its cache parts it cannot be inclusive, so
// the parts are added (likewise reasoning > output).
import type { RequestRecord } from '../events/types.js';
import { type JsonObject, inRange, invalid, isObject, missing, readTimestamp } from './fields.js';
import { normalizeProvider } from './providers.js';
import { markFailed, newRequest } from './request-record.js';

export interface SpanContext {
  startMs: number;
  endMs?: number;
  /** The span status is ERROR. */
  failed?: boolean;
  /** Used when the attributes have no error.type (e.g. an exception event's type). */
  errorType?: string;
  /** The span status message. */
  errorMessage?: string;
  /** Attributes of the span's resource, for tokenscope.* attribution set there. */
  resource?: JsonObject;
  /** Prefix for field paths in rejections, e.g. "attributes.". */
  pathPrefix?: string;
}

/** True when the object looks like GenAI attributes (cheap: three property reads). */
export function hasGenAiAttributes(a: JsonObject): boolean {
  return a['gen_ai.provider.name'] !== undefined || a['gen_ai.system'] !== undefined || a['gen_ai.request.model'] !== undefined;
}

export function genAiAttributesToRecord(attrs: JsonObject, span: SpanContext): RequestRecord {
  const p = span.pathPrefix ?? '';
  const providerName = text(attrs, 'gen_ai.provider.name', p) ?? text(attrs, 'gen_ai.system', p);
  if (providerName === undefined) throw missing(p + 'gen_ai.provider.name', 'the provider (or gen_ai.system)');
  const model = text(attrs, 'gen_ai.response.model', p) ?? text(attrs, 'gen_ai.request.model', p);
  if (model === undefined) throw missing(p + 'gen_ai.request.model', 'the model (or gen_ai.response.model)');

  const cacheRead =
    count(attrs['gen_ai.usage.cache_read.input_tokens'], p, 'gen_ai.usage.cache_read.input_tokens') ||
    count(attrs['gen_ai.usage.cache_read_input_tokens'], p, 'gen_ai.usage.cache_read_input_tokens');
  const cacheWrite =
    count(attrs['gen_ai.usage.cache_creation.input_tokens'], p, 'gen_ai.usage.cache_creation.input_tokens') ||
    count(attrs['gen_ai.usage.cache_write.input_tokens'], p, 'gen_ai.usage.cache_write.input_tokens') ||
    count(attrs['gen_ai.usage.cache_creation_input_tokens'], p, 'gen_ai.usage.cache_creation_input_tokens');
  const reasoning = count(attrs['gen_ai.usage.reasoning.output_tokens'], p, 'gen_ai.usage.reasoning.output_tokens');
  let input = count(attrs['gen_ai.usage.input_tokens'], p, 'gen_ai.usage.input_tokens');
  let output = count(attrs['gen_ai.usage.output_tokens'], p, 'gen_ai.usage.output_tokens');
  if (input < cacheRead + cacheWrite) input += cacheRead + cacheWrite;
  if (output < reasoning) output += reasoning;

  const startMs = inRange(span.startMs, 'startTimeUnixNano', `${span.startMs} ms`);
  const rec = newRequest(startMs, normalizeProvider(providerName), model, { input, output, cacheRead, cacheWrite, reasoning });
  rec.requestId = text(attrs, 'gen_ai.response.id', p);
  rec.sessionId = text(attrs, 'gen_ai.conversation.id', p) ?? text(attrs, 'session.id', p);
  rec.userId = text(attrs, 'user.id', p);
  const res = span.resource;
  rec.feature = attribution(attrs, res, 'tokenscope.feature');
  rec.team = attribution(attrs, res, 'tokenscope.team');
  rec.project = attribution(attrs, res, 'tokenscope.project');
  if (span.endMs !== undefined && span.endMs >= span.startMs) rec.latencySeconds = (span.endMs - span.startMs) / 1000;

  const status = attrs['http.response.status_code'];
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) rec.statusCode = status;
  const errorType = text(attrs, 'error.type', p) ?? span.errorType;
  if (span.failed || errorType !== undefined || (rec.statusCode !== undefined && rec.statusCode >= 400)) {
    markFailed(rec, { type: errorType, message: span.errorMessage });
  }
  return rec;
}

// Readers taking key and prefix apart so the path string is only built for a rejection.
function text(attrs: JsonObject, key: string, prefix: string): string | undefined {
  const v = attrs[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  throw invalid(prefix + key, 'a string', v);
}

/** A token count; OTLP/JSON encodes int64 as a decimal string, so that is accepted too. */
function count(v: unknown, prefix: string, key: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && v !== '' ? Number(v) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  throw invalid(prefix + key, 'a non-negative integer token count', v);
}

function attribution(attrs: JsonObject, resource: JsonObject | undefined, key: string): string | undefined {
  const v = attrs[key] ?? resource?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A JSON line holding a span: flat attributes, or {attributes, startTimeUnixNano, ...}. */
export function otelLineToRecord(obj: JsonObject): RequestRecord {
  const wrapped = isObject(obj.attributes);
  const attrs = wrapped ? (obj.attributes as JsonObject) : obj;
  let startMs: number;
  if (obj.startTimeUnixNano != null) startMs = nanosToMs(obj.startTimeUnixNano, 'startTimeUnixNano');
  else if (obj.timestamp != null) startMs = readTimestamp(obj.timestamp, 'timestamp');
  else throw missing('startTimeUnixNano', 'the span start (epoch nanoseconds), or a timestamp');
  const endMs = obj.endTimeUnixNano != null ? nanosToMs(obj.endTimeUnixNano, 'endTimeUnixNano') : undefined;
  const status = isObject(obj.status) ? obj.status : undefined;
  const resource = isObject(obj.resource) ? (isObject(obj.resource.attributes) ? obj.resource.attributes : obj.resource) : undefined;
  return genAiAttributesToRecord(attrs, {
    startMs,
    endMs,
    // OTLP/JSON status codes: 2 = ERROR (also spelt STATUS_CODE_ERROR).
    failed: status !== undefined && (status.code === 2 || status.code === 'STATUS_CODE_ERROR' || status.code === 'ERROR'),
    errorMessage: status && typeof status.message === 'string' ? status.message : undefined,
    resource,
    pathPrefix: wrapped ? 'attributes.' : '',
  });
}

function nanosToMs(v: unknown, path: string): number {
  // A decimal string (OTLP/JSON's int64) is cut to milliseconds exactly; a number is past 2^53 anyway.
  const ms =
    typeof v === 'string' ? (v.length > 6 && isDigits(v) ? Number(v.slice(0, -6)) : NaN) : typeof v === 'number' ? Math.round(v / 1e6) : NaN;
  // 1e11 ms is 1973, 1e14 ms the year 5138: outside that it is not epoch nanoseconds.
  if (ms >= 1e11 && ms < 1e14) return ms;
  throw invalid(path, 'epoch nanoseconds', v);
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
