// PostgreSQL's array literals (as pg-arrays.ts writes them from rows) built from an encoded batch
// (batch.ts), as one piece of plain JavaScript: PostgreSQL's insert worker (pg-thread.ts) runs it
// without a TypeScript loader, and the main thread evaluates the same text when it writes without
// the worker. Each dictionary entry is quoted once, not once a row, and no row object is built.
// Raw records get their idempotency key (row.ts's KEY_SOURCE) and keyed pseudonyms here, exactly
// as SQLite's worker makes them (sqlite-inserter.ts), so both backends store the same rows.
import * as crypto from 'node:crypto';
import { PSEUDONYM_LENGTH } from '../log/pseudonym.js';
import { NUM_WIDTH, STR_WIDTH, type EncodedBatch } from './batch.js';
import { KEY_SOURCE, NANO_PER_USD } from './row.js';
import { COLUMNS } from './sql.js';

export const LITERALS_SOURCE = String.raw`(function makeLiterals(crypto, keyOf, pseudonymLength, columns, NW, SW) {
  const sha256hex = (x) => crypto.createHash('sha256').update(x, 'utf8').digest('hex');
  // The keyed pseudonym of log/pseudonym.ts, with a bounded memo per key.
  let memoOf, memo = new Map();
  function pseudonymOf(key, id) {
    let p = memo.get(id);
    if (p === undefined) {
      p = crypto.createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, pseudonymLength);
      if (memo.size >= 100000) memo.clear();
      memo.set(id, p);
    }
    return p;
  }
  // Array elements double-quoted with " and \ escaped: any value is data, NULL only unquoted.
  const quote = (v) => (/["\\]/.test(v) ? '"' + v.replace(/["\\]/g, '\\$&') + '"' : '"' + v + '"');
  // String columns: key, provider, model, project, feature, team, user, session, API key, request id, status, error type.
  const S = { key: 0, provider: 1, model: 2, project: 3, feature: 4, team: 5, user_p: 6, session_p: 7, api_key_p: 8, request_id: 9, status: 10, error_type: 11 };
  const N = { ts_ms: 0, input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_write_tokens: 4, reasoning_tokens: 5, priced: 8, usage_unknown: 9 };
  return function literals(batch) {
    const n = batch.n, nums = batch.nums, strs = batch.strs, ends = batch.ends, text = batch.text, pk = batch.pseudonymKey;
    if (pk !== undefined) {
      const id = typeof pk === 'string' ? 's' + pk : 'b' + Buffer.from(pk).toString('hex');
      if (id !== memoOf) { memoOf = id; memo = new Map(); }
    }
    const dict = new Array(ends.length);
    for (let i = 0, start = 0; i < ends.length; i++) { dict[i] = text.slice(start, ends[i]); start = ends[i]; }
    const quoted = dict.map(quote);
    const str = (x) => (x < 0 ? undefined : dict[x]);
    const out = new Array(n);
    const column = (get) => { for (let i = 0; i < n; i++) out[i] = get(i * NW, i * SW); return '{' + out.join(',') + '}'; };
    const raw = (a) => nums[a + 12] === 1;
    const subject = (k) => column((a, c) => {
      const x = strs[c + k];
      if (x < 0) return 'NULL';
      if (!raw(a)) return quoted[x];
      if (pk === undefined) throw new Error('request store: raw records need the pseudonymisation key');
      return quote(pseudonymOf(pk, dict[x]));
    });
    const key = () => column((a, c) => {
      if (!raw(a)) return quoted[strs[c]];
      const opt = (v) => (v === v ? v : undefined);
      return quote(keyOf(str(strs[c + 9]), nums[a], dict[strs[c + 1]], dict[strs[c + 2]], str(strs[c + 3]), str(strs[c + 4]), str(strs[c + 5]),
        str(strs[c + 6]), str(strs[c + 7]), str(strs[c + 8]), dict[strs[c + 10]], str(strs[c + 11]), nums[a + 1], nums[a + 2], nums[a + 3],
        nums[a + 4], nums[a + 5], opt(nums[a + 10]), opt(nums[a + 11]), sha256hex));
    });
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

/** The factory's arguments after crypto, as source text (the worker has require). */
export const LITERALS_DEPS = `${KEY_SOURCE}, ${PSEUDONYM_LENGTH}, ${JSON.stringify(COLUMNS)}, ${NUM_WIDTH}, ${STR_WIDTH}`;

/** The batch's 25 array literals, in COLUMNS order, built on this thread. */
export const encodedLiterals: (batch: EncodedBatch) => string[] = new Function(`return ${LITERALS_SOURCE};`)()(
  crypto,
  new Function(`return ${KEY_SOURCE};`)(),
  PSEUDONYM_LENGTH,
  COLUMNS,
  NUM_WIDTH,
  STR_WIDTH,
);
