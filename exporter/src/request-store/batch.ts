// A batch of rows in columns, the form SQLite's writer takes (sqlite-inserter.ts): thirteen numbers
// a row in one Float64Array (moved to the worker, not copied) and twelve strings a row as indexes
// into one dictionary, where the labels and ids that recur on every row appear once. Cloning
// 2,000 arrays of 25 mixed values to the worker cost the ingest thread ~2.5 µs a row; this ~0.6.
//
// A row is either a StoredRequest (keyed and pseudonymised already: a journal's rows, insert())
// or a raw counted record (the writer's hot path): then the worker derives the key and the keyed
// pseudonyms, so the HMACs and the content hash never run on the ingest thread. The raw ids
// only cross to the worker in memory; what is stored is the same as for a StoredRequest.
import type { RequestRecord } from '../events/types.js';
import type { PriceResult } from '../pricing/pricer.js';
import type { StoredRequest } from './types.js';

/** A counted record queued as it came from the pipeline (never mutated after the sink call). */
export interface RecordItem {
  rec: RequestRecord;
  price: PriceResult;
}
export type BatchItem = StoredRequest | RecordItem;

export const isRecordItem = (x: BatchItem): x is RecordItem => (x as RecordItem).rec !== undefined;

export interface EncodedBatch {
  n: number;
  /**
   * Per row: ts_ms, input, output, cache read, cache write, reasoning, cost USD, revenue USD, priced,
   * usage_unknown, latency_s, ttft_s (NaN: absent), raw (1: key and pseudonyms still to derive).
   */
  nums: Float64Array;
  /** Per row: key, provider, model, project, feature, team, user, session, API key, request id, status, error type (-1: absent). */
  strs: Int32Array;
  dict: string[];
  /** The pseudonymisation key, when raw rows are in the batch. */
  pseudonymKey?: string | Buffer;
}

export const NUM_WIDTH = 13;
export const STR_WIDTH = 12;

export function encodeBatch(items: readonly BatchItem[], pseudonymKey?: string | Buffer): EncodedBatch {
  const n = items.length;
  const nums = new Float64Array(n * NUM_WIDTH);
  const strs = new Int32Array(n * STR_WIDTH);
  const dict: string[] = [];
  const seen = new Map<string, number>();
  const rep = (v: string | undefined): number => {
    if (v === undefined) return -1;
    let x = seen.get(v);
    if (x === undefined) {
      x = dict.push(v) - 1;
      seen.set(v, x);
    }
    return x;
  };
  // Keys and request ids are unique per row: a dictionary lookup would only cost.
  const own = (v: string | undefined): number => (v === undefined ? -1 : dict.push(v) - 1);
  for (let i = 0; i < n; i++) {
    const it = items[i];
    const a = i * NUM_WIDTH;
    const c = i * STR_WIDTH;
    if (isRecordItem(it)) {
      if (pseudonymKey === undefined) throw new Error('request store: raw records need the pseudonymisation key');
      const r = it.rec;
      const t = r.tokens;
      nums[a] = r.timestampMs;
      nums[a + 1] = t.input;
      nums[a + 2] = t.output;
      nums[a + 3] = t.cacheRead;
      nums[a + 4] = t.cacheWrite;
      nums[a + 5] = t.reasoning;
      nums[a + 6] = it.price.costUsd;
      nums[a + 7] = it.price.revenueUsd;
      nums[a + 8] = it.price.priced ? 1 : 0;
      nums[a + 9] = r.usageUnknown === true ? 1 : 0;
      nums[a + 10] = r.latencySeconds ?? Number.NaN;
      nums[a + 11] = r.ttftSeconds ?? Number.NaN;
      nums[a + 12] = 1;
      strs[c] = -1;
      strs[c + 1] = rep(r.provider);
      strs[c + 2] = rep(r.model);
      strs[c + 3] = rep(r.project);
      strs[c + 4] = rep(r.feature);
      strs[c + 5] = rep(r.team);
      strs[c + 6] = rep(r.userId);
      strs[c + 7] = rep(r.sessionId);
      strs[c + 8] = rep(r.apiKey);
      strs[c + 9] = own(r.requestId);
      strs[c + 10] = rep(r.status);
      strs[c + 11] = rep(r.errorType);
      continue;
    }
    const r = it;
    nums[a] = r.timestampMs;
    nums[a + 1] = r.inputTokens;
    nums[a + 2] = r.outputTokens;
    nums[a + 3] = r.cacheReadTokens;
    nums[a + 4] = r.cacheWriteTokens;
    nums[a + 5] = r.reasoningTokens;
    nums[a + 6] = r.costUsd;
    nums[a + 7] = r.revenueUsd;
    nums[a + 8] = r.priced ? 1 : 0;
    nums[a + 9] = r.usageUnknown ? 1 : 0;
    nums[a + 10] = r.latencySeconds ?? Number.NaN;
    nums[a + 11] = r.ttftSeconds ?? Number.NaN;
    strs[c] = own(r.key);
    strs[c + 1] = rep(r.provider);
    strs[c + 2] = rep(r.model);
    strs[c + 3] = rep(r.project);
    strs[c + 4] = rep(r.feature);
    strs[c + 5] = rep(r.team);
    strs[c + 6] = rep(r.user);
    strs[c + 7] = rep(r.session);
    strs[c + 8] = rep(r.apiKey);
    strs[c + 9] = own(r.requestId);
    strs[c + 10] = rep(r.status);
    strs[c + 11] = rep(r.errorType);
  }
  const b: EncodedBatch = { n, nums, strs, dict };
  if (pseudonymKey !== undefined) b.pseudonymKey = pseudonymKey;
  return b;
}
