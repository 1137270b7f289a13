// Thresholds derived from the catalog's SLO targets, budgets and alert thresholds, so a panel turns
// red at the same number an alert or a budget does. Change the catalog, rebuild, and every
// dashboard follows.
import { ThresholdsConfigBuilder, ThresholdsMode, type Threshold } from '@grafana/grafana-foundation-sdk/dashboard';
import { sloFor } from '../catalog/src/load.js';
import type { SloTargets } from '../catalog/src/schema.js';
import { catalog } from './defaults.js';

export const GREEN = 'green';
export const YELLOW = 'yellow';
export const RED = 'red';

/** Absolute thresholds: a base colour, then [value, colour] steps in ascending order. */
export function steps(base: string, rest: Array<[number, string]>): ThresholdsConfigBuilder {
  const list: Threshold[] = [{ value: null, color: base }, ...rest.map(([value, color]) => ({ value: round(value), color }))];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
}

/** Keeps 0.99 - 0.01 from becoming 0.9799999999999999 in the JSON. */
function round(v: number): number {
  return Number(v.toPrecision(12));
}

const g = catalog.slo.global;
const warn = catalog.budgets.warning_ratio;
export const modelErrorRatio = catalog.thresholds.model_error_ratio;

/** Success ratio (0-1): red below twice the allowed failures, yellow below target, green at target. */
export function availability(t: SloTargets = g): ThresholdsConfigBuilder {
  return steps(RED, [
    [t.availability - (1 - t.availability), YELLOW],
    [t.availability, GREEN],
  ]);
}

/**
 * Health score bands (0-100, the recorded health score). The score is already
 * relative to each provider's own SLO targets (100 = within all of them), so one set of bands fits
 * every provider: from 90 healthy; below 60 failing (a half-open breaker alone scores 50, an error
 * ratio at 5× target with latency on target 40).
 */
export function health(): ThresholdsConfigBuilder {
  return steps(RED, [
    [60, YELLOW],
    [90, GREEN],
  ]);
}

/** Error ratio (0-1): yellow at the SLO error rate, red at the "model with issues" threshold. */
export function errorRatio(t: SloTargets = g): ThresholdsConfigBuilder {
  return steps(GREEN, [
    [t.error_rate, YELLOW],
    [Math.max(modelErrorRatio, t.error_rate), RED],
  ]);
}

/**
 * Latency SLI (share of requests within the provider's latency target, 0-1): red below twice the
 * allowed slow share, yellow below the objective, green at it (as availability()).
 */
export function latencySli(t: SloTargets = g): ThresholdsConfigBuilder {
  return steps(RED, [
    [t.latency_objective - (1 - t.latency_objective), YELLOW],
    [t.latency_objective, GREEN],
  ]);
}

/** Share of an SLO's error budget left in its period (1 untouched, negative overspent): red once spent, yellow below half. */
export function budgetLeft(): ThresholdsConfigBuilder {
  return steps(RED, [
    [0, YELLOW],
    [0.5, GREEN],
  ]);
}

/** Burn rate (1 = spending the budget exactly over the period): yellow above 1, red at the alert factor. */
export function burnRate(pageFactor: number): ThresholdsConfigBuilder {
  return steps(GREEN, [
    [1, YELLOW],
    [pageFactor, RED],
  ]);
}

/** Latency (s): yellow at the budget warning ratio of the p95 target, red at the target. */
export function latency(t: SloTargets = g): ThresholdsConfigBuilder {
  return steps(GREEN, [
    [warn * t.latency_p95_seconds, YELLOW],
    [t.latency_p95_seconds, RED],
  ]);
}

/**
 * Monthly budgets spread evenly over a 30-day month, in the display currency. Thresholds are fixed
 * numbers in the JSON, so they cannot follow the month's length; the budget lines and rules use
 * days_in_month().
 */
const monthly = catalog.budgets.total_monthly_dollars;
export const dailyBudget = monthly === undefined ? undefined : (monthly * catalog.currency.usd_rate) / 30;

/** Spend today ($): yellow at the warning ratio of the daily share of the monthly budget, red at it. */
export function dailySpend(): ThresholdsConfigBuilder {
  return dailyBudget === undefined ? steps(GREEN, []) : steps(GREEN, [[warn * dailyBudget, YELLOW], [dailyBudget, RED]]);
}

/** The same in US dollars, for a value shown in dollars beside the display currency (usd.ts). */
export function dailySpendUsd(): ThresholdsConfigBuilder {
  const d = monthly === undefined ? undefined : monthly / 30;
  return d === undefined ? steps(GREEN, []) : steps(GREEN, [[warn * d, YELLOW], [d, RED]]);
}

/**
 * Margin (0-1): red below zero (selling at a loss), yellow below the warning ratio of the margin the
 * catalog's markup implies (markup / (1 + markup)), green above.
 */
export function margin(): ThresholdsConfigBuilder {
  const markup = catalog.customer_pricing?.markup ?? 0;
  const expected = markup / (1 + markup);
  return steps(RED, [[0, YELLOW], ...(expected > 0 ? ([[warn * expected, GREEN]] as Array<[number, string]>) : [])]);
}

/** Estimate accuracy (0-100): red below the warning ratio, green from 95 (an estimate within 5%). */
export function efficiency(): ThresholdsConfigBuilder {
  return steps(RED, [[100 * warn, YELLOW], [95, GREEN]]);
}

/** Providers whose SLO targets differ from the global ones, with their merged targets. */
export function providerSloOverrides(): Array<{ provider: string; slo: SloTargets }> {
  return catalog.providers
    .map((p) => ({ provider: p.slug, slo: sloFor(catalog, p.slug) }))
    .filter(({ slo }) => slo.availability !== g.availability || slo.error_rate !== g.error_rate || slo.latency_p95_seconds !== g.latency_p95_seconds || slo.latency_objective !== g.latency_objective);
}

export const globalSlo = g;
export const warningRatio = warn;
