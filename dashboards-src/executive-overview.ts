// Dashboard 1: is the LLM estate healthy, how busy is it, and what has it cost today?
// Panel refresh rates run 15s-60s; Grafana refreshes a dashboard, not a panel, so the dashboard
// uses the fastest (15s).
import {
  BarGaugeDisplayMode,
  BigValueTextMode,
  ReduceDataOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { AVAILABILITY_SLO, HEALTH_SCORE } from '../prometheus/src/names.js';
import { baseDashboard, IGNORES_HEALTH, IGNORES_LATENCY, IGNORES_SLO, ignores, PROM, UID } from './defaults.js';
import { cell, compose } from './layout.js';
import { alertList, drillDown, hourlyRequestBars, legend, prom, providerColors, providerThresholds, stat } from './panels.js';
import { BUCKET, CURRENCY, MONEY, RANGE, RATE, RF, cost, latencyMean, requestRate, requests, rule } from './queries.js';
import * as th from './thresholds.js';

const toComparison = drillDown('Compare this provider', UID.providers, ['var-provider=${__field.labels.provider}']);
const toIncident = drillDown('Incident view for this provider', UID.incident, ['var-provider=${__field.labels.provider}']);

/**
 * Spend so far today (the UTC day: the dashboards' time zone), from the raw cost counter over the
 * panel's own range now/d, so every filter applies; against the budget's daily share.
 */
export function dailyCostStat(note = '') {
  return stat('Cost Today', `What has been spent today (UTC day so far, whatever range is picked)? Spend of the selected providers, models, teams and features, in ${CURRENCY}; yellow/red at the warning ratio / full daily share (a 30-day month) of the monthly budget.${note}`, {
    unit: MONEY,
    thresholds: th.dailySpend(),
    decimals: 2,
  })
    .timeFrom('now/d')
    .withTarget(prom(cost(RANGE), { instant: true, legend: 'cost today' }));
}

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.executive,
    title: 'Executive Overview',
    description: 'Health, traffic, latency and spend across every provider at a glance.',
    tags: ['overview'],
    refresh: '15s',
    from: 'now-24h',
  });

  const health = stat('Overall Health Score', 'How healthy is the estate right now? Mean of the per-provider health scores (0-100: error ratio and p95 latency against each provider\'s SLO, scaled by its circuit breaker; recorded over 5m) across the selected providers.' + IGNORES_HEALTH, {
    unit: 'none',
    thresholds: th.health(),
    sparkline: true,
    decimals: 1,
  })
    .min(0)
    .max(100)
    .withTarget(prom(`avg(${rule(HEALTH_SCORE, RF.provider)})`, { legend: 'health' }));

  const rpm = stat('Active Requests/min', 'How much LLM traffic is flowing right now? Requests per minute over the last 5 minutes, for the selected providers, models, teams and features.', {
    unit: 'reqpm',
    sparkline: true,
  })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('blue'))
    .withTarget(prom(`${requestRate('5m')} * 60`, { legend: 'requests/min' }));

  const latency = stat('Avg Response Time', 'How long does a call take on average? Request-weighted mean latency (histogram sum over count) of the selected providers and models; red at the global p95 SLO target.' + IGNORES_LATENCY, {
    unit: 's',
    thresholds: th.latency(),
    sparkline: true,
  }).withTarget(prom(latencyMean(RATE), { legend: 'mean latency' }));

  const dailyCost = dailyCostStat();

  const grid = stat('Provider Health Grid', "Which providers are unhealthy? One tile per catalog provider with its health score (recorded over 5m; 100 = within all of the provider's own SLO targets). Click a tile to open the provider comparison filtered to it." + IGNORES_HEALTH, {
    unit: 'none',
    thresholds: th.health(),
    background: true,
    decimals: 0,
  })
    .textMode(BigValueTextMode.ValueAndName)
    .dataLinks([toComparison])
    .withTarget(prom(rule(HEALTH_SCORE, RF.provider), { instant: true, legend: '{{provider}}' }));

  const volume = providerColors(
    hourlyRequestBars(
      'Request Volume (24h)',
      'How much traffic did each provider carry, hour by hour, over the last 24 hours? Stacked hourly request counts; the stack height is the total.',
      '24h',
      prom(requests(BUCKET, 'provider'), { legend: '{{provider}}' }),
    ),
  );

  const errors = providerThresholds(
    new BarGauge()
      .title('Error Rate Distribution')
      .description('Which providers fail most? Share of requests failed by the provider (server errors, timeouts, rate limits: the SLO\'s errors) over the last 24 hours, worst first; yellow at the SLO error rate, red at the "model with issues" threshold. Click a bar for the incident view.' + IGNORES_SLO)
      .datasource(PROM)
      .unit('percentunit')
      .decimals(2)
      .min(0)
      .thresholds(th.errorRatio())
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
      .displayMode(BarGaugeDisplayMode.Gradient)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .dataLinks([toIncident])
      .withTarget(prom(`sort_desc(${rule(AVAILABILITY_SLO.errorRatio('1d'), RF.provider)})`, { instant: true, legend: '{{provider}}' })),
    th.errorRatio,
  );

  const alerts = alertList(
    'Alert List',
    'What is wrong right now? Firing and pending alerts of the tokenscope rules, pages first, then tickets. Alerts without a provider label (budgets, exporter) are always listed.' +
      ignores(['model', 'team', 'feature'], 'alerts are listed whole, whatever model, team or feature they concern'),
    '',
  );

  return compose(d, UID.executive, [
    [cell(health, 6, 5), cell(rpm, 6, 5), cell(latency, 6, 5), cell(dailyCost, 6, 5)],
    [cell(grid, 24, 6)],
    [cell(volume, 16, 9), cell(errors, 8, 9)],
    [cell(alerts, 24, 7)],
  ]);
}
