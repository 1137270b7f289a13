// The PromQL vocabulary the dashboards share. Each function returns an expression string with the
// template variables in it; Grafana expands $provider, $__range and friends at query time.
//
// Windows: `$__rate_interval` for "now" views (Grafana keeps it ≥ 4 scrapes), `$__range` for totals
// over the picked time range, `$__interval` for bucketed trends (the panel's min interval sets the
// bucket, e.g. 1h for seed 001's "1-hour granularity").
import { sloFor } from '../exporter/src/catalog/load.js';
import { formatLe } from '../exporter/src/metrics/exposition.js';
import { catalog, F } from './defaults.js';

export const RATE = '$__rate_interval';
export const RANGE = '$__range';
export const BUCKET = '$__interval';

const by = (labels: string) => (labels ? ` by (${labels})` : '');
const join = (...parts: string[]) => parts.filter(Boolean).join(', ');

/** sum [by (labels)] (increase(metric{filter}[w])) */
export function inc(metric: string, filter: string, w: string, labels = ''): string {
  return `sum${by(labels)} (increase(${metric}{${filter}}[${w}]))`;
}

/** sum [by (labels)] (rate(metric{filter}[w])) */
export function rate(metric: string, filter: string, w: string, labels = ''): string {
  return `sum${by(labels)} (rate(${metric}{${filter}}[${w}]))`;
}

export const requests = (w: string, labels = '', extra = '') => inc('ai_requests_total', join(F.usage, extra), w, labels);
export const cost = (w: string, labels = '') => inc('ai_request_cost_dollars_sum', F.usage, w, labels);
export const revenue = (w: string, labels = '') => inc('ai_revenue_dollars_total', F.usage, w, labels);
export const inputTokens = (w: string, labels = '') => inc('ai_tokens_input_total', F.usage, w, labels);
export const outputTokens = (w: string, labels = '') => inc('ai_tokens_output_total', F.usage, w, labels);

/** Input plus output tokens (input includes cache reads/writes, output includes reasoning). */
export const tokens = (w: string, labels = '') => `${inputTokens(w, labels)} + ${outputTokens(w, labels)}`;
export const tokenRate = (w: string, labels = '') =>
  `${rate('ai_tokens_input_total', F.usage, w, labels)} + ${rate('ai_tokens_output_total', F.usage, w, labels)}`;

/** Successful over all requests: the availability the SLOs are written against. */
export const successRatio = (w: string, labels = '') =>
  `${requests(w, labels, 'status="success"')} / ${requests(w, labels)}`;
export const errorRatio = (w: string, labels = '') => `${requests(w, labels, 'status="error"')} / ${requests(w, labels)}`;

/** Latency quantile from the classic histogram (never an average of quantiles). */
export const latencyQuantile = (q: number, w: string, labels = '') =>
  `histogram_quantile(${q}, ${rate('ai_request_duration_seconds_bucket', F.model, w, join('le', labels))})`;

/** Mean latency: sum over count of the same histogram. */
export const latencyMean = (w: string, labels = '') =>
  `${rate('ai_request_duration_seconds_sum', F.model, w, labels)} / ${rate('ai_request_duration_seconds_count', F.model, w, labels)}`;

/** Dollars per million tokens, weighted by volume. */
export const costPerMillionTokens = (w: string, labels = '') => `1e6 * ${cost(w, labels)} / (${tokens(w, labels)})`;

/** Circuit-breaker factor per provider: 1 closed, 0.5 half-open, 0 open (state gauge is 0/1/2). */
const breakerFactor = `(1 - max by (provider) (ai_circuit_breaker_state{${F.provider}}) / 2)`;

/**
 * Health score per provider, 0-100: the success ratio over `w`, scaled by the circuit-breaker
 * factor, so an open breaker reads 0 whatever traffic still succeeds. A provider without traffic
 * in the window scores on its breaker alone (100 when closed): nothing failed.
 */
export const healthScore = (w: string) =>
  `(100 * (${successRatio(w, 'provider')}) * on (provider) ${breakerFactor})` + ` or on (provider) (100 * ${breakerFactor})`;

/** `(expr) and on (provider, model) topk(n, requests)`: keeps the top n models by requests over w. */
export const topModels = (expr: string, n: number, w: string) => `(${expr}) and on (provider, model) topk(${n}, ${requests(w, 'provider, model')})`;

/** Adds a "series" label "provider/model": a unique x-axis/category key (gpt-4o runs on openai and azure). */
export const modelKey = (expr: string) => `label_join(${expr}, "series", "/", "provider", "model")`;

/** Regex-escapes a label value for use inside a PromQL double-quoted string (Go escapes: `\\.`). */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');

/**
 * Share of requests that finished within their provider's p95 latency target from the catalog.
 * The exporter puts every target into the bucket layout, so `le="<target>"` is an exact bucket; one
 * selector per distinct target, joined with `or` (disjoint provider sets). `labels` must include
 * provider, or the `or` would drop providers sharing a label set.
 */
export function withinLatencySlo(w: string, labels: string): string {
  if (!labels.split(',').map((l) => l.trim()).includes('provider')) throw new Error('withinLatencySlo: group by provider');
  const byTarget = new Map<number, string[]>();
  for (const p of catalog.providers) {
    const t = sloFor(catalog, p.slug).latency_p95_seconds;
    byTarget.set(t, [...(byTarget.get(t) ?? []), escapeRegex(p.slug)]);
  }
  const parts = [...byTarget].map(([t, slugs]) =>
    rate('ai_request_duration_seconds_bucket', `${F.model}, provider=~"${slugs.join('|')}", le="${formatLe(t)}"`, w, labels),
  );
  return `(${parts.join(' or ')}) / ${rate('ai_request_duration_seconds_count', F.model, w, labels)}`;
}
