// PostgreSQL's array literals (as pg-arrays.ts writes them from rows) built from an encoded batch
// (batch.ts), as one piece of plain JavaScript: PostgreSQL's insert worker (pg-thread.ts) runs it
// without a TypeScript loader, and the main thread evaluates the same text when it writes without
// the worker. Each dictionary entry is quoted once, not once a row, and no row object is built.
// Raw records get their idempotency key and keyed pseudonyms from batch-codec.ts, as SQLite's
// worker does (sqlite-inserter.ts), so both backends store the same rows.
import type { EncodedBatch } from './batch.js';
import { codec, CODEC_IN_WORKER, NUM_WIDTH, STR_WIDTH } from './batch-codec.js';
import { NANO_PER_USD } from './row.js';
import { COLUMNS } from './sql.js';

export const LITERALS_SOURCE = String.raw`(function makeLiterals(codec, columns, NW, SW) {
  // Array elements double-quoted with " and \ escaped: any value is data, NULL only unquoted.
  const quote = (v) => (/["\\]/.test(v) ? '"' + v.replace(/["\\]/g, '\\$&') + '"' : '"' + v + '"');
  // String columns: key, provider, model, project, feature, team, user, session, API key, request id, status, error type.
  const S = { key: 0, provider: 1, model: 2, project: 3, feature: 4, team: 5, user_p: 6, session_p: 7, api_key_p: 8, request_id: 9, status: 10, error_type: 11 };
  const N = { ts_ms: 0, input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_write_tokens: 4, reasoning_tokens: 5, priced: 8, usage_unknown: 9 };
  return function literals(batch) {
    const n = batch.n, nums = batch.nums, strs = batch.strs, pk = batch.pseudonymKey;
    const dict = codec.dictOf(batch), pseudonym = codec.pseudonyms(pk);
    const quoted = dict.map(quote);
    const out = new Array(n);
    const column = (get) => { for (let i = 0; i < n; i++) out[i] = get(i * NW, i * SW, i); return '{' + out.join(',') + '}'; };
    const raw = (a) => nums[a + 12] === 1;
    const subject = (k) => column((a, c) => {
      const x = strs[c + k];
      if (x < 0) return 'NULL';
      return raw(a) ? quote(pseudonym(dict[x])) : quoted[x];
    });
    const key = () => column((a, c, i) => (raw(a) ? quote(codec.rowKey(batch, dict, i)) : quoted[strs[c]]));
    return columns.map((col) => {
      if (col === 'key') return key();
      if (col === 'user_p' || col === 'session_p' || col === 'api_key_p') return subject(S[col]);
      if (col in S) { const k = S[col]; return column((a, c) => (strs[c + k] < 0 ? 'NULL' : quoted[strs[c + k]])); }
      if (col in N) { const k = N[col]; return column((a) => nums[a + k]); }
      if (col === 'total_tokens') return column((a) => nums[a + 1] + nums[a + 2]);
      if (col === 'cost_nusd') return column((a) => Math.round(nums[a + 6] * 1e9));
      if (col === 'revenue_nusd') return column((a) => Math.round(nums[a + 7] * 1e9));
      if (col === 'latency_s') return column((a) => (nums[a + 10] === nums[a + 10] ? nums[a + 10] : 'NULL'));
      if (col === 'ttft_s') return column((a) => (nums[a + 11] === nums[a + 11] ? nums[a + 11] : 'NULL'));
      throw new Error('request store: no literal for column ' + col);
    });
  };
})`;

// The literals round to nano-dollars as toNano() does; a change of unit must change both.
if (NANO_PER_USD !== 1e9) throw new Error('pg-literals.ts assumes nano-dollars');

/** The factory's arguments as source text (the worker has require). */
export const LITERALS_DEPS = `${CODEC_IN_WORKER}, ${JSON.stringify(COLUMNS)}, ${NUM_WIDTH}, ${STR_WIDTH}`;

/** The batch's 25 array literals, in COLUMNS order, built on this thread. */
export const encodedLiterals: (batch: EncodedBatch) => string[] = new Function(`return ${LITERALS_SOURCE};`)()(codec, COLUMNS, NUM_WIDTH, STR_WIDTH);
