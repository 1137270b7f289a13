// The report as one CSV table for spreadsheets: a `section` column (total, model, provider, team,
// feature, budget) and the same numeric columns throughout. Budget rows put month-to-date spend in
// `cost`. Anomalies and savings are sentences, not rows: they are in the Markdown and JSON forms.
import type { CostReport, TableRow } from './build-report.js';
import { csvMoney, toCsv, type Cell } from './csv.js';

const HEADER = [
  'section', 'name', 'requests', 'errors', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'cost_share', 'budget', 'projected', 'currency', 'period_start', 'period_end',
];

export function renderReportCsv(r: CostReport): string {
  const span = [r.currency.code, r.period.start, r.period.end];
  const usage = (section: string, name: string, t: Omit<TableRow, 'group' | 'costShare'> & { costShare?: number }): Cell[] => [
    section, name, t.requests, t.errors, t.inputTokens, t.outputTokens, t.cachedTokens, csvMoney(t.cost), t.costShare ?? 1, null, null, ...span,
  ];
  const rows: Cell[][] = [
    usage('total', 'total', r.totals),
    ...r.byModel.map((x) => usage('model', `${x.group.provider}/${x.group.model}`, x)),
    ...r.byProvider.map((x) => usage('provider', x.group.provider, x)),
    ...r.byTeam.map((x) => usage('team', x.group.team, x)),
    ...r.byFeature.map((x) => usage('feature', x.group.feature, x)),
    ...r.budgets.rows.map((b): Cell[] => [
      'budget', b.scope === 'total' ? 'total' : `${b.scope}/${b.name}`, null, null, null, null, null, csvMoney(b.spent), null, csvMoney(b.budget), b.projected === null ? null : csvMoney(b.projected),
      r.currency.code, `${r.budgets.month}-01T00:00:00.000Z`, r.budgets.asOf,
    ]),
  ];
  return toCsv(HEADER, rows);
}
