// The shared backend for several exporter replicas: PostgreSQL through a pg Pool. A batch is one
// statement, one round trip whatever its size, every value a bound parameter: INSERT ... SELECT
// FROM UNNEST(arrays) ON CONFLICT (kh) DO NOTHING, where kh is md5(key) as a uuid (16 bytes, hashed
// by the server, not the ingest thread), and, in the same statement, the new rows' shares upserted
// into the rollup (rollup.ts) in bucket order, so two replicas upserting the same buckets take
// their row locks in one order and cannot deadlock. Two replicas reading the same line store it
// once, whichever commits first; the loser's row is not returned, so it never reaches the rollup.
import pg from 'pg';
import { MIGRATIONS_TABLE_PG, pending } from './migrations.js';
import { ROLLUP_SPANS, ROLLUP_TABLE, totalsQuery } from './rollup.js';
import type { EncodedBatch } from './batch.js';
import { arrayLiterals } from './pg-arrays.js';
import { encodedLiterals } from './pg-literals.js';
import { PgInsertThread } from './pg-thread.js';
import { COLUMNS, TABLE, decode, decodeTotals, logPageSql, pgPh, sessionsSql, subjectsSql, type SqlValue } from './sql.js';
import type { LogPage, LogQuery, RequestFilter, RequestStore, SessionQuery, SessionRow, StoredRequest, Totals } from './types.js';

/** PostgreSQL array type of each column in COLUMNS, for UNNEST. */
const PG_TYPES: Record<(typeof COLUMNS)[number], string> = {
  key: 'text', ts_ms: 'bigint', provider: 'text', model: 'text', project: 'text', feature: 'text', team: 'text', user_p: 'text',
  session_p: 'text', api_key_p: 'text', request_id: 'text', status: 'text', error_type: 'text', input_tokens: 'float8',
  output_tokens: 'float8', cache_read_tokens: 'float8', cache_write_tokens: 'float8', reasoning_tokens: 'float8', total_tokens: 'float8',
  cost_nusd: 'bigint', revenue_nusd: 'bigint', priced: 'smallint', usage_unknown: 'smallint', latency_s: 'float8', ttft_s: 'float8',
};

const CHANGED = 'ts_ms, provider, model, project, team, feature, input_tokens, output_tokens, cost_nusd, priced';
const PK = 'span_ms, start_ms, provider, model, project, team, feature, nulls';

/** Rows `src` (a CTE of CHANGED columns) as rollup deltas, one per bucket of each span, in bucket order. */
const bucketsOf = (src: string) =>
  `SELECT s.span AS span_ms, c.ts_ms - (((c.ts_ms % s.span) + s.span) % s.span) AS start_ms, c.provider, c.model, ` +
  `COALESCE(c.project, '') AS project, COALESCE(c.team, '') AS team, COALESCE(c.feature, '') AS feature, ` +
  `((c.project IS NULL)::int | ((c.team IS NULL)::int << 1) | ((c.feature IS NULL)::int << 2)) AS nulls, ` +
  `COUNT(*) AS requests, SUM(c.input_tokens) AS input_tokens, SUM(c.output_tokens) AS output_tokens, ` +
  `SUM(c.cost_nusd) AS cost_nusd, SUM(1 - c.priced) AS unpriced ` +
  `FROM ${src} c CROSS JOIN (VALUES ${ROLLUP_SPANS.map((x) => `(${x}::bigint)`).join(', ')}) AS s(span) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

const INSERT_SQL =
  `WITH ins AS (INSERT INTO ${TABLE} (kh, ${COLUMNS.join(', ')}) SELECT md5(u.key)::uuid, u.* ` +
  `FROM UNNEST(${COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c]}[]`).join(', ')}) AS u(${COLUMNS.join(', ')}) ` +
  `ON CONFLICT (kh) DO NOTHING RETURNING ${CHANGED}), ` +
  `up AS (INSERT INTO ${ROLLUP_TABLE} (${PK}, requests, input_tokens, output_tokens, cost_nusd, unpriced) ` +
  `SELECT * FROM (${bucketsOf('ins')}) AS b ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 ` +
  `ON CONFLICT (${PK}) DO UPDATE SET requests = ${ROLLUP_TABLE}.requests + EXCLUDED.requests, ` +
  `input_tokens = ${ROLLUP_TABLE}.input_tokens + EXCLUDED.input_tokens, output_tokens = ${ROLLUP_TABLE}.output_tokens + EXCLUDED.output_tokens, ` +
  `cost_nusd = ${ROLLUP_TABLE}.cost_nusd + EXCLUDED.cost_nusd, unpriced = ${ROLLUP_TABLE}.unpriced + EXCLUDED.unpriced) ` +
  'SELECT COUNT(*)::int AS n FROM ins';

/** Deletes the rows `cond` selects and subtracts them from the rollup; returns the count and the buckets left empty. */
const removeSql = (cond: string) =>
  `WITH del AS (DELETE FROM ${TABLE} WHERE ${cond} RETURNING ${CHANGED}), agg AS (${bucketsOf('del')}), ` +
  `upd AS (UPDATE ${ROLLUP_TABLE} r SET requests = r.requests - a.requests, input_tokens = r.input_tokens - a.input_tokens, ` +
  `output_tokens = r.output_tokens - a.output_tokens, cost_nusd = r.cost_nusd - a.cost_nusd, unpriced = r.unpriced - a.unpriced ` +
  `FROM agg a WHERE ${PK.split(', ').map((c) => `r.${c} = a.${c}`).join(' AND ')} RETURNING r.span_ms, r.start_ms, r.requests) ` +
  `SELECT (SELECT COUNT(*) FROM del)::int AS n, ` +
  `(SELECT COALESCE(array_agg(DISTINCT span_ms::text || ':' || start_ms::text), '{}') FROM upd WHERE requests <= 0) AS empty`;

/** Any constant shared by every replica: the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_301_946_512;
const DELETE_CHUNK = 20_000;

export interface PostgresStoreOptions {
  /** Pool size. Default 4: one writer and a few usage API readers. */
  maxConnections?: number;
  /** Encoded batches are written on a worker thread with its own connection (pg-thread.ts); serve does. Default false. */
  insertThread?: boolean;
  onError?: (message: string, details: Record<string, unknown>) => void;
}

export class PostgresRequestStore implements RequestStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private thread: PgInsertThread | undefined;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects and applies the migrations this database lacks. */
  static async open(connectionString: string, opts: PostgresStoreOptions = {}): Promise<PostgresRequestStore> {
    const pool = new pg.Pool({ connectionString, max: opts.maxConnections ?? 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle client losing its connection emits on the pool; unhandled, that would end the process.
    pool.on('error', (e) => opts.onError?.('request store connection lost', { err: e.message }));
    const store = new PostgresRequestStore(pool);
    try {
      await store.migrate();
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    // After the migrations, so the worker finds the tables.
    if (opts.insertThread) store.thread = new PgInsertThread(connectionString, INSERT_SQL);
    return store;
  }

  async appliedMigrations(): Promise<number[]> {
    const r = await this.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    return r.rows.map((x) => Number(x.version));
  }

  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      // A session-level lock: a second replica waits here, then finds every version recorded.
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await c.query(MIGRATIONS_TABLE_PG);
        const r = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
        for (const m of pending(new Set(r.rows.map((x) => Number(x.version))))) {
          await c.query('BEGIN');
          try {
            for (const s of m.postgres) await c.query(s);
            await c.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => {});
            throw e;
          }
        }
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      }
    } finally {
      c.release();
    }
  }

  private async all(q: { text: string; params: SqlValue[] }): Promise<Array<Record<string, unknown>>> {
    return (await this.pool.query(q.text, q.params)).rows as Array<Record<string, unknown>>;
  }

  async insert(rows: readonly StoredRequest[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.pool.query<{ n: number }>(INSERT_SQL, arrayLiterals(rows));
    return Number(r.rows[0].n);
  }

  /**
   * A batch the writer encoded as it counted (raw records among it): its array literals are built
   * from the columns at write time (pg-literals.ts), on the insert worker when there is one, so
   * the ingest path only appends to the batch.
   */
  async insertEncoded(batch: EncodedBatch): Promise<number> {
    if (batch.n === 0) return 0;
    if (this.thread) return this.thread.insert(batch);
    const r = await this.pool.query<{ n: number }>(INSERT_SQL, encodedLiterals(batch));
    return Number(r.rows[0].n);
  }

  /** Runs removeSql(cond) and drops the rollup buckets it emptied, in one transaction. */
  private async remove(cond: string, params: SqlValue[]): Promise<number> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        const r = (await c.query<{ n: number; empty: string[] }>(removeSql(cond), params)).rows[0];
        if (r.empty.length > 0) {
          const spans = r.empty.map((e) => e.split(':')[0]);
          const starts = r.empty.map((e) => e.split(':')[1]);
          await c.query(
            `DELETE FROM ${ROLLUP_TABLE} WHERE requests <= 0 AND (span_ms, start_ms) IN (SELECT * FROM UNNEST($1::bigint[], $2::bigint[]))`,
            [spans, starts],
          );
        }
        await c.query('COMMIT');
        return r.n;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      }
    } finally {
      c.release();
    }
  }

  async log(q: LogQuery): Promise<LogPage> {
    const page = logPageSql(q, pgPh);
    const [rows, count] = await Promise.all([this.all(page), this.all(totalsQuery(q, pgPh))]);
    return { rows: rows.map(decode), total: Number(count[0].requests) };
  }

  async totals(f: RequestFilter): Promise<Totals> {
    return decodeTotals((await this.all(totalsQuery(f, pgPh)))[0]);
  }

  async sessions(q: SessionQuery): Promise<{ rows: SessionRow[]; total: number }> {
    const s = sessionsSql(q, pgPh);
    const [rows, count] = await Promise.all([this.all(s.page), this.all(s.count)]);
    return {
      rows: rows.map((r) => ({ session: String(r.session), firstMs: Number(r.first_ms), lastMs: Number(r.last_ms), ...decodeTotals(r) })),
      total: Number(count[0].n),
    };
  }

  async subjects(kind: 'user' | 'apiKey', fromMs: number, toMs: number): Promise<Array<Totals & { subject: string }>> {
    return (await this.all(subjectsSql(kind, fromMs, toMs, pgPh))).map((r) => ({ subject: String(r.subject), ...decodeTotals(r) }));
  }

  async eraseUser(user: string): Promise<number> {
    if (typeof user !== 'string' || user === '') throw new Error('request store: user must be a non-empty pseudonym');
    // The user's rows and their share of the rollup go in one transaction.
    return this.remove('user_p = $1', [user]);
  }

  async deleteBefore(beforeMs: number): Promise<number> {
    if (!Number.isFinite(beforeMs)) throw new Error('request store: beforeMs must be a finite number');
    // Chunks: one huge DELETE after a long outage would hold its locks and WAL for minutes.
    const cond = `kh IN (SELECT kh FROM ${TABLE} WHERE ts_ms < $1 LIMIT ${DELETE_CHUNK})`;
    let total = 0;
    for (;;) {
      const n = await this.remove(cond, [beforeMs]);
      total += n;
      if (n < DELETE_CHUNK) return total;
    }
  }

  async close(): Promise<void> {
    await this.thread?.close();
    await this.pool.end();
  }
}
