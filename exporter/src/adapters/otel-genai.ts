// OpenTelemetry GenAI span attributes, as a JSON line: either the flat attributes or
// {attributes, startTimeUnixNano, endTimeUnixNano, status, resource}. genAiAttributesToRecord is
// the reusable part: the OTLP receiver calls it with decoded spans, so both paths map alike.
//
// Which library wrote the span decides where provider, model and usage are and whether the span is
// a model call at all (genai-sources.ts); usage per library, in tokenscope's inclusive semantics, is
// in genai-usage.ts. A successful call that reports no usage is counted with usageUnknown set
// (priced as unknown), never as a free success; a failed call needs none.
import { type RequestRecord, type SkippedRecord, ZERO_TOKENS } from '../events/types.js';
import { type JsonObject, inRange, invalid, isObject, missing, readTimestamp } from './fields.js';
import { type GenAiSource, identityOf, isModelCall, sourceOf, text } from './genai-sources.js';
import { usageOf } from './genai-usage.js';
import { markFailed, newRequest } from './request-record.js';

export { hasGenAiAttributes, isModelCall, sourceOf, type GenAiSource } from './genai-sources.js';

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
  /** The attribute family, when the caller already knows it (sourceOf). */
  source?: GenAiSource;
}

/** One day: a time to first token past it is a writer bug, and is left out rather than rejected. */
const MAX_TTFT_MS = 86_400_000;

export function genAiAttributesToRecord(attrs: JsonObject, span: SpanContext): RequestRecord {
  const p = span.pathPrefix ?? '';
  const source = span.source ?? sourceOf(attrs);
  const id = identityOf(attrs, source, p);
  const usage = usageOf(attrs, source, id, p);

  const startMs = inRange(span.startMs, 'startTimeUnixNano', `${span.startMs} ms`);
  const rec = newRequest(startMs, id.provider, id.model, usage ?? { ...ZERO_TOKENS });
  rec.requestId = text(attrs, 'gen_ai.response.id', p) ?? (source === 'ai-sdk' ? text(attrs, 'ai.response.id', p) : undefined);
  rec.sessionId = text(attrs, 'gen_ai.conversation.id', p) ?? text(attrs, 'session.id', p);
  rec.userId = text(attrs, 'user.id', p);
  const res = span.resource;
  rec.feature = attribution(attrs, res, 'tokenscope.feature');
  rec.team = attribution(attrs, res, 'tokenscope.team');
  rec.project = attribution(attrs, res, 'tokenscope.project');
  // No semantic convention names the API key: tokenscope.api_key, or LiteLLM's flattened metadata.
  rec.apiKey =
    attribution(attrs, res, 'tokenscope.api_key') ??
    (source === 'litellm' ? text(attrs, 'metadata.user_api_key_hash', p) ?? text(attrs, 'metadata.user_api_key_alias', p) : undefined);
  if (span.endMs !== undefined && span.endMs >= span.startMs) rec.latencySeconds = (span.endMs - span.startMs) / 1000;
  if (source === 'ai-sdk') {
    const ttft = attrs['ai.response.msToFirstChunk'] ?? attrs['ai.stream.msToFirstChunk'];
    if (typeof ttft === 'number' && ttft >= 0 && ttft <= MAX_TTFT_MS) rec.ttftSeconds = ttft / 1000;
  }

  const status = attrs['http.response.status_code'];
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) rec.statusCode = status;
  const errorType = text(attrs, 'error.type', p) ?? span.errorType;
  const genkitFailed = source === 'genkit' && attrs['genkit:state'] === 'error';
  if (span.failed || genkitFailed || errorType !== undefined || (rec.statusCode !== undefined && rec.statusCode >= 400)) {
    markFailed(rec, { type: errorType, message: span.errorMessage });
  }
  // Counted, and shown as a request whose usage (and so cost) is unknown.
  if (usage === undefined && rec.status === 'success') rec.usageUnknown = true;
  return rec;
}

function attribution(attrs: JsonObject, resource: JsonObject | undefined, key: string): string | undefined {
  const v = attrs[key] ?? resource?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * A JSON line holding a span: flat attributes, or {attributes, startTimeUnixNano, ...}. A span that
 * wraps model calls (isModelCall) is skipped, as over OTLP.
 */
export function otelLineToRecord(obj: JsonObject): RequestRecord | SkippedRecord {
  const wrapped = isObject(obj.attributes);
  const attrs = wrapped ? (obj.attributes as JsonObject) : obj;
  let startMs: number;
  if (obj.startTimeUnixNano != null) startMs = nanosToMs(obj.startTimeUnixNano, 'startTimeUnixNano');
  else if (obj.timestamp != null) startMs = readTimestamp(obj.timestamp, 'timestamp');
  else throw missing('startTimeUnixNano', 'the span start (epoch nanoseconds), or a timestamp');
  const source = sourceOf(attrs);
  if (!isModelCall(attrs, source)) return { kind: 'skipped', timestampMs: startMs, reason: 'not_a_model_call' };
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
    source,
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
