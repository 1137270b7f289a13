// Dashboard 6: how many tokens flow, how fast, at what unit price, and how good are the callers'
// estimates? Plus summary cards, tokens over time, calls by hour and a provider donut. Panel
// refresh rates run 30s-300s; the dashboard refreshes at the fastest (30s).
import {
  GraphDrawStyle,
  LineStyleBuilder,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VisibilityMode,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChart } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as Gauge } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as XYChart, SeriesMapping, XYSeriesConfigBuilder } from '@grafana/grafana-foundation-sdk/xychart';
import { baseDashboard, F, UID } from './defaults.js';
import { cell, compose } from './layout.js';
import { byName, donut, fieldOverrides, legend, merge, organize, prom, providerColors, stat, tooltip, unit } from './panels.js';
import { activeSessionsStat } from './store-panels.js';
import { BUCKET, CURRENCY, MONEY, RANGE, cost, costPerMillionTokens, inc, inputTokens, modelKey, outputTokens, requests, tokenRate, tokens } from './queries.js';
import * as th from './thresholds.js';

export function build(): Dashboard {
  const d = baseDashboard({
    uid: UID.tokens,
    title: 'Tokens & Throughput',
    description: 'Token volume, throughput, unit cost and estimate accuracy, with summary cards, tokens over time, calls by hour and a provider donut.',
    tags: ['tokens'],
    refresh: '30s',
    from: 'now-7d',
  });

  // Token, cost and request panels read the raw counters: they carry provider, model, team and
  // feature, so every filter applies (the recorded token series keep provider/model/feature only).
  const in1d = inputTokens('24h', 'provider, model');
  const out1d = outputTokens('24h', 'provider, model');
  const perModel = (series: string) => series;

  const total24h = stat('Total Tokens (24h)', 'How many tokens went through in the last 24 hours? Input (cache included) plus output (reasoning included) tokens of the selected providers, models, teams and features.', { unit: 'short' })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('blue'))
    .withTarget(prom(tokens('24h'), { instant: true, legend: 'tokens' }));

  const perSecond = stat('Tokens/Second', 'How fast are tokens flowing right now? Input plus output tokens per second over the last 5 minutes.', { unit: 'short', sparkline: true, decimals: 1 })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('purple'))
    .withTarget(prom(tokenRate('5m'), { legend: 'tokens/s' }));

  /** Blended cost per million tokens over an hour (raw counters, every filter). */
  const perMillion1h = costPerMillionTokens('1h');
  const perMillion = stat('Cost per 1M Tokens', `What does a million tokens cost us on average? Spend over input plus output tokens in the last hour, weighted by volume, in ${CURRENCY}.`, {
    unit: MONEY,
    decimals: 3,
  })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('orange'))
    .withTarget(prom(perMillion1h, { instant: true, legend: '$ per 1M tokens' }));

  const top10 = (expr: string) => `(${expr}) and on (provider, model) topk(10, ${perModel(in1d)} + ${perModel(out1d)})`;
  const byModelBars = new BarChart()
    .title('Tokens by Model')
    .description('Which models consume the tokens, and is it prompt or completion? Input and output tokens in the last 24 hours for the ten models with the most tokens.')
    .unit('short')
    .orientation(VizOrientation.Horizontal)
    .xField('Model')
    .stacking(StackingMode.Normal)
    .showValue(VisibilityMode.Never)
    .legend(legend())
    .tooltip(tooltip())
    .targets([prom(modelKey(top10(perModel(in1d))), { instant: true, table: true }), prom(modelKey(top10(perModel(out1d))), { instant: true, table: true })])
    .transformations([merge, organize({ series: 'Model', 'Value #A': 'Input', 'Value #B': 'Output' }, ['Time', '__name__', 'provider', 'model'])]);

  const ratio = fieldOverrides(
    new XYChart()
      .title('Input:Output Ratio')
      .description('Which models are prompt-heavy and which generate a lot? One bubble per model: input tokens (x) against output tokens (y) in the last 24 hours, bubble size = cost.')
      .mapping(SeriesMapping.Manual)
      .series([
        new XYSeriesConfigBuilder()
          .x(byName('Input tokens'))
          .y(byName('Output tokens'))
          .size(byName('Cost')),
      ])
      .pointSize({ min: 5, max: 40 })
      .legend(legend({ hidden: true }))
      .tooltip(tooltip())
      .targets([
        prom(modelKey(perModel(in1d)), { instant: true, table: true }),
        prom(modelKey(perModel(out1d)), { instant: true, table: true }),
        prom(modelKey(cost('24h', 'provider, model')), { instant: true, table: true }),
      ])
      .transformations([merge, organize({ series: 'Model', 'Value #A': 'Input tokens', 'Value #B': 'Output tokens', 'Value #C': 'Cost' }, ['Time', '__name__', 'provider', 'model'])]),
    { 'Input tokens': [unit('short')], 'Output tokens': [unit('short')], Cost: [unit(MONEY)] },
  );

  // Estimates only exist where callers sent estimated_input_tokens; compare them with the actual
  // input of those same provider/model series, or requests without estimates would read as
  // under-estimation.
  const estimated = inc('ai_tokens_estimated_total', F.usage, '1h', 'provider, model');
  const actual = `sum(${inputTokens('1h', 'provider, model')} and on (provider, model) (${estimated} > 0))`;
  const efficiency = new Gauge()
    .title('Efficiency Gauge')
    .description("How close are callers' token estimates to what providers bill? 100 × (1 − |estimated − actual| / actual) input tokens in the last hour, for the models whose callers send estimates; 100 is a perfect estimate.")
    .unit('none')
    .decimals(1)
    .min(0)
    .max(100)
    .thresholds(th.efficiency())
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(prom(`clamp_min(100 * (1 - abs(sum(${estimated}) - ${actual}) / ${actual}), 0)`, { instant: true, legend: 'estimate accuracy' }));

  const throughputTrend = providerColors(
    new TimeSeries()
      .title('Tokens/Sec Trend (7d)')
      .description('How does token throughput per provider evolve over the last 7 days? Mean tokens per second of each hour (hourly increases / 3600), stacked by provider.')
      .timeFrom('7d')
      .interval('1h')
      .unit('short')
      .fillOpacity(30)
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .legend(legend({ table: true, right: true, calcs: ['mean', 'max'] }))
      .tooltip(tooltip())
      .withTarget(prom(`(${tokens(BUCKET, 'provider')}) / 3600`, { legend: '{{provider}}' })),
  );

  const costTrend = fieldOverrides(
    new TimeSeries()
      .title('Cost/Token Trend (7d)')
      .description(`Is the blended unit price moving over the last 7 days? Cost per million tokens of each hour, against its trailing 7-day average as the benchmark (dashed), in ${CURRENCY}.`)
      .timeFrom('7d')
      .interval('1h')
      .unit(MONEY)
      .decimals(3)
      .legend(legend({ calcs: ['mean', 'lastNotNull'] }))
      .tooltip(tooltip())
      .targets([
        prom(costPerMillionTokens(BUCKET), { legend: '$ per 1M tokens' }),
        prom(costPerMillionTokens('7d'), { legend: '7-day average (benchmark)' }),
      ]),
    { '7-day average (benchmark)': [{ id: 'custom.lineStyle', value: new LineStyleBuilder().fill('dash').dash([10, 10]).build() }] },
  );

  // Extras: summary cards and charts, provider donut.
  const card = (title: string, description: string, u: string, expr: string, decimals?: number) =>
    stat(title, description, { unit: u, decimals })
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('text'))
      .withTarget(prom(expr, { instant: true, legend: title }));

  // The first two summary cards are "today": the UTC day so far, whatever range is picked.
  const cards = [
    card('Tokens Today', 'Total input plus output tokens today (UTC day so far, whatever range is picked).', 'short', tokens(RANGE)).timeFrom('now/d'),
    card('Cost Today', `Total spend today (UTC day so far, whatever range is picked), in ${CURRENCY}.`, MONEY, cost(RANGE), 2).timeFrom('now/d'),
    card('Calls', 'Requests over the selected range, successful or not.', 'short', requests(RANGE)),
    card('Avg Tokens per Call', 'Mean input plus output tokens per request over the selected range.', 'short', `(${tokens(RANGE)}) / ${requests(RANGE)}`, 0),
    card('Avg Cost per Call', `Mean spend per request over the selected range, in ${CURRENCY}.`, MONEY, `${cost(RANGE)} / ${requests(RANGE)}`, 5),
    // Sessions live in the request store only (store-panels.ts): never metric labels.
    activeSessionsStat(),
  ];

  const overTime = new TimeSeries()
    .title('Tokens over Time')
    .description('How does token usage evolve? Tokens per hour by kind: input (cache included), output (reasoning included), and the cache-read and reasoning parts; hourly increases.')
    .interval('1h')
    .unit('short')
    .legend(legend({ calcs: ['sum'] }))
    .tooltip(tooltip())
    .targets([
      prom(inputTokens(BUCKET), { legend: 'input' }),
      prom(outputTokens(BUCKET), { legend: 'output' }),
      prom(inc('ai_tokens_cache_read_total', F.usage, BUCKET), { legend: 'cache read' }),
      prom(inc('ai_tokens_reasoning_total', F.usage, BUCKET), { legend: 'reasoning' }),
    ]);

  const callsByHour = fieldOverrides(
    new TimeSeries()
      .title('Calls by Hour')
      .description('How many calls were made each hour, and how many failed? Hourly requests split by status.')
      .interval('1h')
      .unit('short')
      .drawStyle(GraphDrawStyle.Bars)
      .fillOpacity(80)
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .legend(legend({ calcs: ['sum'] }))
      .tooltip(tooltip())
      .withTarget(prom(requests(BUCKET, 'status'), { legend: '{{status}}' })),
    {
      success: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }],
      error: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }],
    },
  );

  const providerTokens = donut('Tokens by Provider', 'What share of tokens does each provider serve? Input plus output tokens per provider over the selected range.', tokens(RANGE, 'provider'), {
    unit: 'short',
    legend: '{{provider}}',
    providerColours: true,
  });

  return compose(
    d,
    UID.tokens,
    [
      [cell(total24h, 8, 5), cell(perSecond, 8, 5), cell(perMillion, 8, 5)],
      [cell(byModelBars, 12, 10), cell(ratio, 12, 10)],
      [cell(efficiency, 6, 9), cell(throughputTrend, 18, 9)],
      [cell(costTrend, 24, 8)],
    ],
    [
      {
        title: 'Usage summary',
        rows: [
          cards.map((c) => cell(c, 4, 4)),
          [cell(overTime, 10, 9), cell(callsByHour, 8, 9), cell(providerTokens, 6, 9)],
        ],
      },
    ],
  );
}
