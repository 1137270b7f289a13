// Versioned schema changes, applied in order at open and recorded in schema_migrations, so an
// upgrade runs only the ones a database lacks and a second open is a no-op. Each backend applies
// them under its own lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two replicas
// starting at once cannot both run one. Append new versions; never edit a released one.

export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

// Text columns compare bytewise in PostgreSQL (COLLATE "C"), as SQLite's BINARY does over UTF-8:
// sorts by provider or model return the same order on both backends.
const T = 'TEXT COLLATE "C"';

// Only what the interface's queries need: every index costs each insert a B-tree descent, and the
// random ones (hash, cost, user, session) are what ingest pays for at scale.
const INDEXES = [
  // Idempotency: the 128-bit key hash (compact, fixed width), not the text key.
  'CREATE UNIQUE INDEX IF NOT EXISTS requests_kh ON requests (KH)',
  // Time range and time order (ties by key are sorted per tied group): the usage log's default
  // page, the partial hours at the edges of a rollup answer, retention.
  'CREATE INDEX IF NOT EXISTS requests_ts ON requests (ts_ms)',
  // The log sorted by cost (page 1 of the most expensive requests walks this index).
  'CREATE INDEX IF NOT EXISTS requests_cost ON requests (cost_nusd)',
  // One user, session or API key over time: per-user usage, a session's requests, limits, erasure.
  'CREATE INDEX IF NOT EXISTS requests_user ON requests (user_p, ts_ms) WHERE user_p IS NOT NULL',
  'CREATE INDEX IF NOT EXISTS requests_session ON requests (session_p, ts_ms) WHERE session_p IS NOT NULL',
  'CREATE INDEX IF NOT EXISTS requests_api_key ON requests (api_key_p, ts_ms) WHERE api_key_p IS NOT NULL',
];

// Totals per (span, bucket start, provider, model, project, team, feature), spans of an hour and a
// day, kept in the transaction that inserts (or deletes) the rows: counts and totals over whole
// hours and days read this instead of millions of rows. No user, session or key grain: erasing a
// user subtracts that user's rows from their buckets. Absent labels are '' with a bit in `nulls`
// (1 project, 2 team, 4 feature), so the primary key has no NULLs and '' stays a distinct value.
const ROLLUP = (t: string, int: string, num: string) => `CREATE TABLE IF NOT EXISTS requests_rollup (
        span_ms ${int} NOT NULL, start_ms ${int} NOT NULL,
        provider ${t} NOT NULL, model ${t} NOT NULL, project ${t} NOT NULL, team ${t} NOT NULL, feature ${t} NOT NULL,
        nulls ${int} NOT NULL,
        requests ${int} NOT NULL, input_tokens ${num} NOT NULL, output_tokens ${num} NOT NULL,
        cost_nusd ${int} NOT NULL, unpriced ${int} NOT NULL,
        PRIMARY KEY (span_ms, start_ms, provider, model, project, team, feature, nulls)
      )`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests table, its indexes and the hourly/daily rollup',
    sqlite: [
      `CREATE TABLE IF NOT EXISTS requests (
        kh1 INTEGER NOT NULL, kh2 INTEGER NOT NULL,
        key TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        project TEXT, feature TEXT, team TEXT,
        user_p TEXT, session_p TEXT, api_key_p TEXT, request_id TEXT,
        status TEXT NOT NULL,
        error_type TEXT,
        input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, total_tokens INTEGER NOT NULL,
        cost_nusd INTEGER NOT NULL, revenue_nusd INTEGER NOT NULL,
        priced INTEGER NOT NULL, usage_unknown INTEGER NOT NULL,
        latency_s REAL, ttft_s REAL
      )`,
      ...INDEXES.map((s) => s.replace('KH', 'kh1, kh2')),
      `${ROLLUP('TEXT', 'INTEGER', 'INTEGER')} WITHOUT ROWID`,
    ],
    postgres: [
      `CREATE TABLE IF NOT EXISTS requests (
        kh uuid NOT NULL,
        key ${T} NOT NULL,
        ts_ms BIGINT NOT NULL,
        provider ${T} NOT NULL,
        model ${T} NOT NULL,
        project ${T}, feature ${T}, team ${T},
        user_p ${T}, session_p ${T}, api_key_p ${T}, request_id ${T},
        status ${T} NOT NULL,
        error_type ${T},
        input_tokens DOUBLE PRECISION NOT NULL, output_tokens DOUBLE PRECISION NOT NULL, cache_read_tokens DOUBLE PRECISION NOT NULL,
        cache_write_tokens DOUBLE PRECISION NOT NULL, reasoning_tokens DOUBLE PRECISION NOT NULL, total_tokens DOUBLE PRECISION NOT NULL,
        cost_nusd BIGINT NOT NULL, revenue_nusd BIGINT NOT NULL,
        priced SMALLINT NOT NULL, usage_unknown SMALLINT NOT NULL,
        latency_s DOUBLE PRECISION, ttft_s DOUBLE PRECISION
      )`,
      ...INDEXES.map((s) => s.replace('KH', 'kh')),
      ROLLUP(T, 'BIGINT', 'DOUBLE PRECISION'),
    ],
  },
];

export const MIGRATIONS_TABLE_SQLITE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)';
export const MIGRATIONS_TABLE_PG = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)';

/** The newest version this build knows; a database ahead of it was written by a newer exporter. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Migrations not yet in `applied`, in order; refuses a database from a newer exporter. */
export function pending(applied: ReadonlySet<number>): Migration[] {
  const newest = Math.max(0, ...applied);
  if (newest > LATEST_VERSION) {
    throw new Error(`the request store's schema is version ${newest}, newer than this exporter knows (${LATEST_VERSION}): upgrade the exporter`);
  }
  return MIGRATIONS.filter((m) => !applied.has(m.version));
}
