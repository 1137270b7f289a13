// Latency: percentiles and the latency SLO, from ai_request_duration_seconds buckets.
//
// Percentiles: bucket rates are aggregated first and quantiles computed last (never averaged).
//
// SLO (the Sloth/Pyrra way, with slo.ts' kit): a request is good when it finished within its
// provider's catalog latency_p95_seconds; the objective is the catalog latency_objective (0.95
// keeps the target's p95 meaning). The exporter places a bucket at every catalog target, so the
// good count is the cumulative bucket at the target, exact: a request at exactly the target is in
// it (le means "at most"). All requests with a duration are the +Inf bucket.
import { leMatcher } from '../../../exporter/src/exposition/exposition.js';
import { sloFor } from '../../../catalog/src/load.js';
import type { Catalog } from '../../../catalog/src/schema.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { PROVIDER_LE, PROVIDER_MODEL_LE, PROVIDER_MODEL_QUANTILE, PROVIDER_QUANTILE, type Level } from '../levels.js';
import { LATENCY_SLO as L, MODEL_BUCKET_RATE, MODEL_LATENCY_QUANTILE, PROVIDER_BUCKET_RATE, PROVIDER_LATENCY_QUANTILE } from '../names.js';
import { catalogValue, sumBy } from '../promql.js';
import { burnAlert, burnRateRules, periodRules, volumeRules, type SloWords } from './slo.js';

const BUCKET = 'ai_request_duration_seconds_bucket';
const QUANTILES = ['0.5', '0.95', '0.99', '0.999'];
// Every le matcher goes through leMatcher, which matches Prometheus 2's "1" and 3's "1.0".
const ALL = leMatcher(Infinity);

const rec = (record: string, help: string, expr: string, labels?: Record<string, string>): RecordingRule => ({ kind: 'record', record, help, expr, ...(labels ? { labels } : {}) });

export const P95_5M = `${PROVIDER_LATENCY_QUANTILE('5m')}{quantile="0.95"}`;

function quantiles(name: (w: string) => string, level: Level, buckets: string, window: string): RecordingRule[] {
  // `>= 0` drops the NaN histogram_quantile returns when a window holds no request.
  return QUANTILES.map((q) =>
    rec(name(window), `p${Number(q) * 100} request latency in seconds ${level.what} over ${window} (label quantile="${q}").`, `histogram_quantile(${q}, ${buckets}) >= 0`, { quantile: q }),
  );
}

const WORDS: SloWords = {
  bad: "slower than the provider's latency target",
  budget: 'latency error budget',
  alertBudget: 'latency error budget',
  events: 'Requests with a duration',
};

/** Every latency target a provider can have: the catalog providers' and slo.global's, ascending. */
export function latencyTargets(catalog: Catalog): number[] {
  const all = new Set([catalog.slo.global.latency_p95_seconds, ...catalog.providers.map((p) => sloFor(catalog, p.slug).latency_p95_seconds)]);
  return [...all].sort((a, b) => a - b);
}

/**
 * Requests per second that finished within their provider's latency target, summed by `by` (which
 * holds provider) from a recorded bucket-rate series: the good events of the latency SLO, also
 * per model for dashboards. The target is a label value (le) on one side and a sample value on the
 * other, which PromQL cannot join: one term per target, each kept for the providers held to it
 * (the recorded target, slo.global's for providers the catalog lacks). `oneLine` for dashboards.
 */
export function withinTarget(targets: number[], bucketRate: string, by: string[], filter = '', oneLine = false): string {
  const term = (t: number) => {
    const parts = [sumBy(by, `${bucketRate}{${[filter, leMatcher(t)].filter(Boolean).join(', ')}}`), 'and on (provider)', `${L.target} == ${t}`];
    return oneLine ? `(${parts.join(' ')})` : `(\n  ${parts.join('\n  ')}\n)`;
  };
  return targets.map(term).join(oneLine ? ' or ' : '\nor\n');
}

function sloRules(cfg: RuleConfig): RecordingRule[] {
  const g = cfg.catalog.slo.global;
  const p5m = PROVIDER_BUCKET_RATE('5m');
  // A provider that has requests but no ai_slo_target (missing from the catalog) gets slo.global's.
  const orGlobal = (value: number) => `\nor\n${value} * group by (provider) (${L.total5m})`;
  return [
    rec(L.total5m, 'Requests with a duration per second per provider (5m; the +Inf bucket): the latency SLI\'s denominator.', sumBy(['provider'], `${p5m}{${ALL}}`)),
    rec(
      L.target,
      `Latency target in seconds per provider (catalog latency_p95_seconds, global defaults applied); a provider missing from the catalog gets slo.global (${g.latency_p95_seconds}).`,
      `${catalogValue('ai_slo_target', 'slo="latency_p95_seconds"', ['provider'])}${orGlobal(g.latency_p95_seconds)}`,
    ),
    rec(
      L.objective,
      `Latency objective per provider: the share of requests to finish within the target (catalog latency_objective, global defaults applied; slo.global's ${g.latency_objective} for a provider missing from the catalog).`,
      `${catalogValue('ai_slo_target', 'slo="latency_objective"', ['provider'])}${orGlobal(g.latency_objective)}`,
    ),
    rec(L.budget, 'Latency error budget per provider: the share of requests allowed to be slower than the target (1 - objective).', `1 - ${L.objective}`),
    rec(L.good5m, 'Requests per second per provider that finished within its latency target (5m; the bucket at the target, which the exporter always has).', withinTarget(latencyTargets(cfg.catalog), p5m, ['provider'])),
    rec(L.bad5m, 'Requests per second per provider slower than its latency target (5m): all with a duration minus those within.', `${L.total5m}\n-\n${L.good5m}`),
    ...burnRateRules(cfg, L, WORDS),
    // From the counters, as availability's: exact counts at the gate (a rate × 3600 need not be).
    ...volumeRules(cfg, L, WORDS, sumBy(['provider'], `increase(${BUCKET}{${ALL}}[1h])`)),
    rec(L.sli('1d'), "Share of requests that finished within the provider's latency target over the last day (the latency SLI).", `1 - ${L.errorRatio('1d')}`),
  ];
}

export function latencyRules(cfg: RuleConfig): RuleFile {
  const pm5m = MODEL_BUCKET_RATE('5m');
  const p5m = PROVIDER_BUCKET_RATE('5m');
  const pm1h = MODEL_BUCKET_RATE('1h');
  const p1h = PROVIDER_BUCKET_RATE('1h');
  const p7d = PROVIDER_BUCKET_RATE('7d');
  const period = cfg.slo.period;
  return {
    name: 'latency',
    title: 'Latency: duration bucket rates and p50/p95/p99/p99.9 per provider and model; latency SLO (requests within the p95 target) with burn-rate alerts.',
    groups: [
      {
        name: 'tokenscope-latency',
        rules: [
          rec(pm5m, 'Requests per second finishing within each latency bucket, per provider and model (5m).', sumBy(PROVIDER_MODEL_LE.labels, `rate(${BUCKET}[5m])`)),
          rec(p5m, 'Requests per second finishing within each latency bucket, per provider (5m).', sumBy(PROVIDER_LE.labels, pm5m)),
          // Hourly bucket rates make long-window percentiles cheap: avg_over_time(…rate1h[7d:1h]).
          rec(pm1h, 'Requests per second finishing within each latency bucket, per provider and model (1h).', sumBy(PROVIDER_MODEL_LE.labels, `rate(${BUCKET}[1h])`)),
          rec(p1h, 'Requests per second finishing within each latency bucket, per provider (1h).', sumBy(PROVIDER_LE.labels, pm1h)),
          ...quantiles(MODEL_LATENCY_QUANTILE, PROVIDER_MODEL_QUANTILE, pm5m, '5m'),
          ...quantiles(PROVIDER_LATENCY_QUANTILE, PROVIDER_QUANTILE, p5m, '5m'),
          ...quantiles(PROVIDER_LATENCY_QUANTILE, PROVIDER_QUANTILE, p1h, '1h'),
          ...sloRules(cfg),
        ],
      },
      // Week-long percentiles for dashboards: the hourly bucket rates averaged over 7 days (a mean
      // of rates over equal hours is the week's rate), then quantiles.
      {
        name: 'tokenscope-latency-7d',
        interval: cfg.slowInterval,
        rules: [
          rec(p7d, 'Requests per second finishing within each latency bucket, per provider, over the last 7 days (whole hours).', `avg_over_time(${p1h}[7d:1h])`),
          ...quantiles(PROVIDER_LATENCY_QUANTILE, PROVIDER_QUANTILE, p7d, '7d'),
        ],
      },
      // Ranges as long as the SLO period are read less often, which is plenty for a 30-day figure.
      {
        name: 'tokenscope-latency-slo-period',
        interval: cfg.slowInterval,
        rules: periodRules(cfg, L, WORDS, {
          ratio: `Share of requests slower than the provider's latency target over the ${period} SLO period.`,
          sli: `Latency SLI: share of requests within the provider's latency target over the ${period} SLO period.`,
        }),
      },
      {
        name: 'tokenscope-latency-alerts',
        rules: cfg.slo.burnAlerts.map((a) => burnAlert(cfg, a, L, WORDS, `Latency${a.name}`)),
      },
    ],
  };
}
