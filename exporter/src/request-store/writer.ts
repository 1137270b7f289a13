// The pipeline's sink into the request store. request() only queues the record: the ingest hot
// path never waits for a database. Rows are written in batches (every
// flushIntervalMs, or at once when batchRows are queued); a failed batch is retried with backoff
// and, while the database is down, at most maxPendingRows wait (rows beyond are dropped and
// counted, ai_exporter_store_dropped_rows_total).
//
// Exactly once across kill -9: the durable state checkpoint (ingest/state-file.ts) moves the file
// positions past every line counted so far, so every row of those lines must be safe by then.
// checkpoint() runs inside the save, in the same synchronous turn: a synchronous backend (SQLite)
// writes what is queued there; otherwise, or when that fails, the queued rows go to a journal file
// next to the state, re-queued at the next start. Lines read again after a crash give the same
// idempotency keys, so rows stored before the crash are not stored twice.
//
// With a store that takes encoded batches (both backends) and the pseudonymisation key, request()
// only appends the record to the open columnar batch (pending-rows.ts, batch.ts): building the
// row (keyed pseudonyms, idempotency key, nano-dollars) happens at write time, on SQLite's worker
// thread or, for PostgreSQL, while its array literals are built from the batch's columns.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestRecord } from '../events/types.js';
import type { RequestSink } from '../ingest/pipeline.js';
import type { PriceResult } from '../pricing/pricer.js';
import type { EncodedBatch } from './batch.js';
import { asRows, PendingRows, type Sealed } from './pending-rows.js';
import type { RequestStore, StoredRequest } from './types.js';

export interface WriterOptions {
  /** Keyed pseudonym of user, session and API key ids (log/pseudonym.ts). */
  pseudonym: (id: string) => string;
  /**
   * The key `pseudonym` hashes with. Given, and the store takes encoded batches, rows are built
   * off the ingest thread (the same pseudonyms: log/pseudonym.ts's HMAC with this key).
   */
  pseudonymKey?: string | Buffer;
  /** Default 250 ms. */
  flushIntervalMs?: number;
  /** Rows per insert; a full batch is written without waiting for the interval. Default 2000. */
  batchRows?: number;
  /** Rows queued at most (written or not); more are dropped and counted. Default 200,000. */
  maxPendingRows?: number;
  /** Where rows not yet written are kept across a restart; without it checkpoint() only flushes. */
  journalPath?: string;
  onError?: (message: string, details: Record<string, unknown>) => void;
  /** First retry delay; doubles per failure up to maxBackoffMs (30 s). Default 250 ms. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface WriterStats {
  /** Rows the store took as new. */
  written: number;
  /** Rows already stored (same idempotency key): re-read lines, a second replica. */
  duplicates: number;
  writeErrors: number;
  dropped: number;
  /** Wall-clock ms of the last successful write; 0 before the first. */
  lastWriteMs: number;
}

/** Batches of batchRows handed to an encoded-batch store at once when that many are queued (one commit on SQLite's worker). */
const GROUP = 8;

type SyncStore = RequestStore & {
  insertSync?: (rows: readonly StoredRequest[]) => number;
  insertEncoded?: (batch: EncodedBatch) => Promise<number>;
  insertEncodedSync?: (batch: EncodedBatch) => number;
};

export class StoreWriter implements RequestSink {
  readonly stats: WriterStats = { written: 0, duplicates: 0, writeErrors: 0, dropped: 0, lastWriteMs: 0 };
  private readonly queue: PendingRows;
  /** The batches being written; kept until the store confirms them. */
  private inflight: Sealed[] = [];
  private inflightRows = 0;
  /** Whether the store takes encoded batches (both backends; a plain RequestStore may not). */
  private readonly encoded: boolean;
  private writing: Promise<void> | undefined;
  private retryAt = 0;
  private failures = 0;
  private kickScheduled = false;
  private closed = false;
  /**
   * In-flight batches a checkpoint stored (their rows new): if the batch's own insert() then
   * fails, the checkpoint's write is its answer, and it is not sent again to come back as duplicates.
   */
  private readonly storedAtCheckpoint = new WeakMap<Sealed, number>();
  /** Whether a journal file may exist (so a checkpoint with nothing pending costs no syscall). */
  private journaled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly maxPending: number;

  constructor(
    readonly store: SyncStore,
    private readonly opts: WriterOptions,
  ) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 250;
    this.batchRows = opts.batchRows ?? 2000;
    this.maxPending = opts.maxPendingRows ?? 200_000;
    this.encoded = typeof store.insertEncoded === 'function';
    this.queue = new PendingRows({ batchRows: this.batchRows, encoded: this.encoded, pseudonymKey: opts.pseudonymKey, pseudonym: opts.pseudonym });
    if (opts.journalPath) {
      this.queue.addRows(readJournal(opts.journalPath));
      this.journaled = existsSync(opts.journalPath);
    }
    this.timer = setInterval(() => this.kick(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Rows waiting to be written (queued and in flight). */
  get pending(): number {
    return this.queue.count + this.inflightRows;
  }

  /**
   * Backpressure for readers that can wait (the file tailer): while the store is healthy and more
   * than `highRows` rows wait, a promise that resolves once at most half of that is left. Without
   * it a catch-up queues far more rows than the store writes, and the state checkpoint, which
   * must write them all in its synchronous turn, stalled /metrics for seconds (3.4 s at 300k lines).
   * Never waits while the store is failing: counting goes on and rows beyond maxPendingRows are
   * dropped (counted), as before.
   */
  backlog(highRows: number): Promise<void> | undefined {
    if (this.pending <= highRows || this.retryAt !== 0 || this.closed) return undefined;
    const low = Math.floor(highRows / 2);
    return new Promise((resolve) => {
      const check = () => {
        if (this.pending <= low || this.retryAt !== 0 || this.closed) resolve();
        else {
          this.kick();
          setTimeout(check, 5);
        }
      };
      check();
    });
  }

  request(rec: RequestRecord, price: PriceResult): void {
    if (this.closed) return;
    if (this.pending >= this.maxPending) {
      this.stats.dropped++;
      return;
    }
    this.queue.add(rec, price);
    if (this.queue.ready && !this.kickScheduled) {
      // Off this turn: the batch is written after the chunk of lines being counted.
      this.kickScheduled = true;
      setImmediate(() => {
        this.kickScheduled = false;
        this.kick();
      });
    }
  }

  /** Starts a write when there is something to write, none is under way and no backoff is pending. */
  private kick(): void {
    if (this.writing || this.pending === 0) return;
    if (Date.now() < this.retryAt) return;
    this.writing = this.writeBatch().finally(() => {
      this.writing = undefined;
      // More than a batch queued: go on at once rather than one batch per interval.
      if (this.queue.ready && this.failures === 0) this.kick();
    });
  }

  private async writeBatch(): Promise<void> {
    if (this.inflight.length === 0) {
      this.inflight = this.queue.take(this.encoded ? GROUP : 1);
      this.inflightRows = this.inflight.reduce((a, b) => a + b.n, 0);
    }
    const batches = this.inflight;
    // All at once: SQLite's worker commits the batches waiting for it in one transaction. Each is
    // settled on its own: where one batch fails and the others commit (PostgreSQL writes each in
    // its own statement), only the failed one is sent again, so the others' rows are not counted
    // a second time as duplicates when the retry finds them stored.
    // async: a store that throws instead of rejecting fails its batch, not the writer.
    const results = await Promise.allSettled(batches.map(async (b) => this.write(b)));
    const done: Sealed[] = [];
    const left: Sealed[] = [];
    let rows = 0;
    let fresh = 0;
    let error: unknown;
    results.forEach((r, i) => {
      const atCheckpoint = this.storedAtCheckpoint.get(batches[i]);
      if (r.status === 'fulfilled' || atCheckpoint !== undefined) {
        // Every write is idempotent, so across the batch's writes each row was new exactly once.
        done.push(batches[i]);
        rows += batches[i].n;
        fresh += (r.status === 'fulfilled' ? r.value : 0) + (atCheckpoint ?? 0);
        this.storedAtCheckpoint.delete(batches[i]);
      } else {
        left.push(batches[i]);
        error ??= r.reason;
      }
    });
    this.counted(rows, fresh);
    if (this.inflight === batches) {
      this.inflight = left;
      this.inflightRows = left.reduce((a, b) => a + b.n, 0);
      // Answered, and no checkpoint can send them again: their columns go back to the pool.
      this.queue.done(done);
    }
    if (left.length > 0) this.failed(error);
    else this.healthy();
  }

  private write(b: Sealed): Promise<number> {
    return 'encoded' in b ? this.store.insertEncoded!(b.encoded) : this.store.insert(b.rows);
  }

  /** Only where the store writes synchronously (insertSync; SQLite, which also takes encoded batches so). */
  private writeSync(b: Sealed): number {
    if ('rows' in b) return this.store.insertSync!(b.rows);
    if (!this.store.insertEncodedSync) throw new Error('request store: no synchronous write for encoded batches');
    return this.store.insertEncodedSync(b.encoded);
  }

  /** `rows` the store answered for, `fresh` of them new. */
  private counted(rows: number, fresh: number): void {
    if (rows === 0) return;
    this.stats.written += fresh;
    this.stats.duplicates += rows - fresh;
    this.stats.lastWriteMs = Date.now();
  }

  private healthy(): void {
    this.failures = 0;
    this.retryAt = 0;
  }

  private failed(e: unknown): void {
    this.stats.writeErrors++;
    this.failures++;
    const base = this.opts.backoffMs ?? 250;
    const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, base * 2 ** Math.min(this.failures - 1, 16));
    this.retryAt = Date.now() + delay;
    this.opts.onError?.('request store write failed; retrying', { err: e instanceof Error ? e.message : String(e), pending: this.pending, retryInMs: delay });
  }

  /**
   * Called synchronously inside a state checkpoint: afterwards every row queued so far is in the
   * store or in the journal. Never throws (the checkpoint must go on).
   */
  checkpoint(): void {
    if (this.store.insertSync && this.retryAt === 0) {
      try {
        // A batch in flight is sent again (idempotent): its insert() may not have committed yet.
        // Its rows are counted when that insert() answers, not here: the new rows are the sum
        // of what each of its writes found new (storedAtCheckpoint), whichever committed them.
        for (const b of this.inflight) this.storedAtCheckpoint.set(b, (this.storedAtCheckpoint.get(b) ?? 0) + this.writeSync(b));
        while (this.queue.count > 0) {
          const [b] = this.queue.take(1);
          let n: number;
          try {
            n = this.writeSync(b);
          } catch (e) {
            this.queue.putBack([b]);
            throw e;
          }
          this.counted(b.n, n);
          this.healthy();
        }
        this.removeJournal();
        return;
      } catch (e) {
        this.failed(e);
      }
    }
    this.writeJournal();
  }

  private removeJournal(): void {
    const path = this.opts.journalPath;
    if (path && this.journaled) {
      rmSync(path, { force: true });
      this.journaled = false;
    }
  }

  private writeJournal(): void {
    const path = this.opts.journalPath;
    if (!path) return;
    try {
      if (this.pending === 0) {
        this.removeJournal();
        return;
      }
      const tmp = `${path}.tmp`;
      // Rows, never raw records: the journal holds pseudonyms only, as the store does.
      const rows = [...this.inflight.flatMap((b) => asRows(b, this.opts.pseudonym)), ...this.queue.all()];
      writeFileSync(tmp, JSON.stringify({ version: 1, rows }), { mode: 0o600 });
      renameSync(tmp, path);
      this.journaled = true;
    } catch (e) {
      this.opts.onError?.('cannot write the request store journal', { err: (e as Error).message, path });
    }
  }

  /** Writes what is pending, waiting at most `timeoutMs`; what is still pending then goes to the journal. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const end = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < end) {
      if (this.writing) await this.writing;
      else if (Date.now() < this.retryAt) await new Promise((r) => setTimeout(r, Math.min(this.retryAt, end) - Date.now()));
      else this.kick();
    }
    if (this.writing) await Promise.race([this.writing, new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())))]);
    this.writeJournal();
  }
}

/** Rows a previous run left in its journal, or none. A damaged journal stops the start rather than lose its rows silently. */
function readJournal(path: string): StoredRequest[] {
  if (!existsSync(path)) return [];
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; rows?: unknown };
    if (j.version === 1 && Array.isArray(j.rows)) return j.rows as StoredRequest[];
  } catch {
    /* fall through */
  }
  throw new Error(`${path}: not a request store journal (move it away to start without its rows)`);
}
