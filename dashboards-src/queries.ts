// The PromQL vocabulary the dashboards share. Each function returns an expression string with the
// template variables in it; Grafana expands $provider, $__range and friends at query time.
//
// Windows: `$__rate_interval` for "now" views (Grafana keeps it ≥ 4 scrapes), `$__range` for totals
// over the picked time range, `$__interval` for bucketed trends (the panel's min interval sets the
// bucket, e.g. 1h for the "1-hour granularity" panels).
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
/** Successful over all requests: the availability the SLOs are written against. */
export const successRatio = (w: string, labels = '') =>
  `${requests(w, labels, 'status="success"')} / ${requests(w, labels)}`;

/** Mean latency: sum over count of the same histogram. */
export const latencyMean = (w: string, labels = '') =>
  `${rate('ai_request_duration_seconds_sum', F.model, w, labels)} / ${rate('ai_request_duration_seconds_count', F.model, w, labels)}`;

/** Dollars per million tokens, weighted by volume. */
export const costPerMillionTokens = (w: string, labels = '') => `1e6 * ${cost(w, labels)} / (${tokens(w, labels)})`;

/**
 * `(expr) and on (provider, model) topk(n, …)`: keeps the n models with the most requests over w,
 * ranked once at the end of the range (`@ end()`), so a range query keeps the same models at every
 * step and Prometheus evaluates the ranking once instead of per step.
 */
export const topModels = (expr: string, n: number, w: string) =>
  `(${expr}) and on (provider, model) topk(${n}, sum by (provider, model) (increase(ai_requests_total{${F.usage}}[${w}] @ end())))`;

/** Adds a "series" label "provider/model": a unique x-axis/category key (gpt-4o runs on openai and azure). */
export const modelKey = (expr: string) => `label_join(${expr}, "series", "/", "provider", "model")`;

/** Regex-escapes a label value for use inside a PromQL double-quoted string (Go escapes: `\\.`). */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');

// Recording rules (prometheus/rules/*.yml, listed in docs/rules.md). Panels read these wherever
// one exists: the same numbers the alerts use, cheap to query over long ranges. They are
// aggregated to provider (and model, feature) level, so the team filter, and the feature filter
// outside the *_feature rules, do not apply to them; each panel's description says which window
// it shows (5m, 1h, 1d, 30d).

/** Label filters on recorded series, by the labels the rule keeps. */
export const RF = {
  provider: 'provider=~"$provider"',
  providerModel: 'provider=~"$provider", model=~"$model"',
  providerModelFeature: 'provider=~"$provider", model=~"$model", feature=~"$feature"',
};

/** `name{filter}` */
export const rule = (name: string, filter: string) => `${name}{${filter}}`;

/** Hourly input + output tokens per provider and model (recorded 1h increases). */
export const tokens1h = (filter = RF.providerModel) =>
  `(${rule('provider_model:ai_tokens_input:increase1h', filter)} + ${rule('provider_model:ai_tokens_output:increase1h', filter)})`;

/** Catalog providers grouped by their p95 latency target (global default applied). */
function providersByLatencyTarget(): Map<number, string[]> {
  const byTarget = new Map<number, string[]>();
  for (const p of catalog.providers) {
    const t = sloFor(catalog, p.slug).latency_p95_seconds;
    byTarget.set(t, [...(byTarget.get(t) ?? []), escapeRegex(p.slug)]);
  }
  return byTarget;
}

/**
 * Share of requests per provider and model that finished within their provider's p95 latency
 * target, from the recorded 5m bucket rates. The exporter puts every catalog target into the bucket
 * layout, so `le="<target>"` is an exact bucket; one selector per distinct target, joined with `or`
 * (the provider sets are disjoint), over the +Inf bucket (all requests).
 */
export function withinLatencySlo(filter = RF.providerModel): string {
  const series = 'provider_model_le:ai_request_duration_seconds_bucket:rate5m';
  const parts = [...providersByLatencyTarget()].map(
    ([t, slugs]) => `sum by (provider, model) (${rule(series, `${filter}, provider=~"${slugs.join('|')}", le="${formatLe(t)}"`)})`,
  );
  return `(${parts.join(' or ')}) / sum by (provider, model) (${rule(series, `${filter}, le="+Inf"`)})`;
}
