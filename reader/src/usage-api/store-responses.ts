// Response bodies of the request-store endpoints: log rows (the usage log's Date, Project, Model,
// Input, Output, Total, Cost plus provider, feature, team and status), totals, sessions and a
// user's usage, and the same log rows as CSV lines. Tokens: total = input + output (input already
// includes cache reads and writes). Money is in the catalog's display currency, named in
// `currency`; an unpriced request has cost null (never a silent 0) and is counted in `unpriced`.
import type { Catalog } from '../../../catalog/src/schema.js';
import { currencyOf, fromUsd, type Currency } from '../report/currency.js';
import { csvMoney, toCsv, type Cell } from '../report/csv.js';
import type { SessionRow, StoredRequest, Totals } from '../../../exporter/src/request-store/types.js';
import type { StoreWindow } from './store-params.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function windowBody(w: StoreWindow) {
  return { period: w.period, startDate: iso(w.fromMs), endDate: iso(w.toMs) };
}

export function logRow(r: StoredRequest, c: Currency) {
  return {
    date: iso(r.timestampMs),
    project: r.project ?? null,
    provider: r.provider,
    model: r.model,
    feature: r.feature ?? null,
    team: r.team ?? null,
    input: r.inputTokens,
    output: r.outputTokens,
    total: r.inputTokens + r.outputTokens,
    cost: r.priced ? fromUsd(r.costUsd, c) : null,
    status: r.status,
  };
}
export type LogRow = ReturnType<typeof logRow>;

export function totalsBody(t: Totals, c: Currency) {
  return { requests: t.requests, input: t.inputTokens, output: t.outputTokens, total: t.inputTokens + t.outputTokens, cost: fromUsd(t.costUsd, c), unpriced: t.unpriced };
}

export function pageInfo(page: number, pageSize: number, total: number) {
  return { page, page_size: pageSize, total, pages: Math.ceil(total / pageSize) };
}

export function logBody(w: StoreWindow & { page: number; pageSize: number; sort: string; order: string }, rows: readonly StoredRequest[], total: number, totals: Totals, catalog: Catalog) {
  const c = currencyOf(catalog);
  return {
    ...windowBody(w),
    currency: c.code,
    sort: w.sort,
    order: w.order,
    ...pageInfo(w.page, w.pageSize, total),
    totals: totalsBody(totals, c),
    rows: rows.map((r) => logRow(r, c)),
  };
}

export function sessionRow(s: SessionRow, c: Currency) {
  return { session: s.session, ...totalsBody(s, c), first: iso(s.firstMs), last: iso(s.lastMs) };
}

export function sessionsBody(w: StoreWindow & { page: number; pageSize: number; sort: string; order: string }, rows: readonly SessionRow[], total: number, catalog: Catalog) {
  const c = currencyOf(catalog);
  return {
    ...windowBody(w),
    currency: c.code,
    sort: w.sort,
    order: w.order,
    /** Sessions with at least one request in the range (the same number as `total`). */
    active_sessions: total,
    ...pageInfo(w.page, w.pageSize, total),
    rows: rows.map((s) => sessionRow(s, c)),
  };
}

/** Sums log rows per key: a user's usage by model and by day. */
export class Tally {
  private readonly groups = new Map<string, Totals & { key: string }>();

  add(key: string, r: StoredRequest): void {
    let t = this.groups.get(key);
    if (!t) this.groups.set(key, (t = { key, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 }));
    t.requests++;
    t.inputTokens += r.inputTokens;
    t.outputTokens += r.outputTokens;
    if (r.priced) t.costUsd += r.costUsd;
    else t.unpriced++;
  }

  entries(): Array<Totals & { key: string }> {
    return [...this.groups.values()];
  }
}

export function userBody(w: StoreWindow & { user: string }, totals: Totals, byModel: Tally, byDay: Tally, catalog: Catalog) {
  const c = currencyOf(catalog);
  return {
    user: w.user,
    ...windowBody(w),
    currency: c.code,
    totals: totalsBody(totals, c),
    // Most expensive first; keys are "provider/model" split back into their fields.
    byModel: byModel
      .entries()
      .sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key))
      .map((t) => {
        const slash = t.key.indexOf('/');
        return { provider: t.key.slice(0, slash), model: t.key.slice(slash + 1), ...totalsBody(t, c) };
      }),
    byDay: byDay
      .entries()
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((t) => ({ day: t.key, ...totalsBody(t, c) })),
  };
}

export function csvHeader(c: Currency): string {
  return toCsv(['Date', 'Project', 'Provider', 'Model', 'Feature', 'Team', 'Input', 'Output', 'Total', `Cost (${c.code})`, 'Status'], []);
}

/** CSV lines for one page of rows (text cells guarded against formula injection by report/csv.ts). */
export function csvLines(rows: readonly StoredRequest[], c: Currency): string {
  if (rows.length === 0) return '';
  const cells: Cell[][] = rows.map((r) => {
    const x = logRow(r, c);
    return [x.date, x.project, x.provider, x.model, x.feature, x.team, x.input, x.output, x.total, x.cost === null ? null : csvMoney(x.cost), x.status];
  });
  // toCsv writes its header line with the same cell rule as the rows: the first row stands in for it.
  return toCsv(cells[0] as readonly string[], cells.slice(1));
}
