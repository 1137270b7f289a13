// The per-request store's one interface: every counted request as a row (the record that was
// priced and counted, never its prompt or completion), for the usage log, sessions, per-user usage
// and per-user limits. Prometheus holds only aggregates; user, session and request ids live here,
// users and sessions only as keyed pseudonyms (log/pseudonym.ts). Two backends: SQLite embedded
// (the default, under the data directory) and PostgreSQL for several exporter replicas.

/** One stored request. Label-like fields are the bounded raw values (never folded into "other"). */
export interface StoredRequest {
  /**
   * Idempotency key: `id:` + the request id when the source had one, else `h:` + a hash of the
   * record's content, so a line re-read after a crash or by a second replica is stored once.
   */
  key: string;
  timestampMs: number;
  provider: string;
  model: string;
  project?: string;
  feature?: string;
  team?: string;
  /** Keyed pseudonyms, never the raw ids. */
  user?: string;
  session?: string;
  /** Keyed pseudonym of the API key (or virtual key) the call was made with, for per-key limits. */
  apiKey?: string;
  requestId?: string;
  status: 'success' | 'error';
  errorType?: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  revenueUsd: number;
  /** False when no price was known or the usage was unknown (never a silent $0). */
  priced: boolean;
  usageUnknown: boolean;
  latencySeconds?: number;
  ttftSeconds?: number;
}

/** Columns the usage log can be sorted by. */
export const LOG_SORT_COLUMNS = ['time', 'provider', 'project', 'model', 'feature', 'team', 'input', 'output', 'total', 'cost'] as const;
export type LogSortColumn = (typeof LOG_SORT_COLUMNS)[number];

/** Filters shared by every query; ranges are half-open [fromMs, toMs). */
export interface RequestFilter {
  fromMs: number;
  toMs: number;
  provider?: string[];
  model?: string[];
  project?: string[];
  team?: string[];
  feature?: string[];
  user?: string;
  session?: string;
  apiKey?: string;
}

export interface LogQuery extends RequestFilter {
  /** 1-based. */
  page: number;
  pageSize: number;
  sort: LogSortColumn;
  order: 'asc' | 'desc';
}

export interface LogPage {
  rows: StoredRequest[];
  /** Rows matching the filter, over all pages. */
  total: number;
}

export interface Totals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /**
   * Requests that could not be priced: costUsd holds for them only a cost their log's writer
   * reported (usually none), as ai_cost_dollars_total does. Costs are summed exactly (nano-dollars).
   */
  unpriced: number;
}

export interface SessionRow extends Totals {
  session: string;
  firstMs: number;
  lastMs: number;
}

export interface SessionQuery extends RequestFilter {
  page: number;
  pageSize: number;
  sort: 'cost' | 'requests' | 'tokens' | 'last';
  order: 'asc' | 'desc';
}

export interface RequestStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Stores rows whose key is new; returns how many were new. Idempotent on `key`. */
  insert(rows: readonly StoredRequest[]): Promise<number>;
  log(q: LogQuery): Promise<LogPage>;
  /** Totals over the filter (the log's footer, a user's usage, the limit check). */
  totals(f: RequestFilter): Promise<Totals>;
  /** Per-session totals, most expensive first by default; `total` is the number of sessions. */
  sessions(q: SessionQuery): Promise<{ rows: SessionRow[]; total: number }>;
  /**
   * Totals per user (or per API key) pseudonym with a request in [fromMs, toMs): seeds the per-user
   * limit totals at start (limits/), and the top-users panels.
   */
  subjects(kind: 'user' | 'apiKey', fromMs: number, toMs: number): Promise<Array<Totals & { subject: string }>>;
  /** Deletes every row of a user pseudonym; returns rows deleted. */
  eraseUser(user: string): Promise<number>;
  /** Retention: deletes rows older than `beforeMs`; returns rows deleted. */
  deleteBefore(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}
