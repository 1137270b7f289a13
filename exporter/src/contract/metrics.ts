// The metric contract: every family the exporter exposes on /metrics, with its type, help, labels
// (and their closed value sets), unit and meaning. Renderers take names, HELP and TYPE from here,
// docs/metrics.md is generated from it (contract/docs.ts), and tests check a real exposition and
// every dashboard, rule and report query against it. `METRICS.requests.name` is the literal
// 'ai_requests_total' to the compiler, so a typo in a key is a compile error. The entries live in
// usage-metrics.ts (what the store counts, the catalog) and exporter-metrics.ts (self-metrics).
import { EXPORTER_METRICS } from './exporter-metrics.js';
import type { MetricSpec } from './spec.js';
import { USAGE_METRICS } from './usage-metrics.js';

export type { MetricSpec, MetricType, Section, Unit } from './spec.js';

// A spread copies the entries by reference: the getters some of them have are not called here.
export const METRICS = { ...USAGE_METRICS, ...EXPORTER_METRICS } satisfies Record<string, MetricSpec>;
export type MetricKey = keyof typeof METRICS;
export type MetricName = (typeof METRICS)[MetricKey]['name'];

/**
 * prom-client's default process metrics, under their standard names so the usual Node.js
 * dashboards and alerts find them. Their names, types and help are prom-client's.
 */
export const PROCESS_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;

const BY_NAME = new Map<string, MetricSpec>(Object.values(METRICS).map((m) => [m.name, m]));
if (BY_NAME.size !== Object.keys(USAGE_METRICS).length + Object.keys(EXPORTER_METRICS).length) throw new Error('the metric contract declares a key or a name twice');

/** The family a sample or series name belongs to: histogram suffixes map to their histogram. */
export function familyOf(series: string): MetricSpec | undefined {
  const direct = BY_NAME.get(series);
  if (direct) return direct;
  const m = /^(.+)_(bucket|sum|count)$/.exec(series);
  const h = m ? BY_NAME.get(m[1]) : undefined;
  return h?.type === 'histogram' ? h : undefined;
}

/** True for prom-client's process metrics (see PROCESS_METRIC_PREFIXES). */
export function isProcessMetric(series: string): boolean {
  return PROCESS_METRIC_PREFIXES.some((p) => series.startsWith(p));
}
