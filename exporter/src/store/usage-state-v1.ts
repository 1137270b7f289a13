// State files written before the cost histogram moved from the request tuples to the
// (provider, model) pairs (store state version 1). Converted on restore, so an upgrade keeps every
// counter: each request tuple keeps its spend as ai_cost_dollars_total, and its cost buckets, sum
// and count are added to the histogram of its (provider, model) pair, or of (provider, "other")
// when that pair had folded at the provider/model cap, which is where its latency went too. A
// request tuple folded at its own cap, (provider, other, other, other), goes to (provider, other):
// its per-model split was never kept, and per-provider spend and cost counts stay exact.
import { ERROR_TYPES } from '../events/types.js';
import { OVERFLOW_VALUE } from './label-limiter.js';
import { tupleKey } from './usage-slots.js';
import { list, PM_SCALARS, series, type StoreState } from './usage-state.js';

/** The version 1 layout: request numbers carried the cost histogram, pairs did not. */
export interface StoreStateV1 extends Omit<StoreState, 'version'> {
  version: 1;
  /** values → [success, error, input, output, cacheRead, cacheWrite, reasoning, estimated, costSum, costCount, revenue, ...costBuckets] */
  requests: Array<[string[], number[]]>;
  /** values → [durSum, durCount, ttftSum, ttftCount, unpriced, ...errors, ...durBuckets, ...ttftBuckets] */
  providerModels: Array<[string[], number[]]>;
}

/** The same state in the version 2 layout, and how many malformed entries were left out. */
export function fromV1(st: StoreStateV1, costBuckets: number, latencyBuckets: number): { state: StoreState; repaired: number } {
  const nc = costBuckets + 1;
  const nl = latencyBuckets + 1;
  const ne = ERROR_TYPES.length;
  let repaired = 0;
  const pairs = new Map<string, [string[], number[]]>();
  for (const entry of list(st.providerModels)) {
    const ok = series(entry, 2, 5 + ne + 2 * nl);
    if (!ok) {
      repaired++;
      continue;
    }
    const [values, n] = ok;
    // Cost sum and count (0 until the request tuples are added) after the five scalars, buckets last.
    pairs.set(tupleKey(values), [values, [...n.slice(0, 5), 0, 0, ...n.slice(5), ...new Array<number>(nc).fill(0)]]);
  }
  const requests: Array<[string[], number[]]> = [];
  for (const entry of list(st.requests)) {
    const ok = series(entry, 4, 11 + nc);
    if (!ok) {
      repaired++;
      continue;
    }
    const [values, n] = ok;
    const [success, error, input, output, cacheRead, cacheWrite, reasoning, estimated, costSum, costCount, revenue] = n;
    requests.push([values, [success, error, input, output, cacheRead, cacheWrite, reasoning, estimated, costSum, revenue]]);
    const [provider, model] = values;
    let pair = pairs.get(tupleKey([provider, model]));
    if (pair === undefined) {
      const folded = [provider, OVERFLOW_VALUE];
      pair = pairs.get(tupleKey(folded));
      if (pair === undefined) pairs.set(tupleKey(folded), (pair = [folded, new Array<number>(PM_SCALARS + ne + 2 * nl + nc).fill(0)]));
    }
    const p = pair[1];
    p[5] += costSum;
    p[6] += costCount;
    const at = PM_SCALARS + ne + 2 * nl;
    for (let i = 0; i < nc; i++) p[at + i] += n[11 + i];
  }
  return { state: { ...st, version: 2, requests, providerModels: [...pairs.values()] }, repaired };
}
