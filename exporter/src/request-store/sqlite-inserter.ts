// SQLite's write path, as one piece of plain JavaScript: the insert worker (sqlite-thread.ts) runs
// it without a TypeScript loader, and the main connection evaluates the same text (inserts without
// the worker, erasure, retention), so there is one implementation of the key hash, the row layout
// and the rollup. Rows arrive columnar (batch.ts): numbers in a Float64Array, strings as indexes
// into one dictionary per batch, so a batch crosses to the worker without cloning 25 values a row.
//
// Keys, pseudonyms and the dictionary come from batch-codec.ts, as for PostgreSQL's literals.
//
// Per row: the 106-bit key hash (two seeded 53-bit cyrb53 hashes; cheap, and a collision between
// two real keys is ~n²/2^107, nothing at any retention), one INSERT ... ON CONFLICT DO NOTHING, and
// for a new row its share of an hour and a day bucket, accumulated in memory; the buckets are
// upserted once per batch, in the same transaction, so the rollup always equals the rows.
import type Database from 'better-sqlite3';
import type { EncodedBatch } from './batch.js';
import { codec, CODEC_IN_WORKER } from './batch-codec.js';
import { ROLLUP_SPANS } from './rollup.js';
import { NANO_PER_USD } from './row.js';


export const INSERTER_SOURCE = String.raw`(function makeInserter(db, spans, codec) {
  function h53(str, seed) {
    let h1 = 0xdeadbeef ^ seed, h2 = 0x41c6ce57 ^ seed;
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
  const ins = db.prepare('INSERT INTO requests (kh1, kh2, key, ts_ms, provider, model, project, feature, team, user_p, session_p, ' +
    'api_key_p, request_id, status, error_type, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, ' +
    'total_tokens, cost_nusd, revenue_nusd, priced, usage_unknown, latency_s, ttft_s) VALUES (' + '?, '.repeat(26) + '?) ' +
    'ON CONFLICT (kh1, kh2) DO NOTHING');
  const PK = 'span_ms, start_ms, provider, model, project, team, feature, nulls';
  const up = db.prepare('INSERT INTO requests_rollup (' + PK + ', requests, input_tokens, output_tokens, cost_nusd, unpriced) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (' + PK + ') DO UPDATE SET requests = requests + excluded.requests, ' +
    'input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens, ' +
    'cost_nusd = cost_nusd + excluded.cost_nusd, unpriced = unpriced + excluded.unpriced');
  const drop = db.prepare('DELETE FROM requests_rollup WHERE span_ms = ? AND start_ms = ? AND provider = ? AND model = ? AND ' +
    'project = ? AND team = ? AND feature = ? AND nulls = ? AND requests <= 0');

  // Buckets are keyed by label ids (-1: absent), so a map key is unambiguous whatever the values
  // hold. The ids are the transaction's (labels.ids), not a batch's dictionary indexes: batches
  // committed together have dictionaries of their own, and index 3 of one is not index 3 of another.
  function labelIds() {
    const ids = new Map(), values = [];
    return { values, id(v) { let x = ids.get(v); if (x === undefined) { x = values.push(v) - 1; ids.set(v, x); } return x; } };
  }
  // A transaction's rollup: per span, start -> label tuple -> the bucket's labels and its sums.
  // The tuple is one number when every id fits in 10 bits (a transaction holds few labels), text
  // otherwise: building a text key per span and row was most of this worker's garbage (~800 bytes
  // a row), and each collection of it took CPU from the ingest thread too.
  const rollup = () => spans.map(() => new Map());
  function add(m, labels, ts, p, mo, pr, te, fe, input, output, cost, priced) {
    const t = p < 1024 && mo < 1024 && pr < 1023 && te < 1023 && fe < 1023
      ? (((p * 1024 + mo) * 1024 + pr + 1) * 1024 + te + 1) * 1024 + fe + 1
      : p + ':' + mo + ':' + pr + ':' + te + ':' + fe;
    for (let s = 0; s < spans.length; s++) {
      const span = spans[s];
      const start = ts - (((ts % span) + span) % span);
      let tuples = m[s].get(start);
      if (tuples === undefined) m[s].set(start, (tuples = new Map()));
      let b = tuples.get(t);
      if (b === undefined) {
        const values = labels.values;
        const nulls = (pr < 0 ? 1 : 0) | (te < 0 ? 2 : 0) | (fe < 0 ? 4 : 0);
        // The sums apart, in an array of numbers only: they stay unboxed as they grow.
        b = { key: [span, start, values[p], values[mo], pr < 0 ? '' : values[pr], te < 0 ? '' : values[te], fe < 0 ? '' : values[fe], nulls], sums: [0, 0, 0, 0, 0] };
        tuples.set(t, b);
      }
      const sums = b.sums;
      sums[0] += 1; sums[1] += input; sums[2] += output; sums[3] += cost; sums[4] += 1 - priced;
    }
  }
  function flush(m, sign) {
    for (const starts of m) for (const tuples of starts.values()) for (const b of tuples.values()) {
      up.run(b.key.concat(b.sums.map((x) => sign * x)));
      if (sign < 0) drop.run(b.key);
    }
  }
  const S2 = 0x5bd1e995;
  function one(batch, m, labels) {
    const n = batch.n, nums = batch.nums, strs = batch.strs;
    const dict = codec.dictOf(batch), pseudonym = codec.pseudonyms(batch.pseudonymKey);
    // This batch's dictionary index -> the transaction's label id, made on first use.
    const gid = new Int32Array(dict.length).fill(-2);
    const label = (x) => (x < 0 ? -1 : gid[x] !== -2 ? gid[x] : (gid[x] = labels.id(dict[x])));
    const str = (x) => (x < 0 ? null : dict[x]);
    let fresh = 0;
    for (let i = 0; i < n; i++) {
      const a = i * 13, c = i * 12;
      const input = nums[a + 1], output = nums[a + 2], lat = nums[a + 10] === nums[a + 10] ? nums[a + 10] : null, ttft = nums[a + 11] === nums[a + 11] ? nums[a + 11] : null;
      const key = codec.rowKey(batch, dict, i);
      let user = str(strs[c + 6]), session = str(strs[c + 7]), apiKey = str(strs[c + 8]);
      if (nums[a + 12] === 1) {
        if (user !== null) user = pseudonym(user);
        if (session !== null) session = pseudonym(session);
        if (apiKey !== null) apiKey = pseudonym(apiKey);
      }
      const cost = Math.round(nums[a + 6] * 1e9);
      const changed = ins.run(h53(key, 0), h53(key, S2), key, nums[a], dict[strs[c + 1]], dict[strs[c + 2]], str(strs[c + 3]),
        str(strs[c + 4]), str(strs[c + 5]), user, session, apiKey, str(strs[c + 9]), dict[strs[c + 10]],
        str(strs[c + 11]), input, output, nums[a + 3], nums[a + 4], nums[a + 5], input + output, cost, Math.round(nums[a + 7] * 1e9), nums[a + 8],
        nums[a + 9], lat, ttft).changes;
      if (changed === 0) continue;
      fresh++;
      add(m, labels, nums[a], label(strs[c + 1]), label(strs[c + 2]), label(strs[c + 3]), label(strs[c + 5]), label(strs[c + 4]), input, output, cost, nums[a + 8]);
    }
    return fresh;
  }
  // Several batches in one transaction (a catch-up queues many): one commit and one rollup upsert
  // per bucket for all of them. Returns the new rows of each batch.
  const insertMany = db.transaction((batches) => {
    const m = rollup(), labels = labelIds();
    const counts = batches.map((b) => one(b, m, labels));
    flush(m, 1);
    return counts;
  });
  const insert = (batch) => insertMany([batch])[0];
  // del: a DELETE ... RETURNING ts_ms, provider, model, project, team, feature, input_tokens,
  // output_tokens, cost_nusd, priced. Its rows' shares leave the rollup in the same transaction.
  const remove = (del, params) => db.transaction(() => {
    const rows = del.all(...params);
    const m = rollup(), labels = labelIds();
    const id = (v) => (v === null ? -1 : labels.id(v));
    for (const r of rows) add(m, labels, r.ts_ms, id(r.provider), id(r.model), id(r.project), id(r.team), id(r.feature), r.input_tokens, r.output_tokens, r.cost_nusd, r.priced);
    flush(m, -1);
    return rows.length;
  }).immediate();
  return { insert, insertMany, remove };
})`;

export interface SqliteInserter {
  /** Stores the batch's rows whose key is new and adds them to the rollup; returns how many were new. */
  insert(batch: EncodedBatch): number;
  /** Several batches in one transaction; the new rows of each. */
  insertMany(batches: EncodedBatch[]): number[];
  /** Runs `del` (a DELETE ... RETURNING the rollup's columns) and takes its rows out of the rollup, atomically. */
  remove(del: Database.Statement, params: unknown[]): number;
}

export function makeInserter(db: Database.Database): SqliteInserter {
  const make = new Function(`return ${INSERTER_SOURCE};`)() as (db: Database.Database, spans: readonly number[], ...deps: unknown[]) => SqliteInserter;
  return make(db, ROLLUP_SPANS, codec);
}

/** The worker's arguments after db and spans, as source text (it has require). */
export const WORKER_DEPS = CODEC_IN_WORKER;

// The inserter rounds to nano-dollars as toNano() does; a change of unit must change both.
if (NANO_PER_USD !== 1e9) throw new Error('sqlite-inserter.ts assumes nano-dollars');

/** What a DELETE must return for remove(). */
export const REMOVED_COLUMNS = 'ts_ms, provider, model, project, team, feature, input_tokens, output_tokens, cost_nusd, priced';
