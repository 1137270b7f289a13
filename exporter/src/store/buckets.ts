// Histogram bucket layouts. Latency buckets span 0.1 s to 300 s (LLM calls stream for minutes) and
// always include every SLO p95 target from the catalog, so histogram_quantile is exact at the
// threshold that on-call is paged on.
import type { Catalog } from '../../../catalog/src/schema.js';
import { sloFor } from '../../../catalog/src/load.js';

export const COST_BUCKETS_DOLLARS = [
  0.00001, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
] as const;

export const BASE_LATENCY_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];

export function latencyBuckets(catalog: Catalog): number[] {
  const set = new Set(BASE_LATENCY_BUCKETS_SECONDS);
  for (const p of catalog.providers) set.add(sloFor(catalog, p.slug).latency_p95_seconds);
  return [...set].filter((b) => b > 0 && b <= 300).sort((a, b) => a - b);
}

/** Index of the first bucket whose upper bound is ≥ v; buckets.length for +Inf. */
export function bucketIndex(buckets: readonly number[], v: number): number {
  let i = 0;
  while (i < buckets.length && v > buckets[i]) i++;
  return i;
}
