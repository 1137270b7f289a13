// Dashboard 2: which models carry the traffic, which misbehave, how fast and how
// expensive are they? Panel refresh rates run 30s-300s; the dashboard refreshes at the fastest (30s).
import {
  BarGaugeDisplayMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
  TableSortByFieldStateBuilder,
  VisibilityMode,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChart } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as Gauge } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as StatusHistory } from '@grafana/grafana-foundation-sdk/statushistory';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as XYChart, SeriesMapping, XYSeriesConfigBuilder } from '@grafana/grafana-foundation-sdk/xychart';
import { MODEL_BUCKET_RATE, MODEL_ERROR_RATIO_5M, MODEL_LATENCY_QUANTILE, MODEL_REQUESTS_5M } from '../prometheus/src/names.js';
import { baseDashboard, F, IGNORES_LATENCY, PROM, UID } from './defaults.js';
import { cell, compose } from './layout.js';
import { byName, colourCell, drillDown, fieldOverrides, hourlyRequestBars, legend, merge, organize, prom, providerColors, tooltip, unit } from './panels.js';
import {
  BUCKET,
  RANGE,
  RF,
  MONEY,
  cost,
  errorRatio,
  inputTokens,
  latencyQuantile,
  latencyMean,
  modelKey,
  outputTokens,
  requestRate,
  requests,
  rule,
  successRatio,
  topModels,
  withinLatencySlo,
} from './queries.js';
import * as th from './thresholds.js';

const byModel = 'provider, model';

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.models,
    title: 'Model Performance Analytics',
    description: 'Usage, errors, latency and cost per model, with a per-model table and the latency trend.',
    tags: ['models'],
    refresh: '30s',
    from: 'now-7d',
  });

  const top5 = providerColors(
    new BarGauge()
      .title('Top 5 Models')
      .description('Which models carry the most traffic? The five busiest models by requests over the selected range, coloured by provider.')
      .datasource(PROM)
      .unit('short')
      .displayMode(BarGaugeDisplayMode.Gradient)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .withTarget(prom(`sort_desc(topk(5, ${requests(RANGE, byModel)}))`, { instant: true, legend: '{{provider}}/{{model}}' })),
    'prefix',
  );

  // Same window and threshold as the TokenScopeModelErrorRatioHigh alert (5m), from the raw request
  // counter so the team and feature filters apply (with both on All it is the alert's ratio).
  const errorRatio5m = `${errorRatio('5m', byModel)} > ${th.modelErrorRatio}`;
  const issues = fieldOverrides(
    new Table()
      .title('Models with Issues')
      .description(`Which models fail too often right now? Models whose error ratio (any error type, over the last 5 minutes, for the selected teams and features) exceeds the catalog's model_error_ratio (${th.modelErrorRatio * 100}%), worst first. Empty is good.`)
      .datasource(PROM)
      .withTarget(prom(`sort_desc(${errorRatio5m})`, { instant: true, table: true }))
      .withTarget(prom(`60 * ${requestRate('5m', byModel)} and on (provider, model) (${errorRatio5m})`, { instant: true, table: true }))
      .transformations([merge, organize({ provider: 'Provider', model: 'Model', 'Value #A': 'Error rate', 'Value #B': 'Requests/min' })])
      .sortBy([new TableSortByFieldStateBuilder().displayName('Error rate').desc(true)])
      .noValue('No model above the error threshold'),
    {
      'Error rate': [unit('percentunit'), { id: 'thresholds', value: th.errorRatio().build() }, colourCell()],
      'Requests/min': [unit('reqpm')],
    },
  );

  // Latency has no team or feature label: the health score and the busiest-model ranking beside it
  // are per provider/model (provider and model filters only), so ranking and values agree.
  const requests5m = rule(MODEL_REQUESTS_5M, RF.providerModel);
  const score = `100 * (1 - ${rule(MODEL_ERROR_RATIO_5M, RF.providerModel)}) * (${withinLatencySlo()})`;
  const healthGauge = new Gauge()
    .title('Model Health Gauge')
    .description("How healthy are the three busiest models right now? Score 0-100 = share of requests that succeeded × share that finished within the provider's p95 latency target (the latency SLO's good requests, per model: recorded 5m bucket rates at the recorded target, slo.global's for a provider the catalog lacks); the three models with the most requests per second." + IGNORES_LATENCY)
    .datasource(PROM)
    .unit('none')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(th.health())
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(prom(`(${score}) and on (provider, model) topk(3, ${requests5m})`, { instant: true, legend: '{{provider}}/{{model}}' }));

  const volume = hourlyRequestBars(
    'Request Volume (7d)',
    'How does traffic per model evolve over the week? Hourly request counts per model, stacked.',
    '7d',
    prom(requests(BUCKET, byModel), { legend: '{{provider}}/{{model}}' }),
  );

  const costPerModel = providerColors(
    new BarGauge()
      .title('Cost per Model')
      .description('Which models cost the most? Spend per model over the selected range, most expensive first, coloured by provider.')
      .datasource(PROM)
      .unit(MONEY)
      .decimals(2)
      .displayMode(BarGaugeDisplayMode.Gradient)
      .orientation(VizOrientation.Horizontal)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .withTarget(prom(`sort_desc(${cost(RANGE, byModel)})`, { instant: true, legend: '{{provider}}/{{model}}' })),
    'prefix',
  );

  const latencyDist = new BarChart()
    .title('Latency Distribution')
    .description('How is latency spread for the ten busiest models? Recorded p50, p95 and p99 over the last 5 minutes; the dashed line marks the global p95 SLO target.' + IGNORES_LATENCY)
    .datasource(PROM)
    .unit('s')
    .orientation(VizOrientation.Horizontal)
    .xField('Model')
    .showValue(VisibilityMode.Never)
    .thresholds(th.latency())
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
    .legend(legend())
    .tooltip(tooltip())
    .targets(
      ['0.5', '0.95', '0.99'].map((q) =>
        prom(
          modelKey(
            // max by drops the quantile label, so the three queries merge into one row per model.
            `max by (provider, model) (${rule(MODEL_LATENCY_QUANTILE('5m'), `${RF.providerModel}, quantile="${q}"`)}) and on (provider, model) topk(10, ${requests5m})`,
          ),
          { instant: true, table: true },
        ),
      ),
    )
    .transformations([
      merge,
      organize({ series: 'Model', 'Value #A': 'p50', 'Value #B': 'p95', 'Value #C': 'p99' }, ['Time', '__name__', 'provider', 'model']),
    ]);

  const xy = fieldOverrides(
    new XYChart()
      .title('Success Rate vs Usage')
      .description('Do the busiest models also succeed most? One bubble per model: requests (x) against success ratio (y), bubble size = cost over the selected range.')
      .datasource(PROM)
      .mapping(SeriesMapping.Manual)
      .series([new XYSeriesConfigBuilder().x(byName('Requests')).y(byName('Success rate')).size(byName('Cost'))])
      .pointSize({ min: 5, max: 40 })
      .legend(legend({ hidden: true }))
      .tooltip(tooltip())
      .targets([
        prom(modelKey(requests(RANGE, byModel)), { instant: true, table: true }),
        prom(modelKey(successRatio(RANGE, byModel)), { instant: true, table: true }),
        prom(modelKey(cost(RANGE, byModel)), { instant: true, table: true }),
      ])
      .transformations([merge, organize({ series: 'Model', 'Value #A': 'Requests', 'Value #B': 'Success rate', 'Value #C': 'Cost' }, ['Time', '__name__', 'provider', 'model'])]),
    { Requests: [unit('short')], 'Success rate': [unit('percentunit')], Cost: [unit(MONEY)] },
  );

  const heatmap = new StatusHistory()
    .title('Performance Heatmap')
    .description('When and where was latency bad? Hourly p95 latency per model (from the recorded 1h bucket rates; the ten busiest models over the selected range) as a model × hour grid, coloured against the latency SLO.' + IGNORES_LATENCY)
    .datasource(PROM)
    .interval('1h')
    .unit('s')
    .thresholds(th.latency())
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .showValue(VisibilityMode.Never)
    .rowHeight(0.9)
    .legend(legend({ hidden: true }))
    .tooltip(tooltip())
    .withTarget(
      prom(topModels(`histogram_quantile(0.95, ${rule(MODEL_BUCKET_RATE('1h'), RF.providerModel)})`, 10, RANGE, F.model), {
        legend: '{{provider}}/{{model}}',
      }),
    );

  // Extras: the per-model table and the latency trend.
  const table = fieldOverrides(
    new Table()
      .title('Per-model Usage')
      .description('What did each model do over the selected range? Calls, input/output tokens, cost and mean latency per model; click a column header to sort, a provider to compare it. Avg Latency is per provider/model only.' + IGNORES_LATENCY)
      .datasource(PROM)
      .targets([
        prom(requests(RANGE, byModel), { instant: true, table: true }),
        prom(inputTokens(RANGE, byModel), { instant: true, table: true }),
        prom(outputTokens(RANGE, byModel), { instant: true, table: true }),
        prom(cost(RANGE, byModel), { instant: true, table: true }),
        prom(latencyMean(RANGE, byModel), { instant: true, table: true }),
      ])
      .transformations([
        merge,
        organize({
          model: 'Model',
          provider: 'Provider',
          'Value #A': 'Calls',
          'Value #B': 'Input Tokens',
          'Value #C': 'Output Tokens',
          'Value #D': 'Cost',
          'Value #E': 'Avg Latency',
        }),
      ])
      .sortBy([new TableSortByFieldStateBuilder().displayName('Cost').desc(true)]),
    {
      Provider: [{ id: 'links', value: [drillDown('Compare ${__value.raw}', UID.providers, ['var-provider=${__value.raw}']).build()] }],
      Calls: [unit('short')],
      'Input Tokens': [unit('short')],
      'Output Tokens': [unit('short')],
      Cost: [unit(MONEY), { id: 'decimals', value: 2 }],
      'Avg Latency': [unit('s')],
    },
  );

  const latencyTrend = providerColors(
    new TimeSeries()
      .title('Latency Trend')
      .description('Is latency getting worse? p95 latency per provider of the selected models (from the recorded 5m bucket rates) over time; the dashed line is the global p95 SLO target.' + IGNORES_LATENCY)
      .datasource(PROM)
      .unit('s')
      .thresholds(th.latency())
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
      .legend(legend({ table: true, right: true, calcs: ['mean', 'max'] }))
      .tooltip(tooltip())
      .withTarget(prom(latencyQuantile('0.95', '5m', 'provider'), { legend: '{{provider}}' })),
  );

  return compose(
    d,
    UID.models,
    [
      [cell(top5, 8, 8), cell(issues, 8, 8), cell(healthGauge, 8, 8)],
      [cell(volume, 12, 9), cell(costPerModel, 12, 9)],
      [cell(latencyDist, 12, 10), cell(xy, 12, 10)],
      [cell(heatmap, 24, 9)],
    ],
    [{ title: 'Per-model detail', rows: [[cell(table, 24, 10)], [cell(latencyTrend, 24, 8)]] }],
  );
}
