// Reading the rollup (requests_rollup: totals per hour and per UTC day and per provider, model,
// project, team and feature, kept in the inserting transaction). A range [from, to) is cut into
// whole days, whole hours at the edges of those, and raw rows for the partial hours at the ends,
// so a 30-day total reads ~30 day buckets per label combination, up to 46 hour buckets and at
// most two hours of rows, instead of every row. Exact: the rollup sums the same integer columns
// the raw query would. Filters on a user, session or API key have no rollup grain: raw rows.
import { checkRange, Params, RAW_TOTALS_COLS, TABLE, where, type SqlValue } from './sql.js';
import type { RequestFilter } from './types.js';

export const ROLLUP_TABLE = 'requests_rollup';
/** Rollup spans: an hour and a UTC day. */
export const ROLLUP_SPANS = [3_600_000, 86_400_000] as const;

export type Arm = { kind: 'raw'; from: number; to: number } | { kind: 'rollup'; span: number; from: number; to: number };

const floorTo = (t: number, s: number) => t - (((t % s) + s) % s);
const ceilTo = (t: number, s: number) => {
  const f = floorTo(t, s);
  return f === t ? t : f + s;
};

/** [from, to) as whole buckets of the largest span that fits, then the next, then raw rows. */
export function arms(fromMs: number, toMs: number): Arm[] {
  const out: Arm[] = [];
  const spans = [...ROLLUP_SPANS].sort((a, b) => b - a);
  const split = (a: number, b: number, level: number): void => {
    if (a >= b) return;
    if (level === spans.length) {
      out.push({ kind: 'raw', from: a, to: b });
      return;
    }
    const s = spans[level];
    const lo = ceilTo(a, s);
    const hi = floorTo(b, s);
    if (lo >= hi) return split(a, b, level + 1);
    split(a, lo, level + 1);
    out.push({ kind: 'rollup', span: s, from: lo, to: hi });
    split(hi, b, level + 1);
  };
  split(fromMs, toMs, 0);
  return out;
}

/** Whether the rollup can answer the filter: it has no user, session or API key grain. */
export function rollupAnswers(f: RequestFilter): boolean {
  return f.user === undefined && f.session === undefined && f.apiKey === undefined;
}

/** The label filters against the rollup's columns: an absent label is '' with its bit in `nulls`. */
function labelTerms(f: RequestFilter, p: Params): string {
  const terms: string[] = [];
  const list = (col: string, vs: string[] | undefined, nullBit = 0) => {
    if (vs === undefined) return;
    if (vs.length === 0) terms.push('1 = 0');
    else terms.push(`${nullBit ? `(nulls & ${nullBit}) = 0 AND ` : ''}${col} IN (${vs.map((v) => p.add(v)).join(', ')})`);
  };
  list('provider', f.provider);
  list('model', f.model);
  list('project', f.project, 1);
  list('team', f.team, 2);
  list('feature', f.feature, 4);
  return terms.map((t) => ` AND ${t}`).join('');
}

const ROLLUP_SUMS =
  'COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens, ' +
  'COALESCE(SUM(cost_nusd), 0) AS cost_nusd, COALESCE(SUM(unpriced), 0) AS unpriced';

/**
 * Totals over a filter (columns as decodeTotals reads them), from the rollup where it answers,
 * else from the rows. `labels: false` drops the label filters (the rows in the time range only).
 */
export function totalsQuery(f: RequestFilter, ph: (n: number) => string, opts: { labels?: boolean } = {}): { text: string; params: SqlValue[] } {
  checkRange(f);
  const g: RequestFilter = opts.labels === false ? { fromMs: f.fromMs, toMs: f.toMs, user: f.user, session: f.session, apiKey: f.apiKey } : f;
  const p = new Params(ph);
  if (!rollupAnswers(g)) return { text: `SELECT ${RAW_TOTALS_COLS} FROM ${TABLE} ${where(g, p)}`, params: p.list };
  const parts = arms(g.fromMs, g.toMs).map((a) =>
    a.kind === 'raw'
      ? `SELECT ${RAW_TOTALS_COLS} FROM ${TABLE} ${where({ ...g, fromMs: a.from, toMs: a.to }, p)}`
      : `SELECT ${ROLLUP_SUMS} FROM ${ROLLUP_TABLE} WHERE span_ms = ${p.add(a.span)} AND start_ms >= ${p.add(a.from)} AND start_ms < ${p.add(a.to)}${labelTerms(g, p)}`,
  );
  // An empty or reversed range: the raw query checks the bounds and answers zeros.
  if (parts.length === 0) return { text: `SELECT ${RAW_TOTALS_COLS} FROM ${TABLE} ${where(g, p)}`, params: p.list };
  if (parts.length === 1) return { text: parts[0], params: p.list };
  return { text: `SELECT ${ROLLUP_SUMS} FROM (${parts.join(' UNION ALL ')}) AS arms`, params: p.list };
}
