// What every reader of an encoded batch (batch.ts) needs, as one piece of plain JavaScript: the
// dictionary from its string, a raw record's idempotency key from its columns, and keyed
// pseudonyms. SQLite's insert worker (sqlite-inserter.ts), PostgreSQL's literals (pg-literals.ts)
// and the main thread (decodeBatch) evaluate this same text, so all three build the same rows.
import * as crypto from 'node:crypto';
import { PSEUDONYM_LENGTH } from '../log/pseudonym.js';
import { KEY_SOURCE } from './row.js';

/** Numbers a row: ts_ms, input, output, cache read, cache write, reasoning, cost, revenue, priced, usage_unknown, latency, ttft, raw. */
export const NUM_WIDTH = 13;
/** Strings a row: key, provider, model, project, feature, team, user, session, API key, request id, status, error type. */
export const STR_WIDTH = 12;

export const CODEC_SOURCE = String.raw`(function batchCodec(crypto, keyOf, pseudonymLength, NW, SW) {
  const sha256hex = (x) => crypto.createHash('sha256').update(x, 'utf8').digest('hex');
  // The dictionary crosses as one string and each entry's end offset.
  function dictOf(batch) {
    const ends = batch.ends, text = batch.text, dict = new Array(ends.length);
    for (let i = 0, start = 0; i < ends.length; i++) { dict[i] = text.slice(start, ends[i]); start = ends[i]; }
    return dict;
  }
  // Row i's idempotency key: a raw record's from its fields (its ids before pseudonymisation), a row's as it carries it.
  function rowKey(batch, dict, i) {
    const nums = batch.nums, strs = batch.strs, a = i * NW, c = i * SW;
    if (nums[a + 12] !== 1) return dict[strs[c]];
    const str = (x) => (x < 0 ? undefined : dict[x]);
    const opt = (v) => (v === v ? v : undefined);
    return keyOf(str(strs[c + 9]), nums[a], dict[strs[c + 1]], dict[strs[c + 2]], str(strs[c + 3]), str(strs[c + 4]), str(strs[c + 5]),
      str(strs[c + 6]), str(strs[c + 7]), str(strs[c + 8]), dict[strs[c + 10]], str(strs[c + 11]), nums[a + 1], nums[a + 2], nums[a + 3],
      nums[a + 4], nums[a + 5], opt(nums[a + 10]), opt(nums[a + 11]), sha256hex);
  }
  // Keyed pseudonyms exactly as log/pseudonym.ts makes them, with a bounded memo dropped when the key changes.
  let memoOf, memo = new Map();
  function pseudonyms(key) {
    if (key === undefined) return () => { throw new Error('request store: raw records need the pseudonymisation key'); };
    const id = typeof key === 'string' ? 's' + key : 'b' + Buffer.from(key).toString('hex');
    if (id !== memoOf) { memoOf = id; memo = new Map(); }
    return (v) => {
      let p = memo.get(v);
      if (p === undefined) {
        p = crypto.createHmac('sha256', key).update(v, 'utf8').digest('hex').slice(0, pseudonymLength);
        if (memo.size >= 100000) memo.clear();
        memo.set(v, p);
      }
      return p;
    };
  }
  return { dictOf, rowKey, pseudonyms };
})`;

/** The codec as a worker builds it (it has require). */
export const CODEC_IN_WORKER = `(${CODEC_SOURCE})(require('node:crypto'), ${KEY_SOURCE}, ${PSEUDONYM_LENGTH}, ${NUM_WIDTH}, ${STR_WIDTH})`;

export interface BatchCodec {
  dictOf(batch: { text: string; ends: Int32Array }): string[];
  rowKey(batch: { nums: Float64Array; strs: Int32Array }, dict: readonly string[], i: number): string;
  pseudonyms(key: string | Buffer | undefined): (id: string) => string;
}

/** The codec on this thread. */
export const codec: BatchCodec = new Function(`return ${CODEC_SOURCE};`)()(crypto, new Function(`return ${KEY_SOURCE};`)(), PSEUDONYM_LENGTH, NUM_WIDTH, STR_WIDTH);
