// Anomalies: what changed between the reported period and the one before it, per model and per
// provider. The rule (docs/reports.md) reuses the catalog thresholds the alerts use, so a report
// and an alert call the same thing a spike:
//   cost       up or down by at least `cost_spike_ratio`× (new spend counts as up), and by at least
//              `cost_spike_min_dollars_per_hour` × the period's hours
//   requests   up or down by at least `cost_spike_ratio`×, with ≥ MIN_REQUESTS in the busier period
//   error rate above `model_error_ratio`, up by at least that much (in points), and up by more
//              than sampling noise: a two-proportion z-test with z ≥ MIN_Z (a model with 100
//              calls a day goes from 2 % to 11 % failed by chance often enough to cry wolf);
//              ≥ MIN_ERROR_SAMPLE requests in the period. Without a usable previous period the
//              rate is tested against the threshold itself.
// Sorted: cost changes first (largest first), then error rates, then request volumes.
import type { Catalog } from '../../../catalog/src/schema.js';
import type { Usage } from './usage.js';

export const MIN_REQUESTS = 100;
export const MIN_ERROR_SAMPLE = 20;
/** Three standard errors: about one false alarm in 700 comparisons. */
export const MIN_Z = 3;

export interface Anomaly {
  scope: 'model' | 'provider';
  /** "openai/gpt-4o" or "openai". */
  name: string;
  metric: 'cost' | 'requests' | 'error_rate';
  direction: 'up' | 'down' | 'new';
  previous: number;
  current: number;
  /** current / previous; null when previous is 0. */
  ratio: number | null;
}

export interface AnomalyThresholds {
  ratio: number;
  /** In US dollars over the whole period. */
  minCostChangeUsd: number;
  errorRate: number;
}

export function anomalyThresholds(catalog: Catalog, periodMs: number): AnomalyThresholds {
  const t = catalog.thresholds;
  return { ratio: t.cost_spike_ratio, minCostChangeUsd: t.cost_spike_min_dollars_per_hour * (periodMs / 3_600_000), errorRate: t.model_error_ratio };
}

export interface Compared {
  scope: Anomaly['scope'];
  name: string;
  current: Usage;
  previous: Usage;
}

function change(scope: Anomaly['scope'], name: string, metric: Anomaly['metric'], previous: number, current: number): Anomaly {
  return { scope, name, metric, direction: previous === 0 ? 'new' : current >= previous ? 'up' : 'down', previous, current, ratio: previous === 0 ? null : current / previous };
}

function errorRate(u: Usage): number {
  return u.requests > 0 && u.errors !== null ? u.errors / u.requests : 0;
}

/** Did the error rate rise beyond the threshold and beyond chance? */
function errorRise(c: Usage, p: Usage, threshold: number): boolean {
  const ec = errorRate(c);
  if (c.requests < MIN_ERROR_SAMPLE || ec <= threshold) return false;
  if (p.requests < MIN_ERROR_SAMPLE) {
    return (ec - threshold) / Math.sqrt((threshold * (1 - threshold)) / c.requests) >= MIN_Z;
  }
  const ep = errorRate(p);
  const pooled = ((c.errors ?? 0) + (p.errors ?? 0)) / (c.requests + p.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.requests + 1 / p.requests));
  return ec - ep >= threshold && se > 0 && (ec - ep) / se >= MIN_Z;
}

export function findAnomalies(items: readonly Compared[], th: AnomalyThresholds): Anomaly[] {
  const out: Anomaly[] = [];
  for (const { scope, name, current: c, previous: p } of items) {
    const up = c.costUsd >= th.ratio * p.costUsd;
    const down = c.costUsd * th.ratio <= p.costUsd;
    if ((up || down) && Math.abs(c.costUsd - p.costUsd) >= th.minCostChangeUsd) out.push(change(scope, name, 'cost', p.costUsd, c.costUsd));

    const busier = Math.max(c.requests, p.requests);
    if (busier >= MIN_REQUESTS && (c.requests >= th.ratio * p.requests || c.requests * th.ratio <= p.requests)) {
      out.push(change(scope, name, 'requests', p.requests, c.requests));
    }

    if (errorRise(c, p, th.errorRate)) out.push({ ...change(scope, name, 'error_rate', errorRate(p), errorRate(c)), direction: 'up' });
  }
  const weight = (a: Anomaly) => (a.metric === 'cost' ? 2 : a.metric === 'error_rate' ? 1 : 0);
  return out.sort((a, b) => weight(b) - weight(a) || (a.metric === 'cost' ? Math.abs(b.current - b.previous) - Math.abs(a.current - a.previous) : 0) || a.name.localeCompare(b.name));
}
