// Dashboard 4: revenue, cost, margin and where the money goes; plus cost donuts, usage-by-team/
// project bars, the per-request usage log and top sessions and users (from the request store).
// Panel refresh rates run 60s-600s; the dashboard refreshes at the fastest (60s).
import {
  BarGaugeDisplayMode,
  GraphGradientMode,
  LineStyleBuilder,
  ReduceDataOptionsBuilder,
  TableSortByFieldStateBuilder,
  VisibilityMode,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, MappingType, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChart } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as Text, TextMode } from '@grafana/grafana-foundation-sdk/text';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as XYChart, SeriesMapping, XYSeriesConfigBuilder } from '@grafana/grafana-foundation-sdk/xychart';
import { BUDGET_PROJECTED, BUDGET_USED, SAVINGS_ESTIMATE } from '../prometheus/src/names.js';
import { baseDashboard, catalog, F, ignores, PROM, UID } from './defaults.js';
import { costTips } from './cost-tips.js';
import { cell, compose } from './layout.js';
import { byName, donut, fieldOverrides, legend, merge, organize, prom, providerColors, stat, tooltip, unit } from './panels.js';
import { topSessionsTable, topUsersTable, usageLogTable } from './store-panels.js';
import { BUCKET, CURRENCY, MONEY, RANGE, RF, cost, costPerMillionTokens, inc, modelKey, money, revenue, rule, tokenRate, tokens } from './queries.js';
import { dailyCostStat } from './executive-overview.js';
import * as th from './thresholds.js';
import { USD_NOTE, withUsd } from './usd.js';

const byModel = 'provider, model';

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.business,
    title: 'Business & Financial',
    description: 'Revenue, cost, margin, budget and where the money goes, with cost donuts, usage by team and project, and the per-request usage log.',
    tags: ['finance'],
    refresh: '1m',
    from: 'now-7d',
  });

  // "Today" is the UTC day everywhere (dashboard timezone utc): revenue, cost and margin read the
  // raw counters over the panel range now/d, so they cover the same period and the same requests.
  const dailyRevenue = stat('Revenue Today', `What have customers been charged today (UTC day so far, whatever range is picked)? Catalog customer prices (markup or per-model price) applied to every request of the selected providers, models, teams and features, in ${CURRENCY}.${USD_NOTE}`, {
    unit: MONEY,
    decimals: 2,
  })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('green'))
    .timeFrom('now/d')
    .withTarget(prom(revenue(RANGE), { instant: true, legend: 'revenue today' }));
  withUsd(dailyRevenue, inc('ai_revenue_dollars_total', F.usage, RANGE), 'revenue today (USD)');

  // The executive overview's stat, here with the dollar value too.
  const dailyCost = withUsd(dailyCostStat(USD_NOTE), inc('ai_cost_dollars_total', F.usage, RANGE), 'cost today (USD)', th.dailySpendUsd());

  // Revenue and cost over the same requests: both raw, with every filter.
  const margin = stat('Profit Margin Today', "Are we making money on LLM calls today (UTC day so far, whatever range is picked)? (revenue − cost) / revenue over the same requests (selected providers, models, teams, features); red below zero, green from the warning ratio of the margin the catalog's markup implies.", {
    unit: 'percentunit',
    thresholds: th.margin(),
    decimals: 1,
  })
    .timeFrom('now/d')
    .withTarget(prom(`(${revenue(RANGE)} - ${cost(RANGE)}) / ${revenue(RANGE)}`, { instant: true, legend: 'margin today' }));

  // A treemap would need a plugin; core Grafana has none, so a ranked bar gauge per provider/model,
  // coloured by provider, keeps the hierarchy readable (provider colour, model label).
  const costByModel = providerColors(
    new BarGauge()
      .title('Cost by Model')
      .description('Which models account for the spend? Cost per provider/model over the selected range, largest first, coloured by provider (a ranked bar view in place of a treemap).')
      .datasource(PROM)
      .unit(MONEY)
      .decimals(2)
      .displayMode(BarGaugeDisplayMode.Basic)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .withTarget(prom(`sort_desc(${cost(RANGE, byModel)})`, { instant: true, legend: '{{provider}}/{{model}}' })),
    'prefix',
  );

  const costTrend = fieldOverrides(
    new TimeSeries()
      .title('Cost Trend')
      .description(
        `Is hourly spend within budget over the last 7 days? Cost of each hour (area) and the trailing 24-hour average per hour, for the selected providers, models, teams and features, and the hourly share of this month's total budget (dashed: monthly budget / days in the month / 24, as the budget rules count), in ${CURRENCY}.` +
          ignores(['provider', 'model', 'team', 'feature'], 'on the budget line only, which is the catalog total budget'),
      )
      .datasource(PROM)
      .timeFrom('7d')
      .interval('1h')
      .unit(MONEY)
      .fillOpacity(25)
      .gradientMode(GraphGradientMode.Opacity)
      .legend(legend({ calcs: ['sum', 'mean'] }))
      .tooltip(tooltip())
      .targets([
        prom(cost(BUCKET), { legend: 'hourly cost' }),
        prom(`${money(inc('ai_cost_dollars_total', F.usage, '1d'))} / 24`, { legend: '24h rolling average' }),
        // The budget line comes from the exporter's catalog series, so it follows catalog reloads;
        // days_in_month() is the month the budget rules divide by (not a 30-day month).
        prom(money('max(ai_budget_dollars{scope="total"}) / scalar(days_in_month()) / 24'), { legend: 'hourly budget' }),
      ]),
    {
      '24h rolling average': [{ id: 'custom.fillOpacity', value: 0 }],
      'hourly budget': [
        { id: 'custom.lineStyle', value: new LineStyleBuilder().fill('dash').dash([10, 10]).build() },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
      ],
    },
  );

  const xy = fieldOverrides(
    new XYChart()
      .title('Cost/Token vs Throughput')
      .description(`Are the high-volume models also the cheap ones? One point per model of the selected providers, models, teams and features: token throughput (x, tokens/s over the last 5 minutes) against cost per million tokens (y, last hour, ${CURRENCY}).`)
      .datasource(PROM)
      .mapping(SeriesMapping.Manual)
      .series([
        new XYSeriesConfigBuilder()
          .x(byName('Tokens/s'))
          .y(byName('$ per 1M tokens')),
      ])
      .pointSize({ fixed: 10 })
      .legend(legend({ hidden: true }))
      .tooltip(tooltip())
      .targets([
        prom(modelKey(tokenRate('5m', byModel)), { instant: true, table: true }),
        prom(modelKey(costPerMillionTokens('1h', byModel)), { instant: true, table: true }),
      ])
      .transformations([merge, organize({ series: 'Model', 'Value #A': 'Tokens/s', 'Value #B': '$ per 1M tokens' }, ['Time', '__name__', 'provider', 'model'])]),
    { 'Tokens/s': [unit('short')], '$ per 1M tokens': [unit(MONEY)] },
  );

  const top5 = new BarChart()
    .title('Top 5 Expensive Models')
    .description('Which five models cost the most over the selected range? Ranked spend per provider/model.')
    .datasource(PROM)
    .unit(MONEY)
    .orientation(VizOrientation.Horizontal)
    .xField('Model')
    .showValue(VisibilityMode.Always)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('orange'))
    .legend(legend({ hidden: true }))
    .tooltip(tooltip())
    .withTarget(prom(modelKey(`sort_desc(topk(5, ${cost(RANGE, byModel)}))`), { instant: true, table: true }))
    .transformations([organize({ series: 'Model', Value: 'Cost' }, ['Time', '__name__', 'provider', 'model'])]);

  const tips = new Text()
    .title('Cost Optimization Tips')
    .description('What could we change to spend less? Rule-based tips generated from the catalog (model families, budgets, spike threshold) when the dashboards are built.')
    .mode(TextMode.Markdown)
    .content(costTips());

  // Extras below the core panels: cost donuts, usage by team/project, budgets, savings, the usage log.
  // Per-model slices use the classic palette: provider colours would make a provider's models indistinguishable.
  const modelDonut = donut('Cost by Model (share)', 'What share of spend does each model take? Cost per provider/model over the selected range.', cost(RANGE, byModel), {
    unit: MONEY,
    legend: '{{provider}}/{{model}}',
  });
  const providerCostDonut = donut('Cost by Provider', 'What share of spend does each provider take? Cost per provider over the selected range.', cost(RANGE, 'provider'), {
    unit: MONEY,
    legend: '{{provider}}',
    providerColours: true,
  });

  const usageBars = (title: string, description: string, expr: string, legendFormat: string) =>
    new BarGauge()
      .title(title)
      .description(description)
      .datasource(PROM)
      .unit('short')
      .displayMode(BarGaugeDisplayMode.Gradient)
      .orientation(VizOrientation.Horizontal)
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic))
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .withTarget(prom(expr, { instant: true, legend: legendFormat }));

  const byTeam = usageBars('Usage by Team', 'Which teams use the most tokens? Input + output tokens per team over the selected range.', `sort_desc(${tokens(RANGE, 'team')})`, '{{team}}');
  const byProject = usageBars(
    'Usage by Project',
    'Which projects use the most tokens? Input + output tokens per project over the selected range.' +
      ignores(['provider', 'model', 'team', 'feature'], 'the project series carry the project label only (projects are counted apart from the per-request labels)'),
    `sort_desc(sum by (project) (increase(ai_project_tokens_total[${RANGE}])))`,
    '{{project}}',
  );

  // Budget scopes (total, team, provider, model) from the catalog, month to date (UTC calendar month).
  const budgetBars = (title: string, description: string, series: string) =>
    new BarGauge()
      .title(title)
      .description(description)
      .datasource(PROM)
      .unit('percentunit')
      .decimals(0)
      .min(0)
      .max(1)
      .thresholds(th.steps(th.GREEN, [[th.warningRatio, th.YELLOW], [1, th.RED]]))
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
      .displayMode(BarGaugeDisplayMode.Lcd)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .withTarget(prom(`sort_desc(${series})`, { instant: true, legend: '{{scope}} {{name}}' }));
  const budgetIgnores = ignores(['provider', 'model', 'team', 'feature'], 'each bar is a catalog budget scope (total, team, provider, model), recorded per scope');
  const budgetUsed = budgetBars('Budget Used This Month', 'How much of each monthly budget is spent this month (UTC calendar month to date)? Recorded month-to-date spend over the catalog budget per scope (total, team, provider, model); yellow at the warning ratio, red when spent.' + budgetIgnores, BUDGET_USED);
  const budgetProjected = budgetBars('Budget Forecast This Month', 'Will we stay within budget this month (UTC calendar month)? Recorded month-end projection over the catalog budget per scope; above 100% means the current pace overruns.' + budgetIgnores, BUDGET_PROJECTED);

  const opportunityText = [
    ['prompt_caching', 'Cache the repeated prompt prefix'],
    ['cheaper_model', 'Use the cheapest model of the same family'],
    ['prompt_trimming', 'Trim long prompts with short answers'],
  ];
  const savings = fieldOverrides(
    new Table()
      .title('Savings Opportunities')
      .description('Where could we save, and how much per month? The recording rules\' savings estimates per provider, model, feature and opportunity (prompt caching, a cheaper model of the same family, prompt trimming), from the last day of traffic at catalog prices; largest first.' + ignores(['team'], 'the savings estimates are recorded per provider, model and feature'))
      .datasource(PROM)
      .withTarget(prom(`sort_desc(${money(rule(SAVINGS_ESTIMATE, RF.providerModelFeature))})`, { instant: true, table: true }))
      .transformations([organize({ opportunity: 'Opportunity', provider: 'Provider', model: 'Model', feature: 'Feature', Value: 'Est. savings / month' })])
      .sortBy([new TableSortByFieldStateBuilder().displayName('Est. savings / month').desc(true)]),
    {
      Opportunity: [{ id: 'mappings', value: [{ type: MappingType.ValueToText, options: Object.fromEntries(opportunityText.map(([k, text], index) => [k, { text, index }])) }] }],
      'Est. savings / month': [unit(MONEY), { id: 'decimals', value: 2 }],
    },
  );

  // The usage log, top sessions and top users read the request store with SQL (store-panels.ts).
  const usageLog = usageLogTable();

  return compose(
    d,
    UID.business,
    [
      [cell(dailyRevenue, 8, 5), cell(dailyCost, 8, 5), cell(margin, 8, 5)],
      [cell(costByModel, 12, 10), cell(costTrend, 12, 10)],
      [cell(xy, 12, 9), cell(top5, 12, 9)],
      [cell(tips, 24, 9)],
    ],
    [
      {
        title: 'Usage breakdown',
        rows: [[cell(modelDonut, 6, 9), cell(providerCostDonut, 6, 9), cell(byTeam, 6, 9), cell(byProject, 6, 9)]],
      },
      {
        title: 'Budgets and savings',
        rows: [[cell(budgetUsed, 6, 9), cell(budgetProjected, 6, 9), cell(savings, 12, 9)]],
      },
      { title: 'Per-request usage log', rows: [[cell(usageLog, 24, 12)], [cell(topSessionsTable(), 12, 9), cell(topUsersTable(), 12, 9)]] },
    ],
  );
}
