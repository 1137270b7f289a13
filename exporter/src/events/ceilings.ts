// Per-request ceilings for every number an event carries, and the length bound on label values
// (docs/events.md, "Ceilings"). A value past its ceiling is a writer bug (an int64 sentinel, a
// nanosecond reading in a millisecond field, a cost in micro-dollars), never real traffic, and one
// such value would dominate a counter for good: 1e308 dollars twice is +Inf, which no later scrape
// can recover from. The adapters check each field where they read it (so the rejection names the
// field's JSON path); checkRequest() checks the finished record, which also covers derived values
// (sums of token parts, end − start durations) and in-process producers such as the OTLP receiver.
import { LineRejection, type RequestRecord } from './types.js';

/**
 * Tokens of one type (input, output, cache read/write, reasoning, estimate) in one request. The
 * largest context windows are 1-10M tokens and outputs stop near 128k, so 100M is 10x anything a
 * real request reports, yet a sentinel such as 2^53 − 1 (9e15) is far past it.
 */
export const MAX_TOKENS_PER_REQUEST = 100_000_000;
/**
 * A cost the log's writer reported (`cost_usd`, LiteLLM `response_cost`), in US dollars. The
 * dearest list prices are about $600 per million output tokens, so a real request costs at most a
 * few hundred dollars; $10,000 leaves a wide margin and still rejects micro-dollars read as dollars.
 */
export const MAX_COST_USD_PER_REQUEST = 10_000;
/**
 * A cost or revenue the store will add for one request, however it was computed. 100M tokens at
 * the dearest list price are about $60,000; above $1M a price is wrong, and refusing it keeps a
 * counter from ever reaching +Inf (that would take 1e302 such requests).
 */
export const MAX_STORED_COST_USD_PER_REQUEST = 1_000_000;
/** A latency or time to first token: one day. Provider calls time out after minutes. */
export const MAX_DURATION_SECONDS = 86_400;
export const MAX_DURATION_MS = MAX_DURATION_SECONDS * 1000;
/** Counts that are not tokens (a breaker's failure_count). */
export const MAX_COUNT = 1_000_000_000;
/**
 * Label values (provider, model, feature, team, project) are cut to this many characters before
 * they are used as keys, exported or logged: a 1 MB model name must not become a 1 MB series.
 */
export const MAX_LABEL_LENGTH = 128;

/** `v` cut to MAX_LABEL_LENGTH characters (never in the middle of a surrogate pair). */
export function boundLabel(v: string): string {
  if (v.length <= MAX_LABEL_LENGTH) return v;
  const c = v.charCodeAt(MAX_LABEL_LENGTH - 1);
  return v.slice(0, c >= 0xd800 && c <= 0xdbff ? MAX_LABEL_LENGTH - 1 : MAX_LABEL_LENGTH);
}

function over(field: string, ceiling: string): LineRejection {
  return new LineRejection('invalid_field', field, `over the ceiling of ${ceiling} per request (docs/events.md, "Ceilings")`);
}

const tokens = `${MAX_TOKENS_PER_REQUEST} tokens`;

function badTokens(n: number): boolean {
  return !(n >= 0 && n <= MAX_TOKENS_PER_REQUEST);
}

function badSeconds(s: number | undefined): boolean {
  return s !== undefined && !(s >= 0 && s <= MAX_DURATION_SECONDS);
}

/**
 * The record's numbers against their ceilings, and its label values cut to MAX_LABEL_LENGTH (in
 * place, so the metrics and the request log agree). Returns the rejection, or undefined when the
 * record is fine. No allocation on the happy path.
 */
export function checkRequest(rec: RequestRecord): LineRejection | undefined {
  const t = rec.tokens;
  if (badTokens(t.input)) return over('tokens.input', tokens);
  if (badTokens(t.output)) return over('tokens.output', tokens);
  if (badTokens(t.cacheRead)) return over('tokens.cache_read', tokens);
  if (badTokens(t.cacheWrite)) return over('tokens.cache_write', tokens);
  if (badTokens(t.reasoning)) return over('tokens.reasoning', tokens);
  if (rec.estimatedInputTokens !== undefined && badTokens(rec.estimatedInputTokens)) return over('estimated_input_tokens', tokens);
  if (badSeconds(rec.latencySeconds)) return over('latency', '1 day');
  if (badSeconds(rec.ttftSeconds)) return over('ttft', '1 day');
  const cost = rec.reportedCostUsd;
  if (cost !== undefined && !(cost >= 0 && cost <= MAX_COST_USD_PER_REQUEST)) return over('cost_usd', `$${MAX_COST_USD_PER_REQUEST}`);
  if (rec.provider.length > MAX_LABEL_LENGTH) rec.provider = boundLabel(rec.provider);
  if (rec.model.length > MAX_LABEL_LENGTH) rec.model = boundLabel(rec.model);
  if (rec.feature !== undefined && rec.feature.length > MAX_LABEL_LENGTH) rec.feature = boundLabel(rec.feature);
  if (rec.team !== undefined && rec.team.length > MAX_LABEL_LENGTH) rec.team = boundLabel(rec.team);
  if (rec.project !== undefined && rec.project.length > MAX_LABEL_LENGTH) rec.project = boundLabel(rec.project);
  return undefined;
}

function within(v: number, max: number): boolean {
  return v >= 0 && v <= max;
}

/**
 * The add-path check of the usage store: `n` requests (1, or an OTLP aggregate) with these totals
 * can be added without a counter ever holding a non-finite, negative or absurd value. NaN fails
 * every comparison, so it fails here too.
 */
export function storable(rec: RequestRecord, price: { costUsd: number; revenueUsd: number }, n: number): boolean {
  if (!(Number.isSafeInteger(n) && n >= 0)) return false;
  // An aggregate of 0 calls can still carry tokens (OTLP token histograms without a duration one).
  const per = Math.max(n, 1);
  const t = rec.tokens;
  const max = MAX_TOKENS_PER_REQUEST * per;
  if (!(within(t.input, max) && within(t.output, max) && within(t.cacheRead, max) && within(t.cacheWrite, max) && within(t.reasoning, max))) return false;
  if (rec.estimatedInputTokens !== undefined && !within(rec.estimatedInputTokens, max)) return false;
  const cost = MAX_STORED_COST_USD_PER_REQUEST * per;
  if (!(within(price.costUsd, cost) && within(price.revenueUsd, cost))) return false;
  // Per-request durations; an aggregate's latency histogram is checked where it is added.
  if (n === 1 && ((rec.latencySeconds !== undefined && !within(rec.latencySeconds, MAX_DURATION_SECONDS)) || (rec.ttftSeconds !== undefined && !within(rec.ttftSeconds, MAX_DURATION_SECONDS)))) return false;
  return true;
}
