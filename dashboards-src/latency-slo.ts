// The latency SLO on dashboards: the rule generator's recorded SLI, burn rate and budget left
// (prometheus/src/concerns/latency.ts), read, never recomputed. A request is good when it finished
// within its provider's latency_p95_seconds; the objective is the catalog's latency_objective.
// Recorded per provider, so these panels honour the provider filter only.
import { BigValueTextMode, GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { alertName } from '../prometheus/src/alert.js';
import { ruleConfig } from '../prometheus/src/config.js';
import { LATENCY_SLO } from '../prometheus/src/names.js';
import { catalog, ignores, PROM, UID } from './defaults.js';
import { drillDown, legend, prom, providerColors, stat, tooltip } from './panels.js';
import { RF, rule } from './queries.js';
import * as th from './thresholds.js';

/** The rule generator's settings for this catalog: the SLO period and the burn-rate alerts. */
const RULES = ruleConfig(catalog);
/** The SLO period as the rules name it ("30d"). */
export const SLO_PERIOD = RULES.slo.period;

const page = RULES.slo.burnAlerts.find((a) => a.severity === 'page')!;
const page1h = page.conditions.find((c) => c.long === '1h')!;

export const IGNORES_LATENCY_SLO = ignores(['model', 'team', 'feature'], 'the latency SLO is recorded per provider, from latency histograms that carry no team or feature label');

const g = catalog.slo.global;
const objective = `${(g.latency_objective * 100).toFixed(1).replace(/\.0$/, '')}%`;
const meaning = `the share of requests that finished within the provider's p95 latency target (catalog latency_p95_seconds), against its latency_objective (${objective} unless the catalog sets one)`;

/** Burn rate of the latency SLO per provider over the last hour, against the page factor. */
export function latencyBurnRate(): TimeSeries {
  return providerColors(
    new TimeSeries()
      .title('Latency Burn Rate (1h)')
      .description(
        `Is any provider slow enough to page? How many times faster than its SLO allows each provider spends its latency error budget, over the last hour (recorded burn rate; 1 = on budget for the ${SLO_PERIOD} period). The latency SLI is ${meaning}. Yellow above 1; the dashed red line is the page factor (${page1h.factor}×): ${alertName(RULES, `Latency${page.name}`)} pages when the 1h and 5m rates are both above it with at least ${RULES.slo.minRequestsPerWindow} requests in the hour.` +
          IGNORES_LATENCY_SLO,
      )
      .datasource(PROM)
      .unit('none')
      .decimals(1)
      .min(0)
      .thresholds(th.burnRate(page1h.factor))
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
      .legend(legend({ table: true, right: true, calcs: ['lastNotNull', 'max'] }))
      .tooltip(tooltip())
      .withTarget(prom(rule(LATENCY_SLO.burnRate('1h'), RF.provider), { legend: '{{provider}}' })),
  );
}

/** Share of each provider's latency error budget left in the SLO period. */
export function latencyBudgetLeft() {
  return stat(
    'Latency Error Budget Left',
    `How much slowness can each provider still afford this SLO period? Share of the ${SLO_PERIOD} latency error budget left per provider (recorded; 100% = untouched, 0 = spent, negative = overspent), where the latency SLI is ${meaning}. Click a tile for the provider comparison.` +
      IGNORES_LATENCY_SLO,
    { unit: 'percentunit', thresholds: th.budgetLeft(), background: true, decimals: 0 },
  )
    .textMode(BigValueTextMode.ValueAndName)
    .dataLinks([drillDown('Compare this provider', UID.providers, ['var-provider=${__field.labels.provider}'])])
    .withTarget(prom(rule(LATENCY_SLO.remaining, RF.provider), { instant: true, legend: '{{provider}}' }));
}
