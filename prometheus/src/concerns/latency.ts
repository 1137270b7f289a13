// Latency percentiles from ai_request_duration_seconds buckets: bucket rates are aggregated first
// and quantiles computed last (never averaged). The exporter places a bucket at every catalog p95
// target, so the quantile is exact where the alert compares it.
import { leMatcher } from '../../../exporter/src/metrics/exposition.js';
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { ruleName, type Level } from '../levels.js';
import { catalogValue, sumBy } from '../promql.js';

const BUCKET = 'ai_request_duration_seconds_bucket';
const PROVIDER_MODEL_LE: Level = { labels: ['provider', 'model', 'le'], what: 'per provider, model and bucket' };
const PROVIDER_LE: Level = { labels: ['provider', 'le'], what: 'per provider and bucket' };
const PROVIDER_QUANTILE: Level = { labels: ['provider', 'quantile'], what: 'per provider' };
const PROVIDER_MODEL_QUANTILE: Level = { labels: ['provider', 'model', 'quantile'], what: 'per provider and model' };

const QUANTILES = ['0.5', '0.95', '0.99', '0.999'];

const rec = (record: string, help: string, expr: string, labels?: Record<string, string>): RecordingRule => ({ kind: 'record', record, help, expr, ...(labels ? { labels } : {}) });

export const P95_5M = `${ruleName(PROVIDER_QUANTILE, 'ai_request_duration_seconds', 'histogram_quantile_rate5m')}{quantile="0.95"}`;

function quantiles(level: Level, buckets: string, window: string): RecordingRule[] {
  // `>= 0` drops the NaN histogram_quantile returns when a window holds no request.
  return QUANTILES.map((q) =>
    rec(
      ruleName(level, 'ai_request_duration_seconds', `histogram_quantile_rate${window}`),
      `p${Number(q) * 100} request latency in seconds ${level.what} over ${window} (label quantile="${q}").`,
      `histogram_quantile(${q}, ${buckets}) >= 0`,
      { quantile: q },
    ),
  );
}

export function latencyRules(cfg: RuleConfig): RuleFile {
  const pm5m = ruleName(PROVIDER_MODEL_LE, BUCKET, 'rate5m');
  const p5m = ruleName(PROVIDER_LE, BUCKET, 'rate5m');
  const pm1h = ruleName(PROVIDER_MODEL_LE, BUCKET, 'rate1h');
  const p1h = ruleName(PROVIDER_LE, BUCKET, 'rate1h');
  const p7d = ruleName(PROVIDER_LE, BUCKET, 'rate7d');
  // Every le matcher goes through leMatcher, which matches Prometheus 2's "1" and 3's "1.0".
  const requests5m = `${p5m}{${leMatcher(Infinity)}}`;
  return {
    name: 'latency',
    title: 'Latency: duration bucket rates and p50/p95/p99/p99.9 per provider and model; p95-above-SLO alert.',
    groups: [
      {
        name: 'tokenscope-latency',
        rules: [
          rec(pm5m, 'Requests per second finishing within each latency bucket, per provider and model (5m).', sumBy(PROVIDER_MODEL_LE.labels, `rate(${BUCKET}[5m])`)),
          rec(p5m, 'Requests per second finishing within each latency bucket, per provider (5m).', sumBy(PROVIDER_LE.labels, pm5m)),
          // Hourly bucket rates make long-window percentiles cheap: avg_over_time(…rate1h[7d:1h]).
          rec(pm1h, 'Requests per second finishing within each latency bucket, per provider and model (1h).', sumBy(PROVIDER_MODEL_LE.labels, `rate(${BUCKET}[1h])`)),
          rec(p1h, 'Requests per second finishing within each latency bucket, per provider (1h).', sumBy(PROVIDER_LE.labels, pm1h)),
          ...quantiles(PROVIDER_MODEL_QUANTILE, pm5m, '5m'),
          ...quantiles(PROVIDER_QUANTILE, p5m, '5m'),
          ...quantiles(PROVIDER_QUANTILE, p1h, '1h'),
        ],
      },
      // Week-long percentiles for dashboards: the hourly bucket rates averaged over 7 days (a mean
      // of rates over equal hours is the week's rate), then quantiles.
      {
        name: 'tokenscope-latency-7d',
        interval: cfg.slowInterval,
        rules: [
          rec(p7d, 'Requests per second finishing within each latency bucket, per provider, over the last 7 days (whole hours).', `avg_over_time(${p1h}[7d:1h])`),
          ...quantiles(PROVIDER_QUANTILE, p7d, '7d'),
        ],
      },
      {
        name: 'tokenscope-latency-alerts',
        rules: [
          alert(cfg, {
            name: 'LatencyP95AboveSLO',
            help: `A provider's p95 latency over 5 minutes is above its catalog latency_p95_seconds target (slo.global's for a provider missing from the catalog), with at least ${cfg.slo.minRequestsPerWindow} requests in those 5 minutes.`,
            expr: [
              P95_5M,
              '  > on (provider) group_left ()',
              `(\n  ${catalogValue('ai_slo_target', 'slo="latency_p95_seconds"', ['provider'])}\nor\n  ${cfg.catalog.slo.global.latency_p95_seconds} * group by (provider) (${requests5m})\n)`,
              'and on (provider)',
              // The +Inf bucket counts every request with a duration (catalog slo.min_requests_per_window).
              `${requests5m} * 300 >= ${cfg.slo.minRequestsPerWindow}`,
            ].join('\n'),
            for: '15m',
            severity: 'ticket',
            summary: 'A provider is slower than its p95 latency objective.',
            description: 'p95 latency of {{ $labels.provider }} is {{ $value | humanizeDuration }} over the last 5 minutes, above its SLO target.',
          }),
        ],
      },
    ],
  };
}
