// One OTLP span → the normalised request record, through the same GenAI mapping the JSON log
// adapter uses (adapters/otel-genai.ts: which spans are model calls, every library's attributes),
// so pricing, labels and the request log are shared. What is OTLP-specific lives here: the span's
// times and status, the exception event, and feature/team from configurable attributes. The
// nesting rule, which needs the whole request, is in nesting.ts.
import { genAiAttributesToRecord } from '../../adapters/index.js';
import { hasGenAiAttributes, isModelCall, sourceOf } from '../../adapters/otel-genai.js';
import { type JsonObject, invalid, missing } from '../../adapters/fields.js';
import type { RequestRecord } from '../../events/types.js';
import { attributesToObject, nanosToMs } from './attributes.js';
import type { Span } from './shapes.js';
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
 * GenAI call that cannot be counted correctly (no provider or model, bad token counts). A successful
 * call without usage is a record with usageUnknown set.
 */
export function spanToRecord(span: Span, resource: JsonObject, opts: AttributionOptions): SpanResult {
  const attrs = attributesToObject(span.attributes);
  if (!hasGenAiAttributes(attrs)) return { kind: 'ignored', reason: 'not_genai' };
  const source = sourceOf(attrs);
  if (!isModelCall(attrs, source)) return { kind: 'ignored', reason: 'not_a_model_call' };

  const startMs = nanosToMs(span.startTimeUnixNano);
  if (startMs === undefined) {
    if (span.startTimeUnixNano == null || String(span.startTimeUnixNano) === '0') throw missing('startTimeUnixNano', 'the span start (epoch nanoseconds)');
    throw invalid('startTimeUnixNano', 'epoch nanoseconds', String(span.startTimeUnixNano));
  }
  const failed = span.status?.code === STATUS_CODE_ERROR;

  const rec = genAiAttributesToRecord(attrs, {
    startMs,
    endMs: nanosToMs(span.endTimeUnixNano),
    failed,
    errorType: failed ? exceptionType(span) : undefined,
    errorMessage: failed && span.status?.message ? span.status.message : undefined,
    resource,
    pathPrefix: 'attributes.',
    source,
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
