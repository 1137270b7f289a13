// The plain objects the usage store counts into, one per label tuple, and the data the renderer
// and the state file read (usage-render.ts, usage-state.ts). Kept apart from the store's record
// paths so each module stays small.
import { ERROR_TYPES } from '../events/types.js';
import { FAMILIES, PROJECT_LABELS, PROVIDER_MODEL_LABELS, REQUEST_LABELS, type Family } from '../contract/labels.js';
import { labelPairs } from '../exposition/exposition.js';
import type { LabelLimiter } from './label-limiter.js';

export { FAMILIES, PROVIDER_MODEL_LABELS, REQUEST_LABELS, type Family };
export const UNSET = 'unknown';

/** Distinct label tuples per family; past the cap, new tuples fold into (provider, "other", …). */
export type SeriesLimits = Record<Family, number>;

/**
 * 2,000 request tuples are 16,000 series of plain traffic (8 each: docs/metrics.md,
 * "Cardinality"), well under what one exporter renders in 50 ms; 500 provider/model pairs (the
 * model label's own cap) add at most about 34,000 cost, latency and error series (68 each).
 */
export const DEFAULT_SERIES_LIMITS: SeriesLimits = { request: 2000, provider_model: 500 };

export interface RequestSlot {
  labels: string; // rendered `provider="..",model="..",feature="..",team=".."`
  values: string[];
  success: number;
  error: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  estimated: number;
  cost: number;
  revenue: number;
}

export interface ProviderModelSlot {
  labels: string;
  values: string[];
  durBuckets: number[];
  durSum: number;
  durCount: number;
  ttftBuckets: number[];
  ttftSum: number;
  ttftCount: number;
  costBuckets: number[]; // non-cumulative, like the latency buckets; cumulated at render
  costSum: number;
  costCount: number;
  errors: number[]; // by ERROR_TYPES index
  unpriced: number;
}

export interface ProjectSlot {
  labels: string;
  values: string[];
  requests: number;
  input: number;
  output: number;
  cost: number;
}

export interface BreakerSlot {
  state: number;
  failures: number;
  sinceSeconds: number;
}

/** Everything a render or a snapshot reads; the UsageStore is the only writer. */
export interface StoreData {
  readonly costBuckets: readonly number[];
  readonly latencyBuckets: readonly number[];
  readonly limits: SeriesLimits;
  /** The catalog has customer pricing: revenue is exported for every request tuple, 0 or not. */
  readonly revenueAlways: boolean;
  readonly limiters: Record<string, LabelLimiter>;
  /** Records whose label value folded into "other", by label. */
  readonly overflow: Map<string, number>;
  /** Records whose whole tuple folded into the family's "other" tuple, by family. */
  readonly seriesFolded: Record<Family, number>;
  readonly requests: Map<string, RequestSlot>;
  readonly providerModels: Map<string, ProviderModelSlot>;
  readonly projects: Map<string, ProjectSlot>;
  readonly breakers: Map<string, BreakerSlot>;
  lastEventSeconds: number;
  /** Series reset when a state file held values no counter can have (usage-state.ts). */
  repairedSeries: number;
  /** Records refused at the add path for a non-finite, negative or out-of-ceiling value. */
  invalidValues: number;
}

export function tupleKey(values: readonly string[]): string {
  return values.join('\u0001');
}

export function newRequestSlot(values: string[]): RequestSlot {
  return {
    labels: labelPairs(REQUEST_LABELS, values),
    values,
    success: 0,
    error: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
    estimated: 0,
    cost: 0,
    revenue: 0,
  };
}

export function newProviderModelSlot(values: string[], latencyBuckets: number, costBuckets: number): ProviderModelSlot {
  const n = latencyBuckets + 1;
  return {
    labels: labelPairs(PROVIDER_MODEL_LABELS, values),
    values,
    durBuckets: new Array(n).fill(0),
    durSum: 0,
    durCount: 0,
    ttftBuckets: new Array(n).fill(0),
    ttftSum: 0,
    ttftCount: 0,
    costBuckets: new Array(costBuckets + 1).fill(0),
    costSum: 0,
    costCount: 0,
    errors: new Array(ERROR_TYPES.length).fill(0),
    unpriced: 0,
  };
}

export function newProjectSlot(values: string[]): ProjectSlot {
  return { labels: labelPairs(PROJECT_LABELS, values), values, requests: 0, input: 0, output: 0, cost: 0 };
}
