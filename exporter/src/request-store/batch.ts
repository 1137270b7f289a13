// A batch of rows in columns, the form SQLite's writer takes (sqlite-inserter.ts): thirteen numbers
// a row in one Float64Array and twelve strings a row as indexes into one dictionary, where the
// labels and ids that recur on every row appear once. Cloning 2,000 arrays of 25 mixed values to
// the worker cost the ingest thread ~2.5 µs a row; this well under one.
//
// A row is either a StoredRequest (keyed and pseudonymised already: a journal's rows, insert())
// or a raw counted record (the writer's hot path): then the worker derives the key and the keyed
// pseudonyms, so the HMACs and the content hash never run on the ingest thread. The raw ids
// only cross to the worker in memory; what is stored is the same as for a StoredRequest.
//
// The writer appends each record as it is counted (BatchBuilder.addRecord), so the record and its
// price die young: holding them until the flush got them promoted and cost the ingest thread more
// in garbage collection than the encoding itself.
import type { RequestRecord } from '../events/types.js';
import type { PriceResult } from '../pricing/pricer.js';
import { codec, NUM_WIDTH, STR_WIDTH } from './batch-codec.js';
import { fromNano, toNano } from './row.js';
import type { StoredRequest } from './types.js';

export interface EncodedBatch {
  n: number;
  /**
   * Per row: ts_ms, input, output, cache read, cache write, reasoning, cost USD, revenue USD, priced,
   * usage_unknown, latency_s, ttft_s (NaN: absent), raw (1: key and pseudonyms still to derive).
   */
  nums: Float64Array;
  /** Per row: key, provider, model, project, feature, team, user, session, API key, request id, status, error type (-1: absent). */
  strs: Int32Array;
  /**
   * The dictionary as one string and each entry's end offset in it: one string crosses to the
   * worker as one copy, where thousands of small ones cost the ingest thread ~80 ns each to clone.
   */
  text: string;
  ends: Int32Array;
  /** The pseudonymisation key, when raw rows are in the batch. */
  pseudonymKey?: string | Buffer;
}

export { NUM_WIDTH, STR_WIDTH };
/** String columns (offsets in a row's STR_WIDTH). */
const KEY = 0, PROVIDER = 1, MODEL = 2, PROJECT = 3, FEATURE = 4, TEAM = 5, USER = 6, SESSION = 7, API_KEY = 8, REQUEST_ID = 9, STATUS = 10, ERROR_TYPE = 11;

export interface Columns {
  nums: Float64Array;
  strs: Int32Array;
  /** The dictionary's end offsets: at most STR_WIDTH entries a row. */
  ends: Int32Array;
}

/**
 * Full batches' columns back from the store once it has answered for them, for the next batches:
 * fresh shared memory costs page faults on first write and unmapping when collected, ~300 KB a
 * batch. Only columns no reader still holds may come back (the writer's confirmed batches).
 */
export class ColumnPool {
  private readonly free: Columns[] = [];

  constructor(
    readonly capacity: number,
    private readonly max = 16,
  ) {}

  take(): Columns | undefined {
    return this.free.pop();
  }

  give(b: EncodedBatch): void {
    if (this.free.length >= this.max || ![b.nums.buffer, b.strs.buffer, b.ends.buffer].every((x) => x instanceof SharedArrayBuffer)) return;
    // A full batch's ends are a view of what it used; the pool keeps the whole buffer.
    const c: Columns = { nums: b.nums, strs: b.strs, ends: new Int32Array(b.ends.buffer) };
    if (c.nums.length === this.capacity * NUM_WIDTH && c.strs.length === this.capacity * STR_WIDTH && c.ends.length === this.capacity * STR_WIDTH) this.free.push(c);
  }
}

/** Rows appended one at a time into preallocated columns; seal() hands them over as an EncodedBatch. */
export class BatchBuilder {
  n = 0;
  private readonly nums: Float64Array;
  private readonly strs: Int32Array;
  private readonly dict: string[] = [];
  /** Each dictionary entry's end offset in the text the entries make, kept as they are added. */
  private readonly ends: Int32Array;
  private end = 0;
  /**
   * Label values already in the dictionary. Only the lookup: remembering each column's last value
   * as well stored a young string into the long-lived builder per label (a write barrier each),
   * which cost more (~60 ns a line) than the lookups it saved.
   */
  private readonly seen = new Map<string, number>();

  /** `columns`: a written batch's shared columns to reuse (ColumnPool), else new ones. */
  constructor(
    readonly capacity: number,
    private readonly pseudonymKey?: string | Buffer,
    columns?: Columns,
  ) {
    // Shared memory: a full batch reaches the worker by reference, not as a ~300 KB copy. Nothing
    // writes a batch's columns once it is sealed (until the pool hands them out again).
    this.nums = columns?.nums ?? new Float64Array(new SharedArrayBuffer(capacity * NUM_WIDTH * 8));
    this.strs = columns?.strs ?? new Int32Array(new SharedArrayBuffer(capacity * STR_WIDTH * 4));
    this.ends = columns?.ends ?? new Int32Array(new SharedArrayBuffer(capacity * STR_WIDTH * 4));
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  private rep(v: string | undefined): number {
    if (v === undefined) return -1;
    let x = this.seen.get(v);
    if (x === undefined) {
      x = this.entry(v);
      this.seen.set(v, x);
    }
    return x;
  }

  // Keys and request ids are unique per row: a dictionary lookup would only cost.
  private own(v: string | undefined): number {
    return v === undefined ? -1 : this.entry(v);
  }

  // The end offsets are kept as entries come, while their strings are in cache, not in a second pass at seal().
  private entry(v: string): number {
    const x = this.dict.push(v) - 1;
    this.ends[x] = this.end += v.length;
    return x;
  }

  /**
   * A counted record, its key and pseudonyms left to the store's worker. Written out rather than
   * through numbers() and strings() as addRow() is: this is the ingest path, and the two calls of
   * a dozen arguments each cost ~50 ns a line (measured against a no-op store).
   */
  addRecord(r: RequestRecord, price: PriceResult): void {
    if (this.pseudonymKey === undefined) throw new Error('request store: raw records need the pseudonymisation key');
    const i = this.n++, t = r.tokens;
    const nums = this.nums, a = i * NUM_WIDTH;
    nums[a] = r.timestampMs;
    nums[a + 1] = t.input;
    nums[a + 2] = t.output;
    nums[a + 3] = t.cacheRead;
    nums[a + 4] = t.cacheWrite;
    nums[a + 5] = t.reasoning;
    nums[a + 6] = price.costUsd;
    nums[a + 7] = price.revenueUsd;
    nums[a + 8] = price.priced ? 1 : 0;
    nums[a + 9] = r.usageUnknown === true ? 1 : 0;
    nums[a + 10] = r.latencySeconds ?? Number.NaN;
    nums[a + 11] = r.ttftSeconds ?? Number.NaN;
    nums[a + 12] = 1;
    const s = this.strs, c = i * STR_WIDTH;
    s[c + KEY] = -1;
    s[c + PROVIDER] = this.rep(r.provider);
    s[c + MODEL] = this.rep(r.model);
    s[c + PROJECT] = this.rep(r.project);
    s[c + FEATURE] = this.rep(r.feature);
    s[c + TEAM] = this.rep(r.team);
    s[c + USER] = this.own(r.userId);
    s[c + SESSION] = this.own(r.sessionId);
    s[c + API_KEY] = this.own(r.apiKey);
    s[c + REQUEST_ID] = this.own(r.requestId);
    s[c + STATUS] = this.rep(r.status);
    s[c + ERROR_TYPE] = this.rep(r.errorType);
  }

  /** A row already keyed and pseudonymised. */
  addRow(r: StoredRequest): void {
    const i = this.n++;
    this.numbers(i * NUM_WIDTH, r.timestampMs, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.reasoningTokens, r.costUsd,
      r.revenueUsd, r.priced, r.usageUnknown, r.latencySeconds, r.ttftSeconds, 0);
    this.strings(i * STR_WIDTH, this.own(r.key), r.provider, r.model, r.project, r.feature, r.team, r.user, r.session, r.apiKey, r.requestId, r.status, r.errorType);
  }

  private numbers(a: number, ts: number, input: number, output: number, cacheRead: number, cacheWrite: number, reasoning: number, cost: number,
    revenue: number, priced: boolean, usageUnknown: boolean, latency: number | undefined, ttft: number | undefined, raw: 0 | 1): void {
    const nums = this.nums;
    nums[a] = ts;
    nums[a + 1] = input;
    nums[a + 2] = output;
    nums[a + 3] = cacheRead;
    nums[a + 4] = cacheWrite;
    nums[a + 5] = reasoning;
    nums[a + 6] = cost;
    nums[a + 7] = revenue;
    nums[a + 8] = priced ? 1 : 0;
    nums[a + 9] = usageUnknown ? 1 : 0;
    nums[a + 10] = latency ?? Number.NaN;
    nums[a + 11] = ttft ?? Number.NaN;
    nums[a + 12] = raw;
  }

  private strings(c: number, key: number, provider: string, model: string, project?: string, feature?: string, team?: string, user?: string,
    session?: string, apiKey?: string, requestId?: string, status?: string, errorType?: string): void {
    const s = this.strs;
    s[c + KEY] = key;
    s[c + PROVIDER] = this.rep(provider);
    s[c + MODEL] = this.rep(model);
    s[c + PROJECT] = this.rep(project);
    s[c + FEATURE] = this.rep(feature);
    s[c + TEAM] = this.rep(team);
    // Users, sessions and keys recur too, but seldom within one batch at any scale: a lookup costs more than it saves.
    s[c + USER] = this.own(user);
    s[c + SESSION] = this.own(session);
    s[c + API_KEY] = this.own(apiKey);
    s[c + REQUEST_ID] = this.own(requestId);
    s[c + STATUS] = this.rep(status);
    s[c + ERROR_TYPE] = this.rep(errorType);
  }

  /**
   * The rows so far. Full, the columns themselves (the builder is done); otherwise copies, and
   * the builder may go on (rows appended later are not in this batch).
   */
  seal(): EncodedBatch {
    const full = this.n === this.capacity;
    const k = this.dict.length;
    const b: EncodedBatch = {
      n: this.n,
      nums: full ? this.nums : this.nums.slice(0, this.n * NUM_WIDTH),
      strs: full ? this.strs : this.strs.slice(0, this.n * STR_WIDTH),
      text: this.dict.join(''),
      ends: full ? this.ends.subarray(0, k) : this.ends.slice(0, k),
    };
    if (this.pseudonymKey !== undefined) b.pseudonymKey = this.pseudonymKey;
    return b;
  }
}

export function encodeBatch(rows: readonly StoredRequest[]): EncodedBatch {
  const b = new BatchBuilder(rows.length);
  for (const r of rows) b.addRow(r);
  return b.seal();
}

/**
 * The batch as StoredRequests, built here as the worker builds them (the same key, pseudonyms and
 * nano-dollar rounding as toStoredRequest): the journal's path, and a store that takes rows.
 */
export function decodeBatch(b: EncodedBatch, pseudonym: (id: string) => string): StoredRequest[] {
  const { nums, strs } = b;
  const dict = codec.dictOf(b);
  const str = (x: number): string | undefined => (x < 0 ? undefined : dict[x]);
  const out: StoredRequest[] = new Array(b.n);
  for (let i = 0; i < b.n; i++) {
    const a = i * NUM_WIDTH, c = i * STR_WIDTH;
    const raw = nums[a + 12] === 1;
    const opt = (x: number) => (Number.isNaN(x) ? undefined : x);
    const project = str(strs[c + PROJECT]), feature = str(strs[c + FEATURE]), team = str(strs[c + TEAM]);
    const user = str(strs[c + USER]), session = str(strs[c + SESSION]), apiKey = str(strs[c + API_KEY]);
    const requestId = str(strs[c + REQUEST_ID]), errorType = str(strs[c + ERROR_TYPE]);
    const latency = opt(nums[a + 10]), ttft = opt(nums[a + 11]);
    const row: StoredRequest = {
      key: codec.rowKey(b, dict, i),
      timestampMs: nums[a],
      provider: dict[strs[c + PROVIDER]],
      model: dict[strs[c + MODEL]],
      status: dict[strs[c + STATUS]] as StoredRequest['status'],
      inputTokens: nums[a + 1],
      outputTokens: nums[a + 2],
      cacheReadTokens: nums[a + 3],
      cacheWriteTokens: nums[a + 4],
      reasoningTokens: nums[a + 5],
      costUsd: fromNano(toNano(nums[a + 6])),
      revenueUsd: fromNano(toNano(nums[a + 7])),
      priced: nums[a + 8] === 1,
      usageUnknown: nums[a + 9] === 1,
    };
    const p = (v: string | undefined) => (v === undefined || !raw ? v : pseudonym(v));
    if (project !== undefined) row.project = project;
    if (feature !== undefined) row.feature = feature;
    if (team !== undefined) row.team = team;
    if (user !== undefined) row.user = p(user);
    if (session !== undefined) row.session = p(session);
    if (apiKey !== undefined) row.apiKey = p(apiKey);
    if (requestId !== undefined) row.requestId = requestId;
    if (errorType !== undefined) row.errorType = errorType;
    if (latency !== undefined) row.latencySeconds = latency;
    if (ttft !== undefined) row.ttftSeconds = ttft;
    out[i] = row;
  }
  return out;
}
