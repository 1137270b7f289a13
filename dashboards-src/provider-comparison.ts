// Dashboard 3: how do the providers (gateways) compare on health, price, latency and
// uptime? Panel refresh rates run 60s-300s; the dashboard refreshes at the fastest (60s). The
// executive overview's provider tiles open this dashboard with var-provider set.
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
  TableSortByFieldStateBuilder,
  VisibilityMode,
} from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard, DynamicConfigValue } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChart } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as Gauge } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as XYChart, SeriesMapping, XYSeriesConfigBuilder } from '@grafana/grafana-foundation-sdk/xychart';
import { AVAILABILITY_SLO, HEALTH_SCORE, LATENCY_SLO } from '../prometheus/src/names.js';
import { baseDashboard, F, IGNORES_HEALTH, IGNORES_LATENCY, IGNORES_SLO, ignores, PROM, UID } from './defaults.js';
import { SLO_PERIOD } from './latency-slo.js';
import { cell, compose } from './layout.js';
import { BREAKER_MAPPINGS, byName, colourCell, donut, drillDown, fieldOverrides, legend, merge, organize, prom, providerColors, tooltip, unit } from './panels.js';
import { BUCKET, MONEY, RANGE, RF, cost, costPerMillionTokens, errorRatio, latencyQuantile, requestRate, requests, rule, successRatio, tokenRate } from './queries.js';
import * as th from './thresholds.js';

const toModels = (param: string) => drillDown('Models of this provider', UID.models, [`var-provider=${param}`]);

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.providers,
    title: 'Gateway & Provider Comparison',
    description: 'Side-by-side health, cost, latency and uptime of every catalog provider.',
    tags: ['providers'],
    refresh: '1m',
    from: 'now-7d',
  });

  const gauges = new Gauge()
    .title('Health Gauge Grid')
    .description("How healthy is each provider right now? Recorded health score 0-100 per catalog provider: error ratio and p95 latency against the provider's own SLO targets over 5m, scaled by its circuit breaker (100 = within every target)." + IGNORES_HEALTH)
    .datasource(PROM)
    .unit('none')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(th.health())
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .dataLinks([toModels('${__field.labels.provider}')])
    .withTarget(prom(rule(HEALTH_SCORE, RF.provider), { instant: true, legend: '{{provider}}' }));

  // One column per query, joined on the provider label. Recorded series where a rule exists (the
  // window is in the column name), raw counters for totals over the picked range. Cell colours
  // carry status; units per column.
  const q = (name: string, extra = '') => rule(name, extra ? `${RF.provider}, ${extra}` : RF.provider);
  const p95Thresholds = { id: 'thresholds', value: th.latency().build() };
  const columns: Array<[string, string, DynamicConfigValue[]]> = [
    ['Health', q(HEALTH_SCORE), [unit('none'), { id: 'decimals', value: 1 }, { id: 'thresholds', value: th.health().build() }, colourCell()]],
    ['Requests', requests(RANGE, 'provider'), [unit('short')]],
    ['Req/s (5m)', requestRate('5m', 'provider'), [unit('reqps'), { id: 'decimals', value: 2 }]],
    ['Errors (5m)', errorRatio('5m', 'provider'), [unit('percentunit'), { id: 'decimals', value: 2 }, { id: 'thresholds', value: th.errorRatio().build() }, colourCell()]],
    ['Availability (30d)', q(AVAILABILITY_SLO.sli(SLO_PERIOD)), [unit('percentunit'), { id: 'decimals', value: 3 }, { id: 'thresholds', value: th.availability().build() }, colourCell()]],
    ['SLO target', q(AVAILABILITY_SLO.objective), [unit('percentunit'), { id: 'decimals', value: 2 }]],
    ['Error budget left', q(AVAILABILITY_SLO.remaining), [unit('percentunit'), { id: 'decimals', value: 0 }, { id: 'thresholds', value: th.budgetLeft().build() }, colourCell()]],
    // The latency SLO: share of requests within the provider's p95 target, against latency_objective.
    [`Latency SLO (${SLO_PERIOD})`, q(LATENCY_SLO.sli(SLO_PERIOD)), [unit('percentunit'), { id: 'decimals', value: 2 }, { id: 'thresholds', value: th.latencySli().build() }, colourCell()]],
    ['Latency objective', q(LATENCY_SLO.objective), [unit('percentunit'), { id: 'decimals', value: 1 }]],
    ['Latency budget left', q(LATENCY_SLO.remaining), [unit('percentunit'), { id: 'decimals', value: 0 }, { id: 'thresholds', value: th.budgetLeft().build() }, colourCell()]],
    ['p50 (1h)', latencyQuantile('0.5', '1h', 'provider'), [unit('s')]],
    ['p95 (1h)', latencyQuantile('0.95', '1h', 'provider'), [unit('s'), p95Thresholds, colourCell()]],
    ['p99 (1h)', latencyQuantile('0.99', '1h', 'provider'), [unit('s')]],
    // Spend over the selected range only: a "today" column cannot share the table's time range
    // (the Cost Today panels on the overview and finance dashboards cover the UTC day).
    ['Cost', cost(RANGE, 'provider'), [unit(MONEY), { id: 'decimals', value: 2 }]],
    ['Cost / request', `${cost(RANGE, 'provider')} / ${requests(RANGE, 'provider')}`, [unit(MONEY), { id: 'decimals', value: 5 }]],
    ['Tokens/s (5m)', tokenRate('5m', 'provider'), [unit('short'), { id: 'decimals', value: 1 }]],
    ['$ / 1M tokens', costPerMillionTokens(RANGE, 'provider'), [unit(MONEY), { id: 'decimals', value: 3 }]],
    ['Breaker', `max by (provider) (ai_circuit_breaker_state{${F.provider}})`, [{ id: 'mappings', value: BREAKER_MAPPINGS }, colourCell()]],
  ];
  // Recorded series keep their name and extra labels (quantile); one value column per provider.
  const perProvider = (expr: string) => `max by (provider) (${expr})`;
  const matrix = fieldOverrides(
    new Table()
      .title('Comparison Matrix')
      .description('How do providers compare on every metric at once? One row per provider: health, volume, error ratio, 30-day availability against its SLO and error budget left, the 30-day latency SLO (share of requests within the p95 latency target of their provider) against its latency objective and latency error budget left, latency quantiles, spend, unit prices and breaker state. Columns with a window in their name (5m, 1h, 30d) cover that window; the rest cover the selected range. Requests, rates, errors, spend and tokens honour every filter; latency quantiles honour provider and model.' +
        ignores(['model', 'team', 'feature'], 'on Health, Availability, SLO target, Error budget left, the Latency SLO, objective and budget columns and Breaker, which are recorded per provider; the latency quantile columns ignore team and feature (latency is kept per provider and model only)') +
        ' Click a provider for its models.')
      .datasource(PROM)
      .targets(columns.map(([, expr]) => prom(perProvider(expr), { instant: true, table: true })))
      .transformations([
        merge,
        organize({ provider: 'Provider', ...Object.fromEntries(columns.map(([name], i) => [`Value #${String.fromCharCode(65 + i)}`, name])) }),
      ])
      .sortBy([new TableSortByFieldStateBuilder().displayName('Requests').desc(true)]),
    {
      Provider: [{ id: 'links', value: [toModels('${__value.raw}').build()] }],
      ...Object.fromEntries(columns.map(([name, , props]) => [name, props])),
    },
  );

  const costVsReliability = fieldOverrides(
    new XYChart()
      .title('Cost vs Reliability')
      .description('Is paying more buying reliability? One bubble per provider: cost per request (x) against success ratio (y), bubble size = request volume over the selected range.')
      .datasource(PROM)
      .mapping(SeriesMapping.Manual)
      .series([
        new XYSeriesConfigBuilder()
          .x(byName('Cost per request'))
          .y(byName('Success rate'))
          .size(byName('Requests')),
      ])
      .pointSize({ min: 5, max: 40 })
      .legend(legend({ hidden: true }))
      .tooltip(tooltip())
      .targets([
        prom(`${cost(RANGE, 'provider')} / ${requests(RANGE, 'provider')}`, { instant: true, table: true }),
        prom(successRatio(RANGE, 'provider'), { instant: true, table: true }),
        prom(requests(RANGE, 'provider'), { instant: true, table: true }),
      ])
      .transformations([merge, organize({ provider: 'Provider', 'Value #A': 'Cost per request', 'Value #B': 'Success rate', 'Value #C': 'Requests' })]),
    { 'Cost per request': [unit(MONEY)], 'Success rate': [unit('percentunit')], Requests: [unit('short')] },
  );

  const requestPie = donut('Request Distribution', 'Where does the traffic go? Share of requests per provider over the selected range.', requests(RANGE, 'provider'), {
    unit: 'short',
    legend: '{{provider}}',
    providerColours: true,
  });
  const costPie = donut('Cost Distribution', 'Where does the money go? Share of spend per provider over the selected range.', cost(RANGE, 'provider'), {
    unit: MONEY,
    legend: '{{provider}}',
    providerColours: true,
  });

  // A violin plot would need a plugin; core Grafana has none. Quantile bars per provider (p50, p95,
  // p99 from the histogram) show the same spread: the gap between bars is the distribution's tail.
  const latencyDist = new BarChart()
    .title('Latency Distribution')
    .description("How spread out is each provider's latency? p50, p95 and p99 per provider of the selected models over the last hour (from the recorded 1h bucket rates; a quantile view in place of a violin plot); the dashed line is the global p95 SLO target." + IGNORES_LATENCY)
    .datasource(PROM)
    .unit('s')
    .xField('Provider')
    .showValue(VisibilityMode.Never)
    .thresholds(th.latency())
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
    .legend(legend())
    .tooltip(tooltip())
    .targets(
      ['0.5', '0.95', '0.99'].map((quantile) =>
        prom(latencyQuantile(quantile, '1h', 'provider'), { instant: true, table: true }),
      ),
    )
    .transformations([merge, organize({ provider: 'Provider', 'Value #A': 'p50', 'Value #B': 'p95', 'Value #C': 'p99' })]);

  const costTrend = providerColors(
    new TimeSeries()
      .title('Cost Trend')
      .description('How is spend per provider moving over the last 7 days? Cost of each hour per provider, for the selected models, teams and features.')
      .datasource(PROM)
      .timeFrom('7d')
      .interval('1h')
      .unit(MONEY)
      .legend(legend({ table: true, right: true, calcs: ['sum'] }))
      .tooltip(tooltip())
      .withTarget(prom(cost(BUCKET, 'provider'), { legend: '{{provider}}' })),
  );

  const uptimeTrend = providerColors(
    new TimeSeries()
      .title('Uptime Trend')
      .description("Did any provider drop below its availability objective in the last 7 days? Share of requests not failed by the provider (the SLI) per hour, from the recorded 1h error ratio; the dashed line is the global availability SLO." + IGNORES_SLO)
      .datasource(PROM)
      .timeFrom('7d')
      .interval('1h')
      .unit('percentunit')
      .max(1)
      .thresholds(th.availability())
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
      .legend(legend({ table: true, right: true, calcs: ['min', 'mean'] }))
      .tooltip(tooltip())
      .withTarget(prom(`1 - ${q(AVAILABILITY_SLO.errorRatio('1h'))}`, { legend: '{{provider}}' })),
  );

  return compose(d, UID.providers, [
    [cell(gauges, 24, 11)],
    [cell(matrix, 24, 11)],
    [cell(requestPie, 8, 9), cell(costPie, 8, 9), cell(costVsReliability, 8, 9)],
    [cell(latencyDist, 24, 9)],
    [cell(costTrend, 12, 9), cell(uptimeTrend, 12, 9)],
  ]);
}
