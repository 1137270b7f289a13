// `tokenscope export`: usage per time bucket × group for spreadsheets.
// One row per bucket and group with requests, input, output and cached tokens and cost in the
// display currency. Groups with nothing in a bucket are left out; without grouping every bucket
// has its row, zeros included, so a chart of it has no gaps.
import type { Catalog } from '../../../catalog/src/schema.js';
import type { PrometheusClient } from '../prometheus-client/client.js';
import { csvMoney, toCsv } from './csv.js';
import { currencyOf, fromUsd } from './currency.js';
import { bucketBoundaries, bucketCount, type BucketSize } from './time-buckets.js';
import { fetchUsage, UsageQueryError, type Dimension, type UsageFilter, type UsageRow } from './usage.js';

/** Prometheus answers at most 11,000 points per series and range query. */
export const MAX_EXPORT_BUCKETS = 10_000;

export interface ExportOptions {
  client: PrometheusClient;
  catalog: Catalog;
  fromMs: number;
  toMs: number;
  groupBy: BucketSize;
  by: Dimension[];
  filter?: UsageFilter;
}

export interface ExportRow {
  start: string;
  end: string;
  group: Record<string, string>;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** null for project rows: ai_project_* has no cache counter. */
  cachedTokens: number | null;
  cost: number;
}

export interface ExportResult {
  kind: 'tokenscope-usage-export';
  from: string;
  to: string;
  groupBy: BucketSize;
  by: Dimension[];
  currency: string;
  rows: ExportRow[];
}

export async function buildExport(o: ExportOptions): Promise<ExportResult> {
  const n = bucketCount(o.fromMs, o.toMs, o.groupBy);
  if (n > MAX_EXPORT_BUCKETS) throw new UsageQueryError('group-by', `${n} ${o.groupBy} buckets is more than ${MAX_EXPORT_BUCKETS}: use a coarser --group-by or a shorter range`);
  const c = currencyOf(o.catalog);
  const buckets = await fetchUsage(o.client, { boundaries: bucketBoundaries(o.fromMs, o.toMs, o.groupBy), groupBy: o.by, filter: o.filter });
  const rows: ExportRow[] = [];
  for (const b of buckets) {
    const span = { start: new Date(b.startMs).toISOString(), end: new Date(b.endMs).toISOString() };
    const groups: UsageRow[] = o.by.length === 0 ? [{ group: {}, usage: b.total }] : b.rows.filter((r) => r.usage.requests > 0 || r.usage.costUsd > 0 || r.usage.inputTokens > 0 || r.usage.outputTokens > 0);
    const sortKey = (r: UsageRow) => o.by.map((d) => r.group[d]).join('\u0000');
    groups.sort((x, y) => sortKey(x).localeCompare(sortKey(y)));
    for (const g of groups) {
      const u = g.usage;
      rows.push({ ...span, group: g.group, requests: u.requests, inputTokens: u.inputTokens, outputTokens: u.outputTokens, cachedTokens: u.cachedTokens, cost: fromUsd(u.costUsd, c) });
    }
  }
  return { kind: 'tokenscope-usage-export', from: new Date(o.fromMs).toISOString(), to: new Date(o.toMs).toISOString(), groupBy: o.groupBy, by: o.by, currency: c.code, rows };
}

export function exportCsv(e: ExportResult): string {
  const header = ['bucket_start', 'bucket_end', ...e.by, 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'currency'];
  return toCsv(
    header,
    e.rows.map((r) => [r.start, r.end, ...e.by.map((d) => r.group[d] ?? ''), r.requests, r.inputTokens, r.outputTokens, r.cachedTokens, csvMoney(r.cost), e.currency]),
  );
}

/** JSON rows flat, with the group labels as columns, so a spreadsheet import sees one table. */
export function exportJson(e: ExportResult): string {
  const rows = e.rows.map(({ group, ...r }) => ({ bucket_start: r.start, bucket_end: r.end, ...group, requests: r.requests, input_tokens: r.inputTokens, output_tokens: r.outputTokens, cached_tokens: r.cachedTokens, cost: r.cost, currency: e.currency }));
  return `${JSON.stringify({ kind: e.kind, from: e.from, to: e.to, group_by: e.groupBy, by: e.by, currency: e.currency, rows }, null, 2)}\n`;
}
