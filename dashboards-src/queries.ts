// The PromQL vocabulary the dashboards share. Each function returns an expression string with the
// template variables in it; Grafana expands $provider, $__range and friends at query time.
//
// Windows: `$__rate_interval` for "now" views (Grafana keeps it ≥ 4 scrapes), `$__range` for totals
// over the picked time range, `$__interval` for bucketed trends (the panel's min interval sets the
// bucket, e.g. 1h for the "1-hour granularity" panels).
import { latencyTargets, withinTarget } from '../prometheus/src/concerns/latency.js';
import { MODEL_BUCKET_RATE, MODEL_TOKENS_1H } from '../prometheus/src/names.js';
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
export const inputTokens = (w: string, labels = '') => inc('ai_tokens_input_total', F.usage, w, labels);
export const outputTokens = (w: string, labels = '') => inc('ai_tokens_output_total', F.usage, w, labels);

// Money. The series are in US dollars; panels show the catalog's display currency
// (catalog.currency.display), converted with the exporter's ai_currency_exchange_rate series
// (display units per dollar), so a catalog reload moves the rate without regenerating dashboards.
// With display USD the rate is 1 and the queries stay plain dollars.
export const CURRENCY = catalog.currency.display;
/** Grafana's unit for the display currency (currencyUSD, currencyEUR, …). */
export const MONEY = `currency${CURRENCY}`;
/** Converts a dollar expression to the display currency (NaN, not dollars, if the rate series is missing). */
export const money = (usdExpr: string) =>
  CURRENCY === 'USD' ? usdExpr : `(${usdExpr}) * scalar(max(ai_currency_exchange_rate{currency="${CURRENCY}"}))`;

/** Spend in the display currency, every filter applied. */
export const cost = (w: string, labels = '') => money(inc('ai_cost_dollars_total', F.usage, w, labels));
export const revenue = (w: string, labels = '') => money(inc('ai_revenue_dollars_total', F.usage, w, labels));
/** Requests per second over w (raw counter: honours team and feature, unlike the recorded rates). */
export const requestRate = (w: string, labels = '') => rate('ai_requests_total', F.usage, w, labels);
/** Input + output tokens per second over w (raw counters, every filter). */
export const tokenRate = (w: string, labels = '') =>
  `${rate('ai_tokens_input_total', F.usage, w, labels)} + ${rate('ai_tokens_output_total', F.usage, w, labels)}`;
/**
 * Share of requests that failed (any error type) over w, from ai_requests_total{status}: it carries
 * team and feature, where ai_request_errors_total (by error_type) does not. 0 rather than absent
 * when nothing failed.
 */
export const errorRatio = (w: string, labels = '') =>
  `(${rate('ai_requests_total', join(F.usage, 'status="error"'), w, labels)} or 0 * ${requestRate(w, labels)}) / ${requestRate(w, labels)}`;

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
 * Latency quantile per `labels` from the recorded per-provider/model bucket rates (window 5m or
 * 1h): honours the provider and model filters. Latency is not kept per team or feature.
 */
export const latencyQuantile = (q: string, w: '5m' | '1h', labels: string, filter = 'provider=~"$provider", model=~"$model"') =>
  `histogram_quantile(${q}, sum by (${labels}, le) (${MODEL_BUCKET_RATE(w)}{${filter}}))`;

/**
 * `(expr) and on (provider, model) topk(n, …)`: keeps the n models with the most requests over w,
 * ranked once at the end of the range (`@ end()`), so a range query keeps the same models at every
 * step and Prometheus evaluates the ranking once instead of per step.
 */
export const topModels = (expr: string, n: number, w: string, filter = F.usage) =>
  `(${expr}) and on (provider, model) topk(${n}, sum by (provider, model) (increase(ai_requests_total{${filter}}[${w}] @ end())))`;

/** Adds a "series" label "provider/model": a unique x-axis/category key (gpt-4o runs on openai and azure). */
export const modelKey = (expr: string) => `label_join(${expr}, "series", "/", "provider", "model")`;

// Recording rules (prometheus/rules/*.yml, listed in docs/rules.md). They are aggregated to
// provider (and model, feature) level, so a panel on one would ignore the team (and feature)
// filter. Panels on requests, tokens, cost and revenue therefore read the raw counters, which carry
// every label the variables filter on; recorded series remain for what has no raw per-team form
// (latency buckets, health, SLO, budgets, savings), and those panels say which filter they ignore
// (see ignores() in defaults.ts; test/dashboards checks it).

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
  `(${rule(MODEL_TOKENS_1H.input, filter)} + ${rule(MODEL_TOKENS_1H.output, filter)})`;

/**
 * Share of requests per provider and model that finished within their provider's latency target,
 * from the recorded 5m bucket rates: the latency SLO's good events (the rule generator's own
 * expression, per model), over the +Inf bucket (all requests with a duration). Providers missing
 * from the catalog are held to slo.global's target, as in the rules.
 */
export function withinLatencySlo(filter = RF.providerModel): string {
  const series = MODEL_BUCKET_RATE('5m');
  return `(${withinTarget(latencyTargets(catalog), series, ['provider', 'model'], filter, true)}) / sum by (provider, model) (${rule(series, `${filter}, le="+Inf"`)})`;
}
