// Dashboard 5: what is broken right now, since when, and what do the failing requests
// say? Panel refresh rates run 5s-60s; the dashboard refreshes at the fastest (5s), which is also
// Grafana's default min_refresh_interval.
import {
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LogsDedupStrategy,
  LogsSortOrder,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  TableSortByFieldStateBuilder,
  VisibilityMode,
} from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as Gauge } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as Logs } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as StatusHistory } from '@grafana/grafana-foundation-sdk/statushistory';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { REQUEST_LOG_MESSAGE } from '../exporter/src/log/request-log.js';
import { AVAILABILITY_SLO } from '../prometheus/src/names.js';
import { baseDashboard, catalog, F, IGNORES_SLO, ignores, LOKI, PROM, UID } from './defaults.js';
import { latencyBudgetLeft, latencyBurnRate } from './latency-slo.js';
import { cell, compose } from './layout.js';
import { alertList, BREAKER_MAPPINGS, drillDown, fieldOverrides, keepFields, legend, loki, organize, prom, providerColors, providerThresholds, stat, tooltip } from './panels.js';
import { RF, errorRatio, rule } from './queries.js';
import * as th from './thresholds.js';

/** Failed request lines from the per-request log (exporter/src/log/request-log.ts). */
export const RECENT_ERRORS_QUERY =
  '{app="tokenscope", status="error", provider=~"$provider"} ' +
  '| json msg="msg", model="model", team="team", feature="feature", error_type="error_type", status_code="status_code", error_message="error_message", request_id="request_id" ' +
  `| msg="${REQUEST_LOG_MESSAGE}" | model=~"$model" | team=~"$team" | feature=~"$feature"`;

/** Everything the exporter ships to Loki, newest first. */
export const APP_LOGS_QUERY = '{app="tokenscope", provider=~"$provider"}';

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.incident,
    title: 'Real-Time Incident Response',
    description: 'Firing alerts, error rates, SLO compliance, circuit breakers and the failing requests themselves; the latency SLO below.',
    tags: ['incident'],
    refresh: '5s',
    from: 'now-1h',
  });

  const alerts = alertList(
    'Alert List',
    'What is firing right now? Firing alerts of the tokenscope rules, pages first, then tickets. Alerts without a provider label (budgets, exporter) are always listed.' +
      ignores(['model', 'team', 'feature'], 'alerts are listed whole, whatever model, team or feature they concern'),
    'alertstate="firing"',
  );

  const g = th.globalSlo;
  const period = `${catalog.slo.period_days}d`;
  const budget = 1 - g.availability;
  // Request-weighted over providers: 30-day means of the recorded 5m rates (the SLO's own inputs).
  const avg30d = (name: string) => `sum(avg_over_time(${rule(name, RF.provider)}[${period}]))`;
  const slo = new Gauge()
    .title('SLO Compliance Gauge')
    .description(`Are we within the availability objective? Share of requests not failed by the provider (server errors, timeouts, rate limits) over the SLO period (${period}), across the selected providers, against the global target ${(g.availability * 100).toFixed(2)}%: red below target, yellow while more than half the error budget is spent, green otherwise. Per-provider compliance is in the provider comparison.${IGNORES_SLO}`)
    .datasource(PROM)
    .unit('percentunit')
    .decimals(3)
    .min(Math.max(0, Number((g.availability - 5 * budget).toFixed(6))))
    .max(1)
    .thresholds(th.steps(th.RED, [[g.availability, th.YELLOW], [g.availability + budget / 2, th.GREEN]]))
    .showThresholdMarkers(true)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(prom(`1 - ${avg30d(AVAILABILITY_SLO.bad5m)} / ${avg30d(AVAILABILITY_SLO.total5m)}`, { instant: true, legend: `availability (${period})` }));

  const errorRate = providerColors(
    new TimeSeries()
      .title('Error Rate (real-time)')
      .description('Which providers are failing, and is it getting worse? Error ratio (any error type) per provider over 5-minute windows, for the selected models, teams and features; the bands mark the SLO error rate (yellow) and the "model with issues" threshold (red).')
      .datasource(PROM)
      .unit('percentunit')
      .min(0)
      .thresholds(th.errorRatio())
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.LineAndArea))
      .legend(legend({ table: true, right: true, calcs: ['lastNotNull', 'max'] }))
      .tooltip(tooltip())
      .withTarget(prom(errorRatio('5m', 'provider'), { legend: '{{provider}}' })),
  );

  const recentErrors = new Table()
    .title('Recent Errors Table')
    .description('What exactly failed? The last 100 failed requests from the per-request log in Loki (provider, model, error type, HTTP status, message, request id) of the selected providers, models, teams and features, newest first.')
    .datasource(LOKI)
    .withTarget(loki(RECENT_ERRORS_QUERY, { maxLines: 100 }))
    .transformations([
      { id: 'extractFields', options: { source: 'labels', format: 'auto', replace: false, keepTime: false } },
      keepFields(['Time', 'provider', 'model', 'error_type', 'status_code', 'error_message', 'request_id']),
      organize(
        { Time: 'Time', provider: 'Provider', model: 'Model', error_type: 'Error type', status_code: 'Status', error_message: 'Message', request_id: 'Request id' },
        [],
      ),
    ])
    .sortBy([new TableSortByFieldStateBuilder().displayName('Time').desc(true)]);

  const breakers = stat('Circuit Breaker Status', "Which providers are cut off? Circuit-breaker state per catalog provider as reported by the callers' resilience layer (CLOSED / HALF-OPEN / OPEN). Click a tile for the provider comparison." +
      ignores(['model', 'team', 'feature'], 'a circuit breaker guards a whole provider'), {
    unit: 'none',
    background: true,
  })
    .mappings(BREAKER_MAPPINGS)
    .thresholds(th.steps(th.GREEN, [[1, th.YELLOW], [2, th.RED]]))
    .textMode(BigValueTextMode.ValueAndName)
    .dataLinks([drillDown('Compare this provider', UID.providers, ['var-provider=${__field.labels.provider}'])])
    .withTarget(prom(`max by (provider) (ai_circuit_breaker_state{${F.provider}})`, { instant: true, legend: '{{provider}}' }));

  // The natural chart is a 24h × provider heatmap; a status history is core Grafana's category × time grid.
  const availability = providerThresholds(
    new StatusHistory()
      .title('Availability Heatmap')
      .description("When did each provider lose availability in the last 24 hours? Share of requests not failed by the provider per hour (from the recorded 1h error ratio) as a provider × hour grid, coloured against each provider's own availability objective." + IGNORES_SLO)
      .datasource(PROM)
      .timeFrom('24h')
      .interval('1h')
      .unit('percentunit')
      .decimals(2)
      .thresholds(th.availability())
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
      .showValue(VisibilityMode.Never)
      .rowHeight(0.9)
      .legend(legend({ hidden: true }))
      .tooltip(tooltip())
      .withTarget(prom(`1 - ${rule(AVAILABILITY_SLO.errorRatio('1h'), RF.provider)}`, { legend: '{{provider}}' })),
    th.availability,
  );

  const failed = errorRatio('5m');
  const successRate = fieldOverrides(
    new TimeSeries()
      .title('Request Success Rate')
      .description('What share of requests succeed right now? Successful vs failed share (any error type) of the requests of the selected providers, models, teams and features over 5-minute windows, stacked to 100%.')
      .datasource(PROM)
      .unit('percentunit')
      .min(0)
      .max(1)
      .fillOpacity(60)
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .legend(legend({ calcs: ['lastNotNull', 'min'] }))
      .tooltip(tooltip())
      .targets([
        prom(`1 - ${failed}`, { legend: 'successful' }),
        prom(failed, { legend: 'failed' }),
      ]),
    {
      successful: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }],
      failed: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }],
    },
  );

  const logs = new Logs()
    .title('Application Logs')
    .description('What is the exporter logging right now? Raw tail of the last 50 lines shipped to Loki with app="tokenscope".' + ignores(['model', 'team', 'feature'], 'the exporter\'s own log lines are not per model, team or feature'))
    .datasource(LOKI)
    .showTime(true)
    .showLabels(false)
    .showCommonLabels(false)
    .wrapLogMessage(true)
    .prettifyLogMessage(false)
    .enableLogDetails(true)
    .sortOrder(LogsSortOrder.Descending)
    .dedupStrategy(LogsDedupStrategy.None)
    .withTarget(loki(APP_LOGS_QUERY, { maxLines: 50 }));

  return compose(d, UID.incident, [
    [cell(alerts, 16, 7), cell(slo, 8, 7)],
    [cell(errorRate, 12, 9), cell(successRate, 12, 9)],
    [cell(breakers, 24, 5)],
    [cell(availability, 24, 12)],
    [cell(recentErrors, 24, 10)],
    [cell(logs, 24, 10)],
  ], [{ title: 'Latency SLO', rows: [[cell(latencyBurnRate(), 16, 8), cell(latencyBudgetLeft(), 8, 8)]] }]);
}
