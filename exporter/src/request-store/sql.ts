// The SQL both backends share: columns, filters, sorts and row decoding. Only the placeholder
// style differs (`?` for SQLite, `$n` for PostgreSQL), so both return identical results for the
// same query; every value is a bound parameter, never spliced into the text.
import { fromNano } from './row.js';
import type { LogQuery, LogSortColumn, RequestFilter, SessionQuery, StoredRequest, Totals } from './types.js';

export const TABLE = 'requests';

/** Column order of PostgreSQL's insert (pg-arrays.ts builds one array literal per column). */
export const COLUMNS = [
  'key', 'ts_ms', 'provider', 'model', 'project', 'feature', 'team', 'user_p', 'session_p', 'api_key_p', 'request_id',
  'status', 'error_type', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens',
  'total_tokens', 'cost_nusd', 'revenue_nusd', 'priced', 'usage_unknown', 'latency_s', 'ttft_s',
] as const;

export type SqlValue = string | number | null;

/** A database row (either driver) back to a StoredRequest; absent optionals stay absent. */
export function decode(row: Record<string, unknown>): StoredRequest {
  const out: StoredRequest = {
    key: String(row.key),
    timestampMs: Number(row.ts_ms),
    provider: String(row.provider),
    model: String(row.model),
    status: row.status === 'error' ? 'error' : 'success',
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    costUsd: fromNano(Number(row.cost_nusd)),
    revenueUsd: fromNano(Number(row.revenue_nusd)),
    priced: Number(row.priced) === 1,
    usageUnknown: Number(row.usage_unknown) === 1,
  };
  const opt = (col: string, set: (v: unknown) => void) => {
    const v = row[col];
    if (v !== null && v !== undefined) set(v);
  };
  opt('project', (v) => (out.project = String(v)));
  opt('feature', (v) => (out.feature = String(v)));
  opt('team', (v) => (out.team = String(v)));
  opt('user_p', (v) => (out.user = String(v)));
  opt('session_p', (v) => (out.session = String(v)));
  opt('api_key_p', (v) => (out.apiKey = String(v)));
  opt('request_id', (v) => (out.requestId = String(v)));
  opt('error_type', (v) => (out.errorType = String(v)));
  opt('latency_s', (v) => (out.latencySeconds = Number(v)));
  opt('ttft_s', (v) => (out.ttftSeconds = Number(v)));
  return out;
}

const SORT_SQL: Record<LogSortColumn, string> = {
  time: 'ts_ms', provider: 'provider', project: 'project', model: 'model', feature: 'feature', team: 'team',
  input: 'input_tokens', output: 'output_tokens', total: 'total_tokens', cost: 'cost_nusd',
};

const SESSION_SORT_SQL: Record<SessionQuery['sort'], string> = {
  cost: 'cost_nusd', requests: 'requests', tokens: 'tokens', last: 'last_ms',
};

/** Builds parameter lists; `ph` renders the placeholder of the n-th (1-based) parameter. */
export class Params {
  readonly list: SqlValue[] = [];
  constructor(private readonly ph: (n: number) => string) {}
  add(v: SqlValue): string {
    this.list.push(v);
    return this.ph(this.list.length);
  }
}

export const sqlitePh = (): string => '?';
export const pgPh = (n: number): string => `$${n}`;

export function checkRange(f: RequestFilter): void {
  if (!Number.isFinite(f.fromMs) || !Number.isFinite(f.toMs)) throw new Error('request store: fromMs and toMs must be finite numbers');
}

/** WHERE clause of a filter; list filters are IN (...) of bound values. */
export function where(f: RequestFilter, p: Params, extra: string[] = []): string {
  checkRange(f);
  const terms = [`ts_ms >= ${p.add(f.fromMs)}`, `ts_ms < ${p.add(f.toMs)}`, ...extra];
  const list = (col: string, vs: string[] | undefined) => {
    if (vs === undefined) return;
    // An empty list matches nothing, as a filter on "none of these values" should.
    if (vs.length === 0) terms.push('1 = 0');
    else terms.push(`${col} IN (${vs.map((v) => p.add(v)).join(', ')})`);
  };
  list('provider', f.provider);
  list('model', f.model);
  list('project', f.project);
  list('team', f.team);
  list('feature', f.feature);
  if (f.user !== undefined) terms.push(`user_p = ${p.add(f.user)}`);
  if (f.session !== undefined) terms.push(`session_p = ${p.add(f.session)}`);
  if (f.apiKey !== undefined) terms.push(`api_key_p = ${p.add(f.apiKey)}`);
  return `WHERE ${terms.join(' AND ')}`;
}

function page(q: { page: number; pageSize: number }, p: Params): string {
  if (!Number.isInteger(q.page) || q.page < 1) throw new Error('request store: page must be an integer of at least 1');
  if (!Number.isInteger(q.pageSize) || q.pageSize < 1) throw new Error('request store: pageSize must be an integer of at least 1');
  return `LIMIT ${p.add(q.pageSize)} OFFSET ${p.add((q.page - 1) * q.pageSize)}`;
}

function dir(order: string): 'ASC' | 'DESC' {
  if (order !== 'asc' && order !== 'desc') throw new Error('request store: order must be "asc" or "desc"');
  return order === 'asc' ? 'ASC' : 'DESC';
}

/** Sort columns that can be NULL: only these need an explicit NULLS placement. */
const NULLABLE = new Set(['project', 'feature', 'team']);

/**
 * The page of the usage log. NULLs (a row without project, say) sort first ascending and last
 * descending on both backends; ties are broken by the key, so a page never depends on the physical
 * order. NOT NULL columns get no NULLS clause: PostgreSQL walks an index for ORDER BY only when
 * the clause matches the index's own NULL order. `indexedBy` (SQLite) pins the plan.
 */
export function logPageSql(q: LogQuery, ph: (n: number) => string, indexedBy?: string): { text: string; params: SqlValue[] } {
  const col = SORT_SQL[q.sort];
  if (col === undefined) throw new Error('request store: sort must be one of time, provider, project, model, feature, team, input, output, total, cost');
  const d = dir(q.order);
  const p = new Params(ph);
  const w = where(q, p);
  const nulls = NULLABLE.has(col) ? (d === 'ASC' ? ' NULLS FIRST' : ' NULLS LAST') : '';
  const from = indexedBy ? `${TABLE} INDEXED BY ${indexedBy}` : TABLE;
  return { text: `SELECT * FROM ${from} ${w} ORDER BY ${col} ${d}${nulls}, key ${d} ${page(q, p)}`, params: p.list };
}

export const RAW_TOTALS_COLS =
  'COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens, ' +
  'COALESCE(SUM(cost_nusd), 0) AS cost_nusd, COALESCE(SUM(1 - priced), 0) AS unpriced';
const TOTALS_COLS = RAW_TOTALS_COLS;

export function decodeTotals(row: Record<string, unknown>): Totals {
  return {
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: fromNano(Number(row.cost_nusd)),
    unpriced: Number(row.unpriced),
  };
}

export function sessionsSql(q: SessionQuery, ph: (n: number) => string): { page: { text: string; params: SqlValue[] }; count: { text: string; params: SqlValue[] } } {
  const col = SESSION_SORT_SQL[q.sort];
  if (col === undefined) throw new Error('request store: session sort must be one of cost, requests, tokens, last');
  const d = dir(q.order);
  const p = new Params(ph);
  const w = where(q, p, ['session_p IS NOT NULL']);
  const text =
    `SELECT session_p AS session, ${TOTALS_COLS}, COALESCE(SUM(total_tokens), 0) AS tokens, MIN(ts_ms) AS first_ms, MAX(ts_ms) AS last_ms ` +
    `FROM ${TABLE} ${w} GROUP BY session_p ORDER BY ${col} ${d}, session_p ${d} ${page(q, p)}`;
  const c = new Params(ph);
  const count = `SELECT COUNT(DISTINCT session_p) AS n FROM ${TABLE} ${where(q, c, ['session_p IS NOT NULL'])}`;
  return { page: { text, params: p.list }, count: { text: count, params: c.list } };
}

export function subjectsSql(kind: 'user' | 'apiKey', fromMs: number, toMs: number, ph: (n: number) => string): { text: string; params: SqlValue[] } {
  if (kind !== 'user' && kind !== 'apiKey') throw new Error('request store: subjects kind must be "user" or "apiKey"');
  const col = kind === 'user' ? 'user_p' : 'api_key_p';
  const p = new Params(ph);
  const w = where({ fromMs, toMs }, p, [`${col} IS NOT NULL`]);
  return { text: `SELECT ${col} AS subject, ${TOTALS_COLS} FROM ${TABLE} ${w} GROUP BY ${col} ORDER BY cost_nusd DESC, ${col} ASC`, params: p.list };
}
