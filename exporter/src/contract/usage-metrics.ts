// The contract's usage families: what the store counts (requests, tokens, cost, latency, errors,
// projects, breakers) and the catalog as series. See contract/metrics.ts.
import {
  BOOLEANS, BUDGET_SCOPES, DIRECTIONS, ERROR_TYPES, PROJECT_LABELS, PROVIDER_MODEL_LABELS, PROVIDER_STATUSES, REQUEST_LABELS, SLO_KINDS, STATUSES,
  TOKEN_TYPES,
} from './labels.js';
import type { MetricSpec } from './spec.js';

const REQ = REQUEST_LABELS;
const PM = PROVIDER_MODEL_LABELS;

export const USAGE_METRICS = {

  // --- requests, tokens, cost: (provider, model, feature, team) ---
  requests: {
    name: 'ai_requests_total', type: 'counter', help: 'LLM requests by outcome (status="success"|"error").',
    labels: [...REQ, 'status'], values: { status: STATUSES }, unit: 'requests', section: 'requests',
    meaning: 'requests by outcome; both `status` values from the tuple\'s first request on (0 if need be), so `rate()` sees the first failure',
  },
  tokensInput: {
    name: 'ai_tokens_input_total', type: 'counter', help: 'Input tokens, cache reads and writes included.',
    labels: REQ, unit: 'tokens', section: 'requests', meaning: 'all input tokens, **cache reads and writes included**',
  },
  tokensOutput: {
    name: 'ai_tokens_output_total', type: 'counter', help: 'Output tokens, reasoning included.',
    labels: REQ, unit: 'tokens', section: 'requests', meaning: 'all output tokens, **reasoning included**',
  },
  tokensCacheRead: {
    name: 'ai_tokens_cache_read_total', type: 'counter', help: 'Input tokens served from the provider prompt cache.',
    labels: REQ, unit: 'tokens', section: 'requests',
    meaning: 'input tokens read from the prompt cache; at 0 from the first request on, because the prompt-caching savings rule subtracts it from input',
  },
  tokensCacheWrite: {
    name: 'ai_tokens_cache_write_total', type: 'counter', help: 'Input tokens written to the provider prompt cache.',
    labels: REQ, unit: 'tokens', section: 'requests', meaning: 'input tokens written to the prompt cache; at 0 from the first request on, like cache reads',
  },
  tokensReasoning: {
    name: 'ai_tokens_reasoning_total', type: 'counter', help: 'Reasoning (thinking) output tokens.',
    labels: REQ, unit: 'tokens', section: 'requests', meaning: 'reasoning / thinking tokens (part of output)',
    exported: 'once the tuple reported reasoning tokens',
  },
  tokensEstimated: {
    name: 'ai_tokens_estimated_total', type: 'counter', help: 'Input tokens the caller estimated before the request.',
    labels: REQ, unit: 'tokens', section: 'requests', meaning: "the caller's own pre-request input estimate (`estimated_input_tokens`)",
    exported: 'once the tuple carried an estimate',
  },
  cost: {
    name: 'ai_cost_dollars_total', type: 'counter', help: 'Spend in US dollars (failed requests cost 0).',
    labels: REQ, unit: 'dollars', section: 'requests', meaning: 'spend; the series every spend rule, budget and panel sums',
  },
  revenue: {
    name: 'ai_revenue_dollars_total', type: 'counter', help: 'What customers are charged, from the catalog customer price list.',
    labels: REQ, unit: 'dollars', section: 'requests', meaning: 'what customers are charged (catalog `customer_pricing`)',
    exported: 'when the catalog has `customer_pricing` (then from the first request on), or once non-zero',
  },
  requestCost: {
    name: 'ai_request_cost_dollars', type: 'histogram', help: 'Cost of each request in US dollars, by provider and model; _sum is spend.',
    labels: PM, unit: 'dollars', section: 'requests',
    meaning: 'cost distribution per request; `_sum` is spend by provider and model, `_count` requests priced (failed calls observe 0)',
  },
  unpriced: {
    name: 'ai_unpriced_requests_total', type: 'counter', help: 'Successful requests for models no price is known for, or whose token usage is unknown.',
    labels: PM, unit: 'requests', section: 'requests',
    meaning: 'successful requests for a model nobody can price, or whose source reported no token usage (an OpenTelemetry span without usage, docs/otlp.md); cost 0 unless the log carried its own cost',
  },
  // --- latency and errors: (provider, model) ---
  duration: {
    name: 'ai_request_duration_seconds', type: 'histogram', help: 'End-to-end LLM request latency.',
    labels: PM, unit: 'seconds', section: 'latency', meaning: 'end-to-end latency of requests that reported one', exported: 'once a request reported its latency',
  },
  timeToFirstToken: {
    name: 'ai_time_to_first_token_seconds', type: 'histogram', help: 'Time to the first streamed token.',
    labels: PM, unit: 'seconds', section: 'latency', meaning: 'time to first streamed token', exported: 'once a request reported it',
  },
  errors: {
    name: 'ai_request_errors_total', type: 'counter', help: 'Failed LLM requests by error type.',
    labels: [...PM, 'error_type'], values: { error_type: ERROR_TYPES }, unit: 'requests', section: 'latency',
    meaning: 'failed requests by error type',
    exported: 'at 0 from the first request on for the provider-attributable types (`server_error`, `timeout`, `rate_limit`, `other`: the burn-rate alerts read them), once they occur for the others',
  },
  // --- projects ---
  projectRequests: {
    name: 'ai_project_requests_total', type: 'counter', help: 'LLM requests by project.',
    labels: PROJECT_LABELS, unit: 'requests', section: 'project', meaning: 'requests by project',
  },
  projectTokens: {
    name: 'ai_project_tokens_total', type: 'counter', help: 'Tokens by project and direction (input includes cache).',
    labels: [...PROJECT_LABELS, 'direction'], values: { direction: DIRECTIONS }, unit: 'tokens', section: 'project', meaning: 'tokens by project and direction',
  },
  projectCost: {
    name: 'ai_project_cost_dollars_total', type: 'counter', help: 'Spend by project in US dollars.',
    labels: PROJECT_LABELS, unit: 'dollars', section: 'project', meaning: 'spend by project',
  },
  // --- circuit breaker ---
  breakerState: {
    name: 'ai_circuit_breaker_state', type: 'gauge', help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    labels: ['provider'], unit: 'state', section: 'breaker', meaning: '0 closed, 1 half-open, 2 open; every catalog provider starts at 0',
  },
  breakerFailures: {
    name: 'ai_circuit_breaker_failures', type: 'gauge', help: 'Failure count the breaker reported with its last state change.',
    labels: ['provider'], unit: 'requests', section: 'breaker', meaning: 'failure count reported with the last state change (0 after closing)',
  },
  breakerStateSince: {
    name: 'ai_circuit_breaker_state_since_timestamp_seconds', type: 'gauge', help: 'When the breaker entered its current state (0 if never reported).',
    labels: ['provider'], unit: 'seconds', section: 'breaker', meaning: 'when the current state began (0: never reported)',
  },
  // --- the catalog as series ---
  modelPrice: {
    name: 'ai_model_price_dollars_per_million_tokens', type: 'gauge', help: 'Price in force per million tokens, by token type.',
    labels: ['provider', 'model', 'token_type'], values: { token_type: TOKEN_TYPES }, unit: 'dollars', section: 'catalog', meaning: 'price in force now',
  },
  modelInfo: {
    name: 'ai_model_info', type: 'info', help: 'Model metadata from the catalog, for its ids and for observed ids it matches (dated snapshots, provider prefixes).',
    labels: ['provider', 'model', 'family', 'context_window', 'deprecated'], values: { deprecated: BOOLEANS }, unit: 'info', section: 'catalog', meaning: 'model metadata; also for each observed model id a catalog model matches (a dated snapshot or provider-prefixed id gets the entry\'s family and prices)',
  },
  providerInfo: {
    name: 'ai_provider_info', type: 'info', help: 'Provider metadata: display name, colour, status.',
    labels: ['provider', 'name', 'color', 'status'], values: { status: PROVIDER_STATUSES }, unit: 'info', section: 'catalog', meaning: 'provider display name, colour, status',
  },
  catalogInfo: {
    name: 'ai_catalog_info', type: 'info', help: 'The catalog the exporter runs with: fingerprint is a hash of its normalised content.',
    labels: ['fingerprint'], unit: 'info', section: 'catalog',
    meaning: 'the catalog the exporter runs with: `fingerprint` is sha256 of its parsed content, 12 hex digits; the rules and dashboards carry the one they were built from ([rules.md](rules.md#catalog-fingerprint))',
  },
  budget: {
    name: 'ai_budget_dollars', type: 'gauge', help: 'Monthly budget in US dollars by scope (total, team, provider, model).',
    labels: ['scope', 'name'], values: { scope: BUDGET_SCOPES }, unit: 'dollars', section: 'catalog', meaning: 'monthly budget; `scope` `total` has name `total`',
  },
  budgetWarningRatio: {
    name: 'ai_budget_warning_ratio', type: 'gauge', help: 'Fraction of a budget at which warnings start.',
    labels: [], unit: 'ratio', section: 'catalog', meaning: 'fraction of a budget where warnings start',
  },
  sloTarget: {
    name: 'ai_slo_target', type: 'gauge', help: 'SLO targets per provider: availability, latency_objective and error_rate as ratios, latency_p95_seconds in seconds.',
    labels: ['provider', 'slo'], values: { slo: SLO_KINDS }, unit: 'ratio', section: 'catalog',
    meaning: '`availability`, `latency_objective` and `error_rate` (ratios), `latency_p95_seconds` (seconds), per provider with global defaults applied',
  },
  sloPeriod: {
    name: 'ai_slo_period_seconds', type: 'gauge', help: 'Length of the SLO period over which the error budget is spent.',
    labels: [], unit: 'seconds', section: 'catalog', meaning: 'SLO period for error budgets',
  },
  currencyRate: {
    name: 'ai_currency_exchange_rate', type: 'gauge', help: 'Units of the display currency per US dollar.',
    labels: ['currency'], unit: 'ratio', section: 'catalog', meaning: 'display-currency units per US dollar',
  },
} as const satisfies Record<string, MetricSpec>;
