// docs/dashboards.md, rendered from the built dashboards so the panel reference (question, query,
// recorded series) cannot drift from what Grafana shows. The prose around it lives here too.
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { HEALTH_SCORE } from '../prometheus/src/names.js';
import { catalog, SCHEMA_VERSION, TAGS, TIMEZONE, TITLE_PREFIX } from './defaults.js';
import * as th from './thresholds.js';

export interface BuiltDashboard {
  folder: string;
  path: string;
  dashboard: Dashboard;
}

interface Query {
  refId?: string;
  expr: string;
  /** SQL panels (store-panels.ts) carry rawSql instead of expr. */
  rawSql?: string;
  legendFormat?: string;
  instant?: boolean;
  format?: string;
  datasource?: { type?: string };
}

/** Recorded series a query reads: names with a colon (rule naming: level:metric:operations). */
export function recordedSeries(expr: string): string[] {
  return [...new Set([...expr.matchAll(/(?<![\w:"])([a-z_]*:[a-z0-9_:]*[a-z0-9_])/g)].map((m) => m[1]))].sort();
}

const PANEL_KIND: Record<string, string> = {
  stat: 'stat',
  gauge: 'gauge',
  bargauge: 'bar gauge',
  barchart: 'bar chart',
  timeseries: 'time series',
  table: 'table',
  piechart: 'donut',
  xychart: 'XY chart',
  'status-history': 'status history',
  logs: 'logs',
  text: 'text',
};

function panelsOf(d: Dashboard): Array<{ panel: Panel; core: boolean; row?: string }> {
  const out: Array<{ panel: Panel; core: boolean; row?: string }> = [];
  let row: string | undefined;
  const visit = (p: Panel | RowPanel) => {
    if (p.type === 'row') {
      row = (p as RowPanel).title;
      (p as RowPanel).panels.forEach(visit);
      return;
    }
    out.push({ panel: p as Panel, core: row === undefined, row });
  };
  (d.panels ?? []).forEach(visit);
  return out;
}

function panelSection(p: Panel, row: string | undefined): string {
  const targets = (p.targets ?? []) as unknown as Query[];
  const sql = targets.length > 0 && targets.every((t) => t.rawSql !== undefined);
  const rules = sql ? [] : [...new Set(targets.flatMap((t) => recordedSeries(t.expr)))];
  const source =
    targets.length === 0
      ? 'no query (generated from the catalog)'
      : sql
        ? 'the request store (PostgreSQL, one row per request)'
      : targets[0].datasource?.type === 'loki'
        ? 'Loki (the exporter\'s log lines)'
        : targets.every((t) => t.expr.includes('ALERTS{'))
          ? 'the `ALERTS` series of the tokenscope alerting rules'
          : rules.length
          ? `recording rules: ${rules.map((r) => `\`${r}\``).join(', ')}${targets.some((t) => recordedSeries(t.expr).length === 0 || /\b(ai_[a-z_]+)\{/.test(t.expr)) ? ' (plus raw metrics)' : ''}`
          : 'raw metrics';
  const when = [p.timeFrom ? `relative time ${p.timeFrom}` : '', p.interval ? `min interval ${p.interval}` : ''].filter(Boolean).join(', ');
  const lines = [
    `#### ${p.title}${row ? ` _(row “${row}”)_` : ''}`,
    '',
    p.description ?? '',
    '',
    `*${PANEL_KIND[p.type] ?? p.type}* · reads ${source}${when ? ` · ${when}` : ''}`,
    '',
  ];
  for (const t of targets) {
    if (sql) {
      lines.push(`${t.refId} (SQL, table):`, '', '```sql', t.rawSql!, '```', '');
      continue;
    }
    const how = [t.instant ? 'instant' : 'range', t.format === 'table' ? 'table' : '', t.legendFormat && t.legendFormat !== '__auto' ? `legend \`${t.legendFormat}\`` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`${t.refId} (${how}):`, '', '```' + (t.datasource?.type === 'loki' ? 'logql' : 'promql'), t.expr, '```', '');
  }
  return lines.join('\n');
}

const g = catalog.slo.global;
const pct = (r: number) => `${Number((r * 100).toFixed(3))}%`;

const INTRO = `# Dashboards

Six Grafana dashboards generated from TypeScript in \`dashboards-src/\` with
@grafana/grafana-foundation-sdk: 48 *core* panels, eight at the top of each dashboard (no row
header), plus *extras* (usage tables, donuts, budgets, logs and the like) in titled rows below.
\`npm run build:dashboards\` writes them to \`provisioning/dashboards/<folder>/<uid>.json\`, the
provider to \`provisioning/dashboards/dashboards.yaml\` and the datasources to
\`provisioning/datasources/datasources.yaml\`; this file is generated with them.
Edit the TypeScript, rebuild, commit the output: Grafana is provisioned with \`allowUiUpdates: false\`.
\`generateDashboards()\` returns the same files without writing (drift check, tests).

Tests: \`test/dashboards/dashboards.test.ts\` (ajv against the SDK's JSON Schemas, counts, layout, ids,
colours, thresholds, links, LogQL fields) and \`test/dashboards/filters.test.ts\` (filters, windows, money) and \`test/dashboards/prometheus.test.ts\` (every
Prometheus query, expanded as Grafana would, parsed and run against a real Prometheus that scrapes
the exporter and evaluates \`prometheus/rules/\`).

## Conventions

- **Titles, tags, links.** Titles start with “${TITLE_PREFIX.trim()}”; every dashboard is tagged ${TAGS.map((t) => `\`${t}\``).join(', ')}
  and carries a “Tokenscope dashboards” dropdown (tag-based, keeps variables and time range).
  Uids are fixed, readable strings (never derived from titles), so links and bookmarks survive renames.
- **Variables.** \`datasource\` (Prometheus) and \`loki\` (Loki) datasource variables, defaulting to the
  provisioned uids \`prometheus\` and \`loki\`; \`provider\`, \`model\`, \`team\`, \`feature\`: multi-value
  with All (= \`.*\`), from \`label_values(ai_requests_total, …)\`, model/team/feature chained on provider.
- **Every filter applies, or the panel says why not.** Panels on requests, tokens, cost and revenue
  read the raw counters, which carry provider, model, team and feature, so every variable filters
  them (recording rules aggregate team away). Panels on series that cannot carry a label (latency
  histograms are kept per provider and model only, on purpose; health, SLO, breaker and budget series
  per provider or budget scope) end their description with “Ignores the … filter(s): why”.
  \`test/dashboards/filters.test.ts\` checks that every query references each variable or its panel
  names the ignored filter; \`prometheus.test.ts\` runs every query with one variable set against a
  second Prometheus that holds only that value's series and compares the results.
- **Windows.** A panel titled “today” covers the UTC day so far (panel time \`now/d\`, whatever range is
  picked); one over the picked range says “over the selected range”; “this month” panels read the
  month-to-date budget rules (UTC calendar month); fixed windows are named (“(24h)”, “last 7 days”).
- **Money** is shown in the catalog's display currency (\`currency.display\`, ${catalog.currency.display} here; Grafana unit
  \`currency${catalog.currency.display}\`), converted with the exporter's \`ai_currency_exchange_rate\` series when it is not USD (the
  request-store panels with the catalog's \`usd_rate\`). Budget lines divide the monthly budget by \`days_in_month()\`,
  as the budget rules do. Grafana cannot make a unit follow a variable, so with a display currency other than USD
  the Business & Financial headline stats (Revenue Today, Cost Today) carry a second query in US dollars (refId
  \`USD\`, the exporter's unconverted series) shown with unit \`currencyUSD\` by a per-query override
  (\`byFrameRefID\`); with USD they have one value.
- **Schema version.** The JSON declares \`schemaVersion\` ${SCHEMA_VERSION}, the newest the Grafana that
  docker-compose.yml pins understands (the SDK would write a newer one).
- **Refresh.** Each panel has a natural refresh rate; Grafana refreshes a whole dashboard, so each
  dashboard refreshes at the fastest rate its panels want (listed below). Panels whose natural window
  differs from the dashboard's default time use a relative time (“Request Volume (24h)”, “Tokens/Sec
  Trend (7d)”…); “1-hour granularity” panels have a 1h min interval.
- **Time zone: ${TIMEZONE.toUpperCase()}.** The rules' period-to-date spend and the budgets use UTC calendar days and
  months; “today” means the same day on every panel and for every viewer.
- **Colours.** Every per-provider series (legend \`{{provider}}\`, or \`{{provider}}/{{model}}\` on
  ranked model bars) has its catalog colour as a field override (\`byName\` on the slug, or an
  anchored \`byRegexp\` \`<slug>([ /].*)?\`). Panels whose colour encodes a status (health tiles,
  gauges, error-rate bars, breaker tiles, status histories) use thresholds instead.
- **Thresholds** come from the catalog: availability green from ${pct(g.availability)}, red below ${pct(g.availability - (1 - g.availability))}
  (target minus one more error budget); error ratio yellow from ${pct(g.error_rate)} (SLO error rate), red from
  ${pct(th.modelErrorRatio)} (model_error_ratio); latency yellow from ${th.warningRatio * g.latency_p95_seconds}s (budget warning ratio × p95 target), red
  from ${g.latency_p95_seconds}s; daily spend yellow from ${th.dailyBudget === undefined ? 'n/a' : `$${(th.warningRatio * th.dailyBudget).toFixed(2)}`}, red from ${th.dailyBudget === undefined ? 'n/a' : `$${th.dailyBudget.toFixed(2)}`} (monthly budget / 30: thresholds are fixed numbers, so the Cost Today colours use a 30-day month); budgets
  yellow from the warning ratio (${pct(th.warningRatio)}), red when spent; margin red below 0, green from the warning ratio
  of the margin the markup implies. Providers whose own objective changes a threshold
  (${th
    .providerSloOverrides()
    .filter((o) => o.slo.availability !== g.availability)
    .map((o) => o.provider)
    .join(', ')}) get their own colours in the per-provider availability grid. The health score
  (\`${HEALTH_SCORE}\`) is already relative to each provider's targets (100 = within all of
  them), so one set of bands fits all: green from 90, red below 60.
- **Units**: dollars \`currencyUSD\`, tokens and counts \`short\`, durations \`s\`, ratios \`percentunit\`,
  request rates \`reqpm\`/\`reqps\`.
- **Drill-down.** Provider tiles and bars open the comparison (or incident) dashboard with
  \`var-provider=\${__field.labels.provider}\`; table cells use \`\${__value.raw}\`; links keep the
  datasources and the time range.

## Substitutions

| chart wanted | core Grafana has no… | used instead |
| --- | --- | --- |
| Cost by Model: treemap | treemap | ranked horizontal **bar gauge** per provider/model, coloured by provider |
| Latency Distribution (providers): violin | violin plot | **bar chart** of p50/p95/p99 per provider (the spread a violin shows) |
| Performance Heatmap: model × hour | categorical heatmap | **status history** (rows = models, columns = hours, colour = p95 vs SLO) |
| Availability Heatmap: 24h × 17 providers | categorical heatmap | **status history** (rows = providers, hourly availability vs SLO) |
| Alert List | alert-list panel in the SDK (no builder, no schema) for Prometheus-side rules | **table** of \`ALERTS\` (firing/pending alerts of the tokenscope rules), critical first |
| Health Gauge Grid: 6-column grid of 17 | fixed column count | one **gauge** panel; Grafana lays the 17 gauges out in a grid |
| Per-panel refresh rates | per-panel refresh | dashboard refresh = the fastest of its panels |
| Cost Optimization Tips: auto-generated text | — | **text** generated from the catalog at build time, plus the data-driven “Savings Opportunities” table (recording rules) in the extras |

The error tail (the latest failing requests) is the incident dashboard's core “Recent Errors Table” (Loki);
the raw tail is “Application Logs”.

## Request store

The usage log, top sessions, top users and active sessions read the exporter's request store
(PostgreSQL datasource uid \`tokenscope-store\`, table \`requests\`, a read-only role) with SQL:
per-request rows, sessions and users are never Prometheus labels. The time range is
\`$__unixEpochNanoFrom()\`/\`$__unixEpochNanoTo()\` on \`ts_ms\` (the indexed column, half-open like
the usage API), the filters \`provider ~ '^(\${provider:regex})$'\` and so on (an absent team or
feature is \`unknown\`, as on the metrics). \`test/dashboards/store-panels.test.ts\` runs every
query, with Grafana's macros and variables substituted, against a real PostgreSQL. The API
behind the same rows (JSON pages, CSV export) is in docs/usage-api.md.

## Loki

Stream labels are only \`app="tokenscope"\`, \`provider\` and \`status\`; everything else is extracted
with \`| json <label>="<field>"\` from the \`${'llm_request'}\` line (exporter/src/log/request-log.ts), and
the test rejects fields that line does not carry.
`;

export function renderDocs(built: BuiltDashboard[]): string {
  const overview = [
    '| dashboard | uid | folder | refresh | default time | core + extra panels |',
    '| --- | --- | --- | --- | --- | --- |',
    ...built.map(({ dashboard: d, folder }) => {
      const ps = panelsOf(d);
      return `| ${d.title!.replace(TITLE_PREFIX, '')} | \`${d.uid}\` | \`${folder}\` | ${d.refresh} | ${d.time?.from} → now | ${ps.filter((p) => p.core).length} + ${ps.filter((p) => !p.core).length} |`;
    }),
  ];
  const sections = built.map(({ dashboard: d, path }) => {
    const ps = panelsOf(d);
    return [
      `## ${d.title!.replace(TITLE_PREFIX, '')}`,
      '',
      `${d.description} File: \`${path}\`.`,
      '',
      '### Core panels',
      '',
      ...ps.filter((p) => p.core).map((p) => panelSection(p.panel, undefined)),
      ...(ps.some((p) => !p.core) ? ['### Extra panels', '', ...ps.filter((p) => !p.core).map((p) => panelSection(p.panel, p.row))] : []),
    ].join('\n');
  });
  return [INTRO, '## The dashboards', '', ...overview, '', ...sections].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
