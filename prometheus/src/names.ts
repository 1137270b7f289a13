// Recording-rule names read outside the module that records them: by the dashboards, by other rule
// modules, and by docs and tests. One definition each, built with the naming convention
// (levels.ts), so a renamed rule breaks the build instead of leaving an empty panel.
// test/dashboards/names.test.ts checks every name here is recorded by the generator.
import {
  PROVIDER,
  PROVIDER_LE,
  PROVIDER_MODEL,
  PROVIDER_MODEL_FEATURE_OPPORTUNITY,
  PROVIDER_MODEL_LE,
  PROVIDER_MODEL_QUANTILE,
  PROVIDER_QUANTILE,
  ruleName,
  SCOPE_NAME,
} from './levels.js';

/** Windows are PromQL durations ("5m", "1h", "30d"); which exist is up to the recording module. */
type Window = string;

// Requests and errors (concerns/slo.ts).
export const REQUESTS_5M = ruleName(PROVIDER, 'ai_requests', 'rate5m');
export const MODEL_REQUESTS_5M = ruleName(PROVIDER_MODEL, 'ai_requests', 'rate5m');
/** Any error type, per provider and model (5m): the model error alert's ratio. */
export const MODEL_ERROR_RATIO_5M = ruleName(PROVIDER_MODEL, 'ai_request_errors_per_requests', 'ratio_rate5m');

/**
 * One per-provider SLO whose SLI is good events over all events: the series the multi-window
 * multi-burn-rate rules record for it (concerns/slo.ts records availability's, latency.ts latency's).
 */
export interface ProviderSloNames {
  /** Bad events per second (5m rate). */
  bad5m: string;
  /** All events per second (5m rate): the SLI's denominator. */
  total5m: string;
  /** The objective per provider (catalog, slo.global for providers it lacks). */
  objective: string;
  /** 1 - objective: the share of events allowed to be bad. */
  budget: string;
  /** Bad over all events over a window. */
  errorRatio: (w: Window) => string;
  /** errorRatio / budget (1 = spending the budget exactly as fast as the period allows). */
  burnRate: (w: Window) => string;
  /** Events in a window: the volume gate of the burn-rate alerts. */
  eventsIn: (w: Window) => string;
  /** 1 - errorRatio: the SLI over a window. */
  sli: (w: Window) => string;
  /** Share of the period's error budget left (1 untouched, 0 spent, negative overspent). */
  remaining: string;
}

/** Availability: requests not failed by the provider (server errors, timeouts, rate limits, other). */
export const AVAILABILITY_SLO: ProviderSloNames = {
  bad5m: ruleName(PROVIDER, 'ai_provider_errors', 'rate5m'),
  total5m: REQUESTS_5M,
  objective: ruleName(PROVIDER, 'ai_availability_objective', 'ratio'),
  budget: ruleName(PROVIDER, 'ai_error_budget', 'ratio'),
  errorRatio: (w) => ruleName(PROVIDER, 'ai_provider_errors_per_requests', `ratio_rate${w}`),
  burnRate: (w) => ruleName(PROVIDER, 'ai_error_budget', `burnrate${w}`),
  eventsIn: (w) => ruleName(PROVIDER, 'ai_requests', `increase${w}`),
  sli: (w) => ruleName(PROVIDER, 'ai_availability', `ratio_rate${w}`),
  remaining: ruleName(PROVIDER, 'ai_error_budget', 'remaining_ratio'),
};

const DURATION = 'ai_request_duration_seconds';

/**
 * Latency: requests (with a duration) that finished within their provider's latency target
 * (catalog latency_p95_seconds), as a share of all requests with a duration.
 */
export const LATENCY_SLO: ProviderSloNames & { target: string; good5m: string } = {
  /** The latency target in seconds per provider (catalog, slo.global for providers it lacks). */
  target: ruleName(PROVIDER, 'ai_latency_target', 'seconds'),
  good5m: ruleName(PROVIDER, 'ai_requests_within_latency_target', 'rate5m'),
  bad5m: ruleName(PROVIDER, 'ai_slow_requests', 'rate5m'),
  total5m: ruleName(PROVIDER, `${DURATION}_count`, 'rate5m'),
  objective: ruleName(PROVIDER, 'ai_latency_objective', 'ratio'),
  budget: ruleName(PROVIDER, 'ai_latency_error_budget', 'ratio'),
  errorRatio: (w) => ruleName(PROVIDER, 'ai_slow_requests_per_requests', `ratio_rate${w}`),
  burnRate: (w) => ruleName(PROVIDER, 'ai_latency_error_budget', `burnrate${w}`),
  eventsIn: (w) => ruleName(PROVIDER, `${DURATION}_count`, `increase${w}`),
  sli: (w) => ruleName(PROVIDER, 'ai_latency_sli', `ratio_rate${w}`),
  remaining: ruleName(PROVIDER, 'ai_latency_error_budget', 'remaining_ratio'),
};

// Latency histograms (concerns/latency.ts): bucket rates keep `le`, quantiles carry `quantile`.
export const PROVIDER_BUCKET_RATE = (w: Window) => ruleName(PROVIDER_LE, `${DURATION}_bucket`, `rate${w}`);
export const MODEL_BUCKET_RATE = (w: Window) => ruleName(PROVIDER_MODEL_LE, `${DURATION}_bucket`, `rate${w}`);
export const PROVIDER_LATENCY_QUANTILE = (w: Window) => ruleName(PROVIDER_QUANTILE, DURATION, `histogram_quantile_rate${w}`);
export const MODEL_LATENCY_QUANTILE = (w: Window) => ruleName(PROVIDER_MODEL_QUANTILE, DURATION, `histogram_quantile_rate${w}`);

// Health (concerns/health.ts).
export const HEALTH_SCORE = ruleName(PROVIDER, 'ai_health', 'score');

// Budgets (concerns/budget.ts).
export const BUDGET_USED = ruleName(SCOPE_NAME, 'ai_budget_used', 'ratio');
export const BUDGET_PROJECTED = ruleName(SCOPE_NAME, 'ai_budget_projected', 'ratio');
export const BUDGET_PROJECTION = ruleName(SCOPE_NAME, 'ai_cost_dollars', 'month_end_projection');

// Savings (concerns/savings.ts).
export const SAVINGS_ESTIMATE = ruleName(PROVIDER_MODEL_FEATURE_OPPORTUNITY, 'ai_savings_dollars', 'monthly_estimate');

// Tokens (concerns/tokens.ts).
export const MODEL_TOKENS_1H = {
  input: ruleName(PROVIDER_MODEL, 'ai_tokens_input', 'increase1h'),
  output: ruleName(PROVIDER_MODEL, 'ai_tokens_output', 'increase1h'),
};
