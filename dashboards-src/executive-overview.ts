// Dashboard 1 of seed 001: is the LLM estate healthy, how busy is it, and what has it cost today?
// Seed refresh rates run 15s-60s; Grafana refreshes a dashboard, not a panel, so the dashboard
// uses the fastest (15s).
import { BigValueTextMode, BarGaugeDisplayMode, GraphDrawStyle, StackingConfigBuilder, StackingMode, VizOrientation } from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { ReduceDataOptionsBuilder, TableSortByFieldStateBuilder } from '@grafana/grafana-foundation-sdk/common';
import { baseDashboard, F, PROM, UID } from './defaults.js';
import { cell, compose } from './layout.js';
import { drillDown, legend, organize, prom, providerColors, providerThresholds, stat, tooltip } from './panels.js';
import { BUCKET, RANGE, RATE, cost, errorRatio, healthScore, latencyMean, rate, requests } from './queries.js';
import * as th from './thresholds.js';

const toComparison = drillDown('Compare this provider', UID.providers, ['var-provider=${__field.labels.provider}']);
const toIncident = drillDown('Incident view for this provider', UID.incident, ['var-provider=${__field.labels.provider}']);

export function alertList(title: string, description: string, expr: string): Table {
  return new Table()
    .title(title)
    .description(description)
    .datasource(PROM)
    .withTarget(prom(expr, { instant: true, table: true }))
    .transformations([organize({ severity: 'Severity', alertname: 'Alert', provider: 'Provider', model: 'Model', alertstate: 'State' }, ['Time', 'Value', '__name__'])])
    .sortBy([new TableSortByFieldStateBuilder().displayName('Severity')])
    .noValue('No alerts firing');
}

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.executive,
    title: 'Executive Overview',
    description: 'Health, traffic, latency and spend across every provider at a glance (seed 001, dashboard 1).',
    tags: ['overview'],
    refresh: '15s',
    from: 'now-24h',
  });

  const health = stat('Overall Health Score', 'How healthy is the estate right now? Mean of the per-provider health scores (success ratio × circuit-breaker factor, 0-100) over all catalog providers.', {
    unit: 'none',
    thresholds: th.health(),
    sparkline: true,
    decimals: 1,
  })
    .min(0)
    .max(100)
    .withTarget(prom(`avg(${healthScore(RATE)})`, { legend: 'health' }));

  const rpm = stat('Active Requests/min', 'How much LLM traffic is flowing right now? Requests per minute summed over the selected providers, models, teams and features.', {
    unit: 'reqpm',
    sparkline: true,
  })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('blue'))
    .withTarget(prom(`${rate('ai_requests_total', F.usage, RATE)} * 60`, { legend: 'requests/min' }));

  const latency = stat('Avg Response Time', 'How long does a call take on average? Request-weighted mean latency (histogram sum over count); red at the global p95 SLO target.', {
    unit: 's',
    thresholds: th.latency(),
    sparkline: true,
  }).withTarget(prom(latencyMean(RATE), { legend: 'mean latency' }));

  const dailyCost = stat('Daily Cost', 'What has been spent today (since local midnight)? Running total; yellow/red at the warning ratio / full daily share of the monthly budget.', {
    unit: 'currencyUSD',
    thresholds: th.dailySpend(),
    decimals: 2,
  })
    .timeFrom('now/d')
    .withTarget(prom(cost(RANGE), { instant: true, legend: 'cost today' }));

  const grid = providerThresholds(
    stat('Provider Health Grid', 'Which providers are unhealthy? One tile per catalog provider, coloured by its health score against its own SLO. Click a tile to open the provider comparison filtered to it.', {
      unit: 'none',
      thresholds: th.health(),
      background: true,
      decimals: 0,
    })
      .textMode(BigValueTextMode.ValueAndName)
      .dataLinks([toComparison])
      .withTarget(prom(healthScore(RATE), { instant: true, legend: '{{provider}}' })),
    th.health,
  );

  const volume = providerColors(
    new TimeSeries()
      .title('Request Volume (24h)')
      .description('How much traffic did each provider carry, hour by hour, over the last 24 hours? Stacked hourly request counts; the stack height is the total.')
      .datasource(PROM)
      .timeFrom('24h')
      .interval('1h')
      .unit('short')
      .drawStyle(GraphDrawStyle.Bars)
      .fillOpacity(80)
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .legend(legend({ table: true, right: true, calcs: ['sum'] }))
      .tooltip(tooltip())
      .withTarget(prom(requests(BUCKET, 'provider'), { legend: '{{provider}}' })),
  );

  const errors = providerThresholds(
    new BarGauge()
      .title('Error Rate Distribution')
      .description('Which providers fail most? Share of failed requests per provider over the last 24 hours, worst first; yellow at the SLO error rate, red at the "model with issues" threshold. Click a bar for the incident view.')
      .datasource(PROM)
      .timeFrom('24h')
      .unit('percentunit')
      .decimals(2)
      .min(0)
      .thresholds(th.errorRatio())
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
      .displayMode(BarGaugeDisplayMode.Gradient)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .dataLinks([toIncident])
      .withTarget(prom(`sort_desc(${errorRatio(RANGE, 'provider')})`, { instant: true, legend: '{{provider}}' })),
    th.errorRatio,
  );

  const alerts = alertList(
    'Alert List',
    'What is wrong right now? Firing and pending Prometheus alerts (tokenscope rules), critical first. Alerts without a provider label are always listed.',
    `ALERTS{provider=~"$provider|"}`,
  );

  return compose(d, UID.executive, [
    [cell(health, 6, 5), cell(rpm, 6, 5), cell(latency, 6, 5), cell(dailyCost, 6, 5)],
    [cell(grid, 24, 6)],
    [cell(volume, 16, 9), cell(errors, 8, 9)],
    [cell(alerts, 24, 7)],
  ]);
}
