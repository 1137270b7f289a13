// One OTLP span → the normalised request record, through the same GenAI mapping the JSON log
// adapter uses (adapters/otel-genai.ts), so pricing, labels and the request log are shared. What
// is OTLP-specific lives here: which spans are model calls, legacy attribute names, the exception
// event, and feature/team from configurable attributes.
import { genAiAttributesToRecord } from '../adapters/index.js';
import { hasGenAiAttributes } from '../adapters/otel-genai.js';
import { type JsonObject, invalid, missing } from '../adapters/fields.js';
import type { RequestRecord } from '../events/types.js';
import { attributesToObject, nanosToMs } from './attributes.js';
import type { Span } from './schema.js';
import type { IgnoredSpanReason } from './stats.js';

export interface AttributionOptions {
  /**
   * Span attribute, else resource attribute, whose value becomes `feature` when neither carries
   * tokenscope.feature. Default `service.name`; "" turns it off.
   */
  featureAttribute: string;
  /** Likewise for `team` (after tokenscope.team). Default `team`; "" turns it off. */
  teamAttribute: string;
}

export const DEFAULT_ATTRIBUTION: Readonly<AttributionOptions> = Object.freeze({ featureAttribute: 'service.name', teamAttribute: 'team' });

/** GenAI operations that are not a billed model call; their spans wrap the calls that are. */
const NOT_MODEL_CALLS = new Set(['invoke_agent', 'create_agent', 'execute_tool']);

/** Pre-1.27 semantic-convention names still sent by older OpenLLMetry and OpenLIT releases. */
const LEGACY_TOKENS: Array<[legacy: string, current: string]> = [
  ['gen_ai.usage.prompt_tokens', 'gen_ai.usage.input_tokens'],
  ['gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens'],
];

const STATUS_CODE_ERROR = 2;

function label(v: unknown): string | undefined {
  // The SDKs' default service.name ("unknown_service:node") names no feature.
  return typeof v === 'string' && v !== '' && !v.startsWith('unknown_service') ? v : undefined;
}

/** Fills feature and team from the configured attributes where tokenscope.* did not set them. */
export function applyAttribution(rec: RequestRecord, attrs: JsonObject, resource: JsonObject, opts: AttributionOptions): void {
  const f = opts.featureAttribute;
  if (rec.feature === undefined && f !== '') rec.feature = label(attrs[f]) ?? label(resource[f]);
  const t = opts.teamAttribute;
  if (rec.team === undefined && t !== '') rec.team = label(attrs[t]) ?? label(resource[t]);
}

/** The service a resource describes, for the spans-over-metrics rule ("" when it has no name). */
export function serviceOf(resource: JsonObject): string {
  const s = resource['service.name'];
  return typeof s === 'string' ? s : '';
}

export type SpanResult =
  | { kind: 'record'; rec: RequestRecord }
  | { kind: 'ignored'; reason: IgnoredSpanReason };

/**
 * The record for a GenAI model-call span, or why the span is not one. Throws LineRejection for a
 * GenAI call that cannot be counted correctly (no provider or model, bad or missing token counts).
 */
export function spanToRecord(span: Span, resource: JsonObject, opts: AttributionOptions): SpanResult {
  const attrs = attributesToObject(span.attributes);
  if (!hasGenAiAttributes(attrs)) return { kind: 'ignored', reason: 'not_genai' };
  const op = attrs['gen_ai.operation.name'];
  if (typeof op === 'string' && NOT_MODEL_CALLS.has(op)) return { kind: 'ignored', reason: 'not_a_model_call' };
  for (const [legacy, current] of LEGACY_TOKENS) {
    if (attrs[current] === undefined && attrs[legacy] !== undefined) attrs[current] = attrs[legacy];
  }

  const startMs = nanosToMs(span.startTimeUnixNano);
  if (startMs === undefined) {
    if (span.startTimeUnixNano == null || String(span.startTimeUnixNano) === '0') throw missing('startTimeUnixNano', 'the span start (epoch nanoseconds)');
    throw invalid('startTimeUnixNano', 'epoch nanoseconds', String(span.startTimeUnixNano));
  }
  const failed = span.status?.code === STATUS_CODE_ERROR;
  // A successful call without usage would be counted at $0: say so instead of under-reporting spend.
  // (A failed call legitimately has none.)
  if (!failed && attrs['error.type'] === undefined && attrs['gen_ai.usage.input_tokens'] === undefined && attrs['gen_ai.usage.output_tokens'] === undefined) {
    throw missing('attributes.gen_ai.usage.input_tokens', 'token usage (gen_ai.usage.input_tokens / gen_ai.usage.output_tokens) on a successful model call');
  }

  const rec = genAiAttributesToRecord(attrs, {
    startMs,
    endMs: nanosToMs(span.endTimeUnixNano),
    failed,
    errorType: failed ? exceptionType(span) : undefined,
    errorMessage: failed && span.status?.message ? span.status.message : undefined,
    resource,
    pathPrefix: 'attributes.',
  });
  applyAttribution(rec, attrs, resource, opts);
  return { kind: 'record', rec };
}

/** exception.type of the span's exception event (what recordException() writes), for classification. */
function exceptionType(span: Span): string | undefined {
  const events = span.events;
  if (!events) return undefined;
  for (const ev of events) {
    if (ev.name !== 'exception') continue;
    const t = attributesToObject(ev.attributes)['exception.type'];
    if (typeof t === 'string' && t !== '') return t;
  }
  return undefined;
}
