// Assembles a cost report from Prometheus: exact totals and tables for the period (report/usage.ts),
// the previous period for anomalies, month-to-date spend for budgets, and the recording rules'
// projections and savings. All queries run before anything is rendered and any failure fails the
// whole report: a report with a silently missing table would be read as "no spend there".
// Money leaves this module in the display currency (report/currency.ts).
import type { Catalog } from '../../../catalog/src/schema.js';
import { defaultClock, type Clock } from '../../../exporter/src/clock.js';
import type { PrometheusClient } from '../prometheus-client/client.js';
import { anomalyThresholds, findAnomalies, type Anomaly, type Compared } from './anomalies.js';
import { budgetRows, type ProjectionStatus } from './budgets.js';
import { currencyOf, fromUsd, type Currency } from './currency.js';
import { monthOf, reportWindows, type ReportPeriod, type TimeWindow } from './periods.js';
import { topSavings, type SavingsItem } from './savings.js';
import { addUsage, cloneUsage, emptyUsage, fetchUsage, REQUEST_DIMENSIONS, rollUp, type Usage, type UsageBucket, type UsageRow } from './usage.js';

export interface Totals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cost: number;
  avgCostPerRequest: number;
  errorRate: number;
}

export interface TableRow extends Totals {
  /** Group labels, e.g. { provider, model }. */
  group: Record<string, string>;
  /** This row's share of the period's cost, 0–1. */
  costShare: number;
}

export interface PeriodInfo {
  label: string;
  start: string;
  end: string;
}

export interface CostReport {
  kind: 'tokenscope-cost-report';
  period: PeriodInfo & { type: ReportPeriod; inProgress: boolean };
  /** Same length as the period (for one in progress: the same elapsed part of the previous period). */
  previousPeriod: PeriodInfo;
  currency: Currency;
  totals: Totals;
  previousTotals: Totals;
  byModel: TableRow[];
  byProvider: TableRow[];
  byTeam: TableRow[];
  byFeature: TableRow[];
  budgets: {
    month: string;
    asOf: string;
    warningRatio: number;
    projection: ProjectionStatus;
    rows: Array<{ scope: string; name: string; budget: number; spent: number; usedRatio: number; projected: number | null; projectedRatio: number | null }>;
  };
  anomalies: Array<Anomaly & { unit: 'currency' | 'requests' | 'ratio' }>;
  savings: { available: true; asOf: string; items: Array<Omit<SavingsItem, 'monthlyUsd'> & { monthly: number }>; totalMonthly: number } | { available: false; reason: string };
  generatedAt: string;
  source: string;
}

export interface BuildReportOptions {
  client: PrometheusClient;
  catalog: Catalog;
  period: ReportPeriod;
  /** A date inside the period (YYYY-MM-DD; YYYY-MM for monthly). Default: the last complete period. */
  at?: string;
  /** What "now" is: picks the default period, and whether the period is in progress. Default: the process's clock. */
  clock?: Clock;
}

function totalsOf(u: Usage, c: Currency): Totals {
  const cost = fromUsd(u.costUsd, c);
  const errors = u.errors ?? 0;
  return {
    requests: u.requests,
    errors,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedTokens: u.cachedTokens ?? 0,
    cost,
    avgCostPerRequest: u.requests > 0 ? cost / u.requests : 0,
    errorRate: u.requests > 0 ? errors / u.requests : 0,
  };
}

/** Rows and total over the buckets lying inside [from, to). */
function over(buckets: readonly UsageBucket[], from: number, to: number, template: Usage): { rows: UsageRow[]; total: Usage } {
  const inside = buckets.filter((b) => b.startMs >= from && b.endMs <= to);
  const total = cloneUsage(template);
  for (const b of inside) addUsage(total, b.total);
  return { rows: rollUp(inside.flatMap((b) => b.rows), REQUEST_DIMENSIONS, template), total };
}

function table(rows: readonly UsageRow[], dims: string[], template: Usage, totalUsd: number, c: Currency): TableRow[] {
  return rollUp(rows, dims, template)
    .map((r) => ({ group: r.group, ...totalsOf(r.usage, c), costShare: totalUsd > 0 ? r.usage.costUsd / totalUsd : 0 }))
    .sort((a, b) => b.cost - a.cost || b.requests - a.requests || JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));
}

function compared(scope: Compared['scope'], dims: string[], cur: readonly UsageRow[], prev: readonly UsageRow[], template: Usage): Compared[] {
  const key = (g: Record<string, string>) => dims.map((d) => g[d]).join('/');
  const map = new Map<string, Compared>();
  for (const [which, rows] of [['current', cur], ['previous', prev]] as const) {
    for (const r of rollUp(rows, dims, template)) {
      const k = key(r.group);
      const item = map.get(k) ?? { scope, name: k, current: cloneUsage(template), previous: cloneUsage(template) };
      item[which] = r.usage;
      map.set(k, item);
    }
  }
  return [...map.values()];
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function buildReport(opts: BuildReportOptions): Promise<CostReport> {
  const now = (opts.clock ?? defaultClock()).now();
  const c = currencyOf(opts.catalog);
  const { current, previous } = reportWindows(opts.period, opts.at, now);
  if (current.startMs >= now) throw new Error(`the ${opts.period} period ${current.label} has not started yet`);
  // A period still in progress is reported up to now (whole seconds) and compared with the same
  // elapsed part of the previous period, so a half-day is not flagged as a 50 % drop.
  const inProgress = current.endMs > now;
  const end = inProgress ? Math.floor(now / 1000) * 1000 : current.endMs;
  const prev: TimeWindow = inProgress ? { ...previous, endMs: Math.min(previous.endMs, previous.startMs + (end - current.startMs)) } : previous;
  const month = monthOf(end - 1);

  const boundaries = [...new Set([prev.startMs, prev.endMs, current.startMs, end, month.startMs])].sort((a, b) => a - b);
  const template = emptyUsage('request', false);
  const [buckets, loadedRules] = await Promise.all([
    fetchUsage(opts.client, { boundaries, groupBy: [...REQUEST_DIMENSIONS] }),
    opts.client.recordingRules(),
  ]);
  const [budgets, savings] = await Promise.all([
    budgetRows(opts.client, opts.catalog, over(buckets, month.startMs, end, template).rows, template, loadedRules, end),
    topSavings(opts.client, loadedRules, end),
  ]);

  const cur = over(buckets, current.startMs, end, template);
  const before = over(buckets, prev.startMs, prev.endMs, template);
  const th = anomalyThresholds(opts.catalog, end - current.startMs);
  const anomalies = findAnomalies(
    [...compared('model', ['provider', 'model'], cur.rows, before.rows, template), ...compared('provider', ['provider'], cur.rows, before.rows, template)],
    th,
  ).map((a) => ({
    ...a,
    ...(a.metric === 'cost' ? { previous: fromUsd(a.previous, c), current: fromUsd(a.current, c) } : {}),
    unit: a.metric === 'cost' ? ('currency' as const) : a.metric === 'requests' ? ('requests' as const) : ('ratio' as const),
  }));

  return {
    kind: 'tokenscope-cost-report',
    period: { type: opts.period, label: current.label, start: iso(current.startMs), end: iso(end), inProgress },
    previousPeriod: { label: previous.label, start: iso(prev.startMs), end: iso(prev.endMs) },
    currency: c,
    totals: totalsOf(cur.total, c),
    previousTotals: totalsOf(before.total, c),
    byModel: table(cur.rows, ['provider', 'model'], template, cur.total.costUsd, c),
    byProvider: table(cur.rows, ['provider'], template, cur.total.costUsd, c),
    byTeam: table(cur.rows, ['team'], template, cur.total.costUsd, c),
    byFeature: table(cur.rows, ['feature'], template, cur.total.costUsd, c),
    budgets: {
      month: month.label,
      asOf: iso(end),
      warningRatio: opts.catalog.budgets.warning_ratio,
      projection: budgets.projection,
      rows: budgets.rows.map((b) => ({
        scope: b.scope,
        name: b.name,
        budget: fromUsd(b.budgetUsd, c),
        spent: fromUsd(b.spentUsd, c),
        usedRatio: b.budgetUsd > 0 ? b.spentUsd / b.budgetUsd : 0,
        projected: b.projectedUsd === null ? null : fromUsd(b.projectedUsd, c),
        projectedRatio: b.projectedUsd === null || b.budgetUsd === 0 ? null : b.projectedUsd / b.budgetUsd,
      })),
    },
    anomalies,
    savings: savings.available
      ? {
          available: true,
          asOf: iso(end),
          items: savings.items.map(({ monthlyUsd, ...rest }) => ({ ...rest, monthly: fromUsd(monthlyUsd, c) })),
          totalMonthly: fromUsd(savings.totalMonthlyUsd, c),
        }
      : savings,
    generatedAt: iso(now),
    source: opts.client.url,
  };
}
