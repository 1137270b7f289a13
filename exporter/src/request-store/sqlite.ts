// The embedded backend: one SQLite file (better-sqlite3) under the data directory, no set-up. WAL
// lets the usage API read while the writer writes. synchronous=NORMAL in WAL mode: a commit does
// not fsync (the WAL is synced at checkpoints), so a committed batch survives a process crash
// (kill -9) and only a power cut or OS crash can lose the last ones. That is safe here because
// the durable state checkpoint (writer.ts) and the idempotent keys make a lost tail re-insertable:
// lines after the last state checkpoint are re-read and land on the same keys.
// better-sqlite3 is synchronous: insertSync() lets the writer flush inside a checkpoint; with
// insertThread the inserts run on a worker (sqlite-thread.ts) and only reads stay on this thread.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { encodeBatch, type EncodedBatch } from './batch.js';
import { MIGRATIONS_TABLE_SQLITE, pending } from './migrations.js';
import { rollupAnswers, totalsQuery } from './rollup.js';
import { makeInserter, REMOVED_COLUMNS, type SqliteInserter } from './sqlite-inserter.js';
import { SqliteInsertThread } from './sqlite-thread.js';
import { TABLE, decode, decodeTotals, logPageSql, sessionsSql, sqlitePh, subjectsSql, type SqlValue } from './sql.js';
import type { LogPage, LogQuery, RequestFilter, RequestStore, SessionQuery, SessionRow, StoredRequest, Totals } from './types.js';

/** Rows deleted per statement by retention, so one delete never holds the write lock for long. */
const DELETE_CHUNK = 20_000;
/** Page cache per connection (KiB, as SQLite's negative cache_size): the random indexes' hot pages stay in memory. */
const CACHE_KIB = 65_536;

export interface SqliteStoreOptions {
  /** Milliseconds a statement waits for another connection's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Inserts on a worker thread (sqlite-thread.ts), off the event loop; serve does. Default false. */
  insertThread?: boolean;
}

export class SqliteRequestStore implements RequestStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly inserter: SqliteInserter;
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly thread: SqliteInsertThread | undefined;

  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Created 0600 before SQLite opens it: its -wal and -shm files copy the database's mode.
      closeSync(openSync(path, 'a', 0o600));
    }
    this.db = new Database(path);
    const busy = Math.floor(opts.busyTimeoutMs ?? 5000);
    this.db.pragma(`busy_timeout = ${busy}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.migrate();
    this.inserter = makeInserter(this.db);
    // After the migrations, so the worker finds the tables.
    this.thread = opts.insertThread && path !== ':memory:' ? new SqliteInsertThread(path, busy, -CACHE_KIB) : undefined;
  }

  /** Settles once the insert worker (if any) is ready to write; rejects if it could not start. */
  ready(): Promise<void> {
    return this.thread?.started ?? Promise.resolve();
  }

  /** Schema version rows applied so far (tests, diagnostics). */
  appliedMigrations(): number[] {
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version);
  }

  private migrate(): void {
    // IMMEDIATE takes the write lock first: a second process opening the same file waits (busy
    // timeout), then sees the versions the first one recorded and applies nothing.
    const run = this.db.transaction(() => {
      this.db.exec(MIGRATIONS_TABLE_SQLITE);
      const applied = new Set(this.appliedMigrations());
      const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)');
      for (const m of pending(applied)) {
        for (const s of m.sqlite) this.db.exec(s);
        record.run(m.version, m.name, Date.now());
      }
    });
    run.immediate();
  }

  private stmt(text: string): Database.Statement {
    let s = this.stmts.get(text);
    if (s === undefined) {
      s = this.db.prepare(text);
      // Page and filter shapes are few; the cache is bounded all the same.
      if (this.stmts.size >= 500) this.stmts.clear();
      this.stmts.set(text, s);
    }
    return s;
  }

  private all(q: { text: string; params: SqlValue[] }): Array<Record<string, unknown>> {
    return this.stmt(q.text).all(...q.params) as Array<Record<string, unknown>>;
  }

  insertSync(rows: readonly StoredRequest[]): number {
    return rows.length === 0 ? 0 : this.insertEncodedSync(encodeBatch(rows));
  }

  async insert(rows: readonly StoredRequest[]): Promise<number> {
    return rows.length === 0 ? 0 : this.insertEncoded(encodeBatch(rows));
  }

  /** A batch the writer encoded itself (raw records among it: keys and pseudonyms made on the worker). */
  async insertEncoded(batch: EncodedBatch): Promise<number> {
    return this.thread ? this.thread.insert(batch) : this.inserter.insert(batch);
  }

  insertEncodedSync(batch: EncodedBatch): number {
    return this.thread ? this.thread.insertSync(batch) : this.inserter.insert(batch);
  }

  async log(q: LogQuery): Promise<LogPage> {
    // The count first (from the rollup): it also says whether the page can hold any row.
    logPageSql(q, sqlitePh); // validates sort, order and page before anything runs
    const total = (await this.totals(q)).requests;
    if (total === 0 || (q.page - 1) * q.pageSize >= total) return { rows: [], total };
    const rows = this.all(logPageSql(q, sqlitePh, this.planFor(q, total))).map(decode);
    return { rows, total };
  }

  /**
   * The index a page walks, where SQLite's guess from a range it cannot see into would be wrong:
   * by cost, walking the cost index from the top meets a matching row every (all rows / matching)
   * entries, so page 1 costs about that many times the rows it needs; the time index costs the rows
   * in the range. Whichever is fewer, from the rollup's exact counts. Undefined: the planner's choice.
   */
  private planFor(q: LogQuery, matching: number): string | undefined {
    if (!rollupAnswers(q)) return undefined;
    if (q.sort === 'time') return 'requests_ts';
    if (q.sort !== 'cost') return undefined;
    const labels = q.provider ?? q.model ?? q.project ?? q.team ?? q.feature;
    const inRange = labels === undefined ? matching : decodeTotals(this.all(totalsQuery(q, sqlitePh, { labels: false }))[0]).requests;
    // Rows in the table, from the rowid span: an over-estimate after deletes, which is fine for a choice.
    // Two subqueries: SQLite answers a lone MIN or MAX from the B-tree's edge, both at once by a full scan.
    const rows = Number((this.stmt(`SELECT COALESCE((SELECT MAX(rowid) FROM ${TABLE}) - (SELECT MIN(rowid) FROM ${TABLE}) + 1, 0) AS n`).get() as { n: number }).n);
    const walk = (rows / matching) * (q.page * q.pageSize);
    return walk < inRange ? 'requests_cost' : 'requests_ts';
  }

  async totals(f: RequestFilter): Promise<Totals> {
    return decodeTotals(this.all(totalsQuery(f, sqlitePh))[0]);
  }

  async sessions(q: SessionQuery): Promise<{ rows: SessionRow[]; total: number }> {
    const s = sessionsSql(q, sqlitePh);
    const rows = this.all(s.page).map((r) => ({ session: String(r.session), firstMs: Number(r.first_ms), lastMs: Number(r.last_ms), ...decodeTotals(r) }));
    return { rows, total: Number(this.all(s.count)[0].n) };
  }

  async subjects(kind: 'user' | 'apiKey', fromMs: number, toMs: number): Promise<Array<Totals & { subject: string }>> {
    return this.all(subjectsSql(kind, fromMs, toMs, sqlitePh)).map((r) => ({ subject: String(r.subject), ...decodeTotals(r) }));
  }

  async eraseUser(user: string): Promise<number> {
    if (typeof user !== 'string' || user === '') throw new Error('request store: user must be a non-empty pseudonym');
    // The user's rows and their share of the rollup go in one transaction.
    return this.inserter.remove(this.stmt(`DELETE FROM ${TABLE} WHERE user_p = ? RETURNING ${REMOVED_COLUMNS}`), [user]);
  }

  async deleteBefore(beforeMs: number): Promise<number> {
    if (!Number.isFinite(beforeMs)) throw new Error('request store: beforeMs must be a finite number');
    const del = this.stmt(`DELETE FROM ${TABLE} WHERE rowid IN (SELECT rowid FROM ${TABLE} WHERE ts_ms < ? LIMIT ${DELETE_CHUNK}) RETURNING ${REMOVED_COLUMNS}`);
    let total = 0;
    for (;;) {
      const n = this.inserter.remove(del, [beforeMs]);
      total += n;
      if (n < DELETE_CHUNK) return total;
      // Let the ingest path and the usage API in between two chunks.
      await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    await this.thread?.close();
    if (this.db.open) this.db.close();
  }
}
