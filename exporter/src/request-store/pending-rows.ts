// The rows the writer holds until the store confirms them, in batches of batchRows: the open
// batch being filled as records are counted, then sealed batches in arrival order. For a store
// that takes encoded batches (SQLite, PostgreSQL) each batch is built in columns as it fills
// (batch.ts), raw records included when the pseudonymisation key is known; for any other store it
// is an array of StoredRequests.
import type { RequestRecord } from '../events/types.js';
import type { PriceResult } from '../pricing/pricer.js';
import { BatchBuilder, ColumnPool, decodeBatch, type EncodedBatch } from './batch.js';
import { toStoredRequest } from './row.js';
import type { StoredRequest } from './types.js';

/** A batch ready to write: encoded, or rows. */
export type Sealed = { n: number; encoded: EncodedBatch } | { n: number; rows: StoredRequest[] };

export interface PendingOptions {
  batchRows: number;
  /** Whether batches are built encoded (the store takes them). */
  encoded: boolean;
  /** With `encoded`: raw records are queued as they are, their rows built by the store. */
  pseudonymKey?: string | Buffer;
  pseudonym: (id: string) => string;
}

export class PendingRows {
  /** Rows held: the sealed batches' and the open one's. */
  count = 0;
  private readonly sealed: Sealed[] = [];
  private builder: BatchBuilder | undefined;
  private rows: StoredRequest[] = [];
  private readonly pool: ColumnPool;

  constructor(private readonly o: PendingOptions) {
    this.pool = new ColumnPool(o.batchRows);
  }

  /** Whether a full batch is waiting. */
  get ready(): boolean {
    return this.sealed.length > 0;
  }

  add(rec: RequestRecord, price: PriceResult): void {
    if (this.o.encoded && this.o.pseudonymKey !== undefined) this.open().addRecord(rec, price);
    else this.addRow(toStoredRequest(rec, price, this.o.pseudonym));
    this.added();
  }

  addRows(rows: readonly StoredRequest[]): void {
    for (const r of rows) {
      this.addRow(r);
      this.added();
    }
  }

  private addRow(r: StoredRequest): void {
    if (this.o.encoded) this.open().addRow(r);
    else this.rows.push(r);
  }

  private open(): BatchBuilder {
    return (this.builder ??= new BatchBuilder(this.o.batchRows, this.o.pseudonymKey, this.pool.take()));
  }

  private added(): void {
    this.count++;
    if (this.builder?.full || this.rows.length >= this.o.batchRows) this.sealOpen();
  }

  private sealOpen(): void {
    if (this.builder !== undefined && this.builder.n > 0) {
      this.sealed.push({ n: this.builder.n, encoded: this.builder.seal() });
      this.builder = undefined;
    } else if (this.rows.length > 0) {
      this.sealed.push({ n: this.rows.length, rows: this.rows });
      this.rows = [];
    }
  }

  /** Up to `max` batches, oldest first, the open one sealed if none is full; they leave the count. */
  take(max: number): Sealed[] {
    if (this.sealed.length === 0) this.sealOpen();
    const out = this.sealed.splice(0, max);
    for (const b of out) this.count -= b.n;
    return out;
  }

  /** Batches the store has answered for (written or refused as duplicates): their columns may be reused. */
  done(batches: readonly Sealed[]): void {
    for (const b of batches) if ('encoded' in b) this.pool.give(b.encoded);
  }

  /** Batches taken and not written (a failed synchronous write) go back to the front. */
  putBack(batches: readonly Sealed[]): void {
    this.sealed.unshift(...batches);
    for (const b of batches) this.count += b.n;
  }

  /** Every held row as a StoredRequest (the journal), left in place. */
  all(): StoredRequest[] {
    const out: StoredRequest[] = [];
    for (const b of this.sealed) out.push(...asRows(b, this.o.pseudonym));
    // The open batch is never full (it is sealed when it fills), so seal() copies its columns and it stays open.
    if (this.builder !== undefined && this.builder.n > 0) out.push(...decodeBatch(this.builder.seal(), this.o.pseudonym));
    out.push(...this.rows);
    return out;
  }
}

export function asRows(b: Sealed, pseudonym: (id: string) => string): StoredRequest[] {
  return 'rows' in b ? b.rows : decodeBatch(b.encoded, pseudonym);
}
