// The report as Markdown for chat and email: the headline numbers first in plain sentences (they
// survive clients that do not render tables), then small tables, then what needs attention.
import type { CostReport, TableRow, Totals } from './build-report.js';
import { formatMoney, type Currency } from './currency.js';
import { OPPORTUNITY_TEXT } from './rule-series.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
/** Label values come from logs: keep a `|` or a newline from breaking the table. */
const esc = (s: string) => (s === '' ? '(none)' : s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' '));

function changeText(cur: number, prev: number): string {
  if (prev === 0) return cur === 0 ? 'unchanged' : 'new';
  const r = (cur - prev) / prev;
  return `${r >= 0 ? '+' : '−'}${Math.abs(r * 100).toFixed(1)} %`;
}

function tableMd(header: string[], rows: string[][], right: number[]): string[] {
  const align = header.map((_, i) => (right.includes(i) ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function usageTable(title: string, first: string[], rows: TableRow[], label: (r: TableRow) => string[], c: Currency, detail: boolean): string[] {
  if (rows.length === 0) return [`## ${title}`, '', 'No requests in this period.', ''];
  const header = [...first, 'Requests', ...(detail ? ['Input tokens', 'Output tokens'] : ['Avg cost/request']), `Cost (${c.code})`, '% of cost'];
  const body = rows.map((r) => [
    ...label(r).map(esc),
    int(r.requests),
    ...(detail ? [int(r.inputTokens), int(r.outputTokens)] : [r.avgCostPerRequest.toFixed(4)]),
    r.cost.toFixed(2),
    pct(r.costShare),
  ]);
  const right = header.map((_, i) => i).filter((i) => i >= first.length);
  return [`## ${title}`, '', ...tableMd(header, body, right), ''];
}

function summary(t: Totals, p: Totals, c: Currency, prevLabel: string): string[] {
  return [
    '## Summary',
    '',
    `- **Total cost: ${formatMoney(t.cost, c)}** (${changeText(t.cost, p.cost)} vs ${prevLabel}: ${formatMoney(p.cost, c)})`,
    `- Requests: ${int(t.requests)} (${changeText(t.requests, p.requests)}), of which failed: ${int(t.errors)} (${pct(t.errorRate)})`,
    `- Input tokens: ${int(t.inputTokens)}, of which read from cache: ${int(t.cachedTokens)}`,
    `- Output tokens: ${int(t.outputTokens)}`,
    `- Average cost per request: ${formatMoney(t.avgCostPerRequest, c, 4)}`,
    '',
  ];
}

function budgets(r: CostReport): string[] {
  const b = r.budgets;
  const c = r.currency;
  const out = [`## Budgets (${b.month}, month to date as of ${b.asOf.replace('.000Z', 'Z')})`, ''];
  if (b.rows.length === 0) return [...out, 'No budgets in the catalog.', ''];
  const flag = (ratio: number | null) => (ratio === null ? '' : ratio > 1 ? ' **over**' : ratio >= b.warningRatio ? ' *warning*' : '');
  const rows = b.rows.map((x) => [
    esc(x.scope === 'total' ? 'total' : `${x.scope} ${x.name}`),
    x.budget.toFixed(2),
    x.spent.toFixed(2),
    `${pct(x.usedRatio)}${flag(x.usedRatio)}`,
    x.projected === null ? 'n/a' : x.projected.toFixed(2),
    x.projectedRatio === null ? 'n/a' : `${pct(x.projectedRatio)}${flag(x.projectedRatio)}`,
  ]);
  out.push(...tableMd(['Budget', `Monthly (${c.code})`, `Spent (${c.code})`, 'Used', `Projected (${c.code})`, 'Projected use'], rows, [1, 2, 3, 4, 5]), '');
  if (!b.projection.available) out.push(`Forecast not available: ${b.projection.reason}.`, '');
  else out.push('Projection: month to date + trailing 7-day daily average × days left (recording rules).', '');
  return out;
}

function anomalies(r: CostReport): string[] {
  const c = r.currency;
  const out = [`## Anomalies (vs ${r.previousPeriod.label})`, ''];
  if (r.anomalies.length === 0) return [...out, 'None detected.', ''];
  for (const a of r.anomalies) {
    const what = a.metric === 'error_rate' ? 'error rate' : a.metric;
    const verb = a.direction === 'new' ? 'new' : a.direction === 'up' ? 'up' : 'down';
    const fmt = (v: number) => (a.unit === 'currency' ? formatMoney(v, c) : a.unit === 'ratio' ? pct(v) : int(v));
    const factor = a.ratio !== null && a.metric !== 'error_rate' ? ` ${a.ratio >= 1 ? `${a.ratio.toFixed(1)}×` : `to ${pct(a.ratio)} of before`}` : '';
    out.push(`- **${esc(a.name)}** (${a.scope}): ${what} ${verb}${factor}: ${fmt(a.previous)} → ${fmt(a.current)}`);
  }
  return [...out, ''];
}

function savings(r: CostReport): string[] {
  const out = ['## Top cost-saving opportunities', ''];
  const s = r.savings;
  if (!s.available) return [...out, `Not available: ${s.reason}.`, ''];
  if (s.items.length === 0) return [...out, `None recorded at ${s.asOf} (no opportunity above zero, or the savings rules were not running then).`, ''];
  s.items.forEach((x, i) => {
    out.push(`${i + 1}. **${formatMoney(x.monthly, r.currency)}/month**: ${esc(x.provider)}/${esc(x.model)}, feature ${esc(x.feature)}: ${OPPORTUNITY_TEXT[x.opportunity] ?? x.opportunity}`);
  });
  out.push('', `Estimates from the 24 hours before ${s.asOf} × 30 days (recording rules); sizes to rank by, not promises.`, '');
  return out;
}

export function renderMarkdown(r: CostReport): string {
  const kind = r.period.type[0].toUpperCase() + r.period.type.slice(1);
  const c = r.currency;
  const lines = [
    `# ${kind} LLM cost report: ${r.period.label}`,
    '',
    `${r.period.start.replace('.000Z', 'Z')} to ${r.period.end.replace('.000Z', 'Z')} (UTC)${r.period.inProgress ? ', **period in progress: figures up to the end time only**' : ''}. Costs in ${c.code}${c.usdRate !== 1 ? ` (${c.usdRate} per USD)` : ''}.`,
    '',
    ...summary(r.totals, r.previousTotals, c, r.previousPeriod.label),
    ...usageTable('By model', ['Model', 'Provider'], r.byModel, (x) => [x.group.model, x.group.provider], c, true),
    ...usageTable('By provider', ['Provider'], r.byProvider, (x) => [x.group.provider], c, true),
    ...usageTable('By team', ['Team'], r.byTeam, (x) => [x.group.team], c, false),
    ...usageTable('By feature', ['Feature'], r.byFeature, (x) => [x.group.feature], c, false),
    ...budgets(r),
    ...anomalies(r),
    ...savings(r),
    '---',
    `Generated ${r.generatedAt} by tokenscope from ${r.source}. Totals are exact counter differences (docs/reports.md).`,
    '',
  ];
  return lines.join('\n');
}
