// The receiver's own counters: what it read and deliberately did not count. Rejections (bad GenAI
// data) go to ai_exporter_rejected_lines_total{source="otlp"} like every other source; these say what
// was skipped on purpose, so "why is my span not in ai_requests_total?" has an answer on /metrics.
// They live in the renderer's prom-client registry, which every scrape renders.
import { Counter, type Registry } from 'prom-client';
import { METRICS, type MetricSpec } from '../../contract/metrics.js';

export const IGNORED_SPAN_REASONS = [
  /** No gen_ai.provider.name / gen_ai.system / gen_ai.request.model: HTTP, DB, framework spans. */
  'not_genai',
  /** GenAI spans that wrap model calls by their library's rules (agents, tools, workflows, the AI SDK's outer spans). */
  'not_a_model_call',
  /** Model-call spans with a model call carrying usage below them in the same trace (nested instrumentations). */
  'wraps_model_calls',
] as const;
export type IgnoredSpanReason = (typeof IGNORED_SPAN_REASONS)[number];

export const IGNORED_POINT_REASONS = [
  /** The service (resource service.name) sends GenAI spans, which are counted instead. */
  'spans_win',
  /** The first cumulative point of a stream that started before this receiver: a baseline only. */
  'baseline',
  /** Already counted: a repeated or out-of-order point (an export retried, say). */
  'stale',
  /** Flagged "no recorded value" by the SDK. */
  'no_value',
] as const;
export type IgnoredPointReason = (typeof IGNORED_POINT_REASONS)[number];

export const IGNORED_LOG_REASONS = [
  /** A GenAI event (event name gen_ai.*): the call is counted from its span. */
  'genai_event',
  /** Any other log record. */
  'not_genai',
] as const;
export type IgnoredLogReason = (typeof IGNORED_LOG_REASONS)[number];

export interface OtlpStats {
  ignoredSpan(reason: IgnoredSpanReason, n?: number): void;
  ignoredPoint(reason: IgnoredPointReason, n?: number): void;
  ignoredLogRecord(reason: IgnoredLogReason, n?: number): void;
}

function counter(registry: Registry | undefined, { name, help }: MetricSpec, reasons: readonly string[]): Counter<'reason'> {
  // A registry shared by several apps (tests) already holds the counter: reuse it.
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Counter<'reason'>;
  const c = new Counter({ name, help, labelNames: ['reason'], registers: registry ? [registry] : [] });
  // Every reason starts at zero so rate() and alerts see the series before the first skip.
  for (const r of reasons) c.inc({ reason: r }, 0);
  return c;
}

export function createOtlpStats(registry?: Registry): OtlpStats {
  const spans = counter(registry, METRICS.otlpIgnoredSpans, IGNORED_SPAN_REASONS);
  const points = counter(registry, METRICS.otlpIgnoredDataPoints, IGNORED_POINT_REASONS);
  const logs = counter(registry, METRICS.otlpIgnoredLogRecords, IGNORED_LOG_REASONS);
  return {
    ignoredSpan: (reason, n = 1) => spans.inc({ reason }, n),
    ignoredPoint: (reason, n = 1) => points.inc({ reason }, n),
    ignoredLogRecord: (reason, n = 1) => logs.inc({ reason }, n),
  };
}
