// The usage store as exposition text: every ai_* request series and the store's own health
// series, written out at scrape time from the plain slots (usage-slots.ts). One synchronous pass,
// so a scrape sees one consistent state; its cost is bounded by the tuple caps.
import { ERROR_TYPES } from '../events/types.js';
import { escapeLabelValue, formatLe, formatValue, header, type Format } from './exposition.js';
import { FAMILIES, type RequestSlot, type StoreData } from './usage-slots.js';

const TOKEN_FAMILIES: Array<[string, string, keyof RequestSlot]> = [
  ['ai_tokens_input_total', 'Input tokens, cache reads and writes included.', 'input'],
  ['ai_tokens_output_total', 'Output tokens, reasoning included.', 'output'],
  ['ai_tokens_cache_read_total', 'Input tokens served from the provider prompt cache.', 'cacheRead'],
  ['ai_tokens_cache_write_total', 'Input tokens written to the provider prompt cache.', 'cacheWrite'],
  ['ai_tokens_reasoning_total', 'Reasoning (thinking) output tokens.', 'reasoning'],
  ['ai_tokens_estimated_total', 'Input tokens the caller estimated before the request.', 'estimated'],
];

/** Number of samples a render writes (for benchmarks and the docs' cardinality estimate). */
export function sampleCount(d: StoreData): number {
  const hCost = d.costBuckets.length + 3;
  const hLat = d.latencyBuckets.length + 3;
  let n = d.requests.size * (2 + 6 + hCost + 1);
  n += d.providerModels.size * (2 * hLat + ERROR_TYPES.length + 1);
  n += d.projects.size * 4 + d.breakers.size * 3;
  return n;
}

/** `,le="<bound>"} ` for each bound and +Inf, built once per bucket layout. */
const leSuffixes = new WeakMap<readonly number[], string[]>();
function les(bounds: readonly number[]): string[] {
  let l = leSuffixes.get(bounds);
  if (l === undefined) leSuffixes.set(bounds, (l = [...bounds.map((b) => `,le="${formatLe(b)}"} `), ',le="+Inf"} ']));
  return l;
}

function histogram(out: string[], name: string, labels: string, bounds: readonly number[], counts: number[], sum: number, count: number, ts: string): void {
  const le = les(bounds);
  const head = `${name}_bucket{${labels}`;
  let cum = 0;
  for (let i = 0; i < bounds.length; i++) {
    cum += counts[i];
    out.push(`${head}${le[i]}${cum}${ts}\n`);
  }
  out.push(`${head}${le[bounds.length]}${count}${ts}\n`);
  out.push(`${name}_sum{${labels}} ${formatValue(sum)}${ts}\n`);
  out.push(`${name}_count{${labels}} ${count}${ts}\n`);
}

/**
 * Writes every series. With `timestampMs` each sample carries it (backfill); OpenMetrics callers
 * add the final `# EOF` themselves because several renders go into one file.
 */
export function renderStore(d: StoreData, format: Format = 'prometheus', timestampMs?: number): string {
  const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
  const out: string[] = [];
  const reqs = [...d.requests.values()];
  const pms = [...d.providerModels.values()];

  out.push(header('ai_requests_total', 'counter', 'LLM requests by outcome (status="success"|"error").', format));
  for (const s of reqs) {
    // Both outcomes from the first request on, at 0 if need be: a series born above 0 loses its
    // first increment to rate()/increase(), so a provider's first failures would go unseen.
    out.push(`ai_requests_total{${s.labels},status="success"} ${s.success}${ts}\n`);
    out.push(`ai_requests_total{${s.labels},status="error"} ${s.error}${ts}\n`);
  }
  for (const [name, help, field] of TOKEN_FAMILIES) {
    out.push(header(name, 'counter', help, format));
    for (const s of reqs) out.push(`${name}{${s.labels}} ${s[field] as number}${ts}\n`);
  }
  out.push(header('ai_request_cost_dollars', 'histogram', 'Cost of each request in US dollars; _sum is spend.', format));
  for (const s of reqs) histogram(out, 'ai_request_cost_dollars', s.labels, d.costBuckets, s.costBuckets, s.costSum, s.costCount, ts);
  out.push(header('ai_revenue_dollars_total', 'counter', 'What customers are charged, from the catalog customer price list.', format));
  for (const s of reqs) out.push(`ai_revenue_dollars_total{${s.labels}} ${s.revenue}${ts}\n`);

  out.push(header('ai_request_duration_seconds', 'histogram', 'End-to-end LLM request latency.', format));
  for (const s of pms) if (s.durCount) histogram(out, 'ai_request_duration_seconds', s.labels, d.latencyBuckets, s.durBuckets, s.durSum, s.durCount, ts);
  out.push(header('ai_time_to_first_token_seconds', 'histogram', 'Time to the first streamed token.', format));
  for (const s of pms) if (s.ttftCount) histogram(out, 'ai_time_to_first_token_seconds', s.labels, d.latencyBuckets, s.ttftBuckets, s.ttftSum, s.ttftCount, ts);
  out.push(header('ai_request_errors_total', 'counter', 'Failed LLM requests by error type.', format));
  for (const s of pms) {
    // Every error type at 0 from the first request on, for the same reason as status="error".
    for (let i = 0; i < ERROR_TYPES.length; i++) out.push(`ai_request_errors_total{${s.labels},error_type="${ERROR_TYPES[i]}"} ${s.errors[i]}${ts}\n`);
  }
  out.push(header('ai_unpriced_requests_total', 'counter', 'Successful requests for models no price is known for, or whose token usage is unknown.', format));
  for (const s of pms) out.push(`ai_unpriced_requests_total{${s.labels}} ${s.unpriced}${ts}\n`);

  out.push(header('ai_project_requests_total', 'counter', 'LLM requests by project.', format));
  for (const s of d.projects.values()) out.push(`ai_project_requests_total{${s.labels}} ${s.requests}${ts}\n`);
  out.push(header('ai_project_tokens_total', 'counter', 'Tokens by project and direction (input includes cache).', format));
  for (const s of d.projects.values()) {
    out.push(`ai_project_tokens_total{${s.labels},direction="input"} ${s.input}${ts}\n`);
    out.push(`ai_project_tokens_total{${s.labels},direction="output"} ${s.output}${ts}\n`);
  }
  out.push(header('ai_project_cost_dollars_total', 'counter', 'Spend by project in US dollars.', format));
  for (const s of d.projects.values()) out.push(`ai_project_cost_dollars_total{${s.labels}} ${s.cost}${ts}\n`);

  out.push(header('ai_circuit_breaker_state', 'gauge', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', format));
  for (const [p, b] of d.breakers) out.push(`ai_circuit_breaker_state{provider="${escapeLabelValue(p)}"} ${b.state}${ts}\n`);
  out.push(header('ai_circuit_breaker_failures', 'gauge', 'Failure count the breaker reported with its last state change.', format));
  for (const [p, b] of d.breakers) out.push(`ai_circuit_breaker_failures{provider="${escapeLabelValue(p)}"} ${b.failures}${ts}\n`);
  out.push(header('ai_circuit_breaker_state_since_timestamp_seconds', 'gauge', 'When the breaker entered its current state (0 if never reported).', format));
  for (const [p, b] of d.breakers) out.push(`ai_circuit_breaker_state_since_timestamp_seconds{provider="${escapeLabelValue(p)}"} ${b.sinceSeconds}${ts}\n`);

  renderHealth(out, d, format, ts);
  return out.join('');
}

function renderHealth(out: string[], d: StoreData, format: Format, ts: string): void {
  out.push(header('ai_exporter_label_overflow_total', 'counter', 'Records whose label value was folded into "other" by the cardinality cap.', format));
  for (const l of Object.keys(d.limiters)) out.push(`ai_exporter_label_overflow_total{label="${l}"} ${d.overflow.get(l) ?? 0}${ts}\n`);
  out.push(header('ai_exporter_series_folded_total', 'counter', 'Records whose label tuple was folded into the family\'s "other" tuple by the series cap.', format));
  for (const f of FAMILIES) out.push(`ai_exporter_series_folded_total{family="${f}"} ${d.seriesFolded[f]}${ts}\n`);
  out.push(header('ai_exporter_label_tuples', 'gauge', 'Distinct label tuples held, by family.', format));
  out.push(`ai_exporter_label_tuples{family="request"} ${d.requests.size}${ts}\n`);
  out.push(`ai_exporter_label_tuples{family="provider_model"} ${d.providerModels.size}${ts}\n`);
  out.push(header('ai_exporter_label_tuples_limit', 'gauge', 'Cap on distinct label tuples, by family (--max-request-tuples, --max-model-tuples).', format));
  for (const f of FAMILIES) out.push(`ai_exporter_label_tuples_limit{family="${f}"} ${d.limits[f]}${ts}\n`);
  out.push(header('ai_exporter_state_repaired_series_total', 'counter', 'Series reset on start because the state file held a value no counter can have.', format));
  out.push(`ai_exporter_state_repaired_series_total ${d.repairedSeries}${ts}\n`);
  out.push(header('ai_exporter_invalid_values_dropped_total', 'counter', 'Records refused by the store for a non-finite, negative or out-of-ceiling value.', format));
  out.push(`ai_exporter_invalid_values_dropped_total ${d.invalidValues}${ts}\n`);
  out.push(header('ai_exporter_last_event_timestamp_seconds', 'gauge', 'Timestamp of the newest ingested event.', format));
  out.push(`ai_exporter_last_event_timestamp_seconds ${d.lastEventSeconds}${ts}\n`);
}
