// The mixin config: everything the rule modules need, derived once from the catalog (budgets, SLO
// targets and thresholds live there) plus the few knobs that are ours, not the platform teams'.
// Like kubernetes-mixin's _config: one object, passed to every module, no module reads files.
import { catalogFingerprint } from '../../catalog/src/fingerprint.js';
import type { Catalog } from '../../catalog/src/schema.js';
import { PROVIDER_ERROR_TYPES } from '../../exporter/src/contract/labels.js';
import type { ErrorType } from '../../exporter/src/events/types.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Severity } from './model.js';

export interface GenerateOptions {
  /**
   * Caps every alert's `for:` (e.g. "2s"), so an integration test can see alerts fire within
   * seconds. Unset in production: the generated files carry the real durations.
   */
  maxFor?: string;
}

/** One multi-window, multi-burn-rate condition (Google SRE workbook, chapter 5). */
export interface BurnCondition {
  long: string;
  short: string;
  /** Burn rate that spends `budgetShare` of the period's error budget within `long`. */
  factor: number;
  budgetShare: number;
}

export interface BurnAlert {
  name: string;
  severity: Severity;
  for: string;
  conditions: BurnCondition[];
}

export interface RuleConfig {
  catalog: Catalog;
  /** Catalog `monitoring.exporter_job`: the exporter's job_name in the generated scrape configs. */
  exporterJob: string;
  /**
   * Matchers for the exporter's scrape targets (catalog `monitoring.exporter_selector`, default
   * job="<exporter_job>"), for `up` and ai_catalog_info; other ai_* series carry no job when
   * backfilled, so rules never select them on it.
   */
  exporterSelector: string;
  alertPrefix: string;
  /** Catalog `monitoring.runbook_url`. */
  runbookBaseUrl: string;
  /** Fingerprint of the catalog these rules are built from (catalog/src/fingerprint.ts). */
  catalogFingerprint: string;
  /**
   * Interval of the groups whose long ranges are costly and move slowly. At most half of
   * Prometheus' 5-minute lookback: a recorded sample older than 5 minutes is invisible, so a
   * 5m or 15m interval would leave gaps in dashboards and alerts, and one missed evaluation must
   * not either.
   */
  slowInterval: string;
  /** Seconds; undefined keeps production `for:` durations. */
  maxForSeconds?: number;
  slo: {
    /** The SLO period as a PromQL range, from catalog `slo.period_days`. */
    period: string;
    /** Error types that spend a provider's availability budget (the rest are the caller's). */
    providerErrorTypes: readonly ErrorType[];
    burnAlerts: BurnAlert[];
    /** Every window a burn-rate alert reads, de-duplicated and sorted. */
    burnWindows: string[];
    /** Catalog `slo.min_requests_per_window`: burn-rate and latency alerts need this many requests in the window they judge. */
    minRequestsPerWindow: number;
    /** Catalog `slo.breaker_stale_after_seconds`: an open/half-open breaker state older than this is unknown. */
    breakerStaleAfterSeconds: number;
  };
  thresholds: Catalog['thresholds'];
  /** Below this many requests in 5 minutes an error ratio is noise (1 failure of 3 is not "33 % errors"). */
  minRequestsPer5m: number;
  health: {
    /** The error component reaches 0 at this multiple of the provider's error_rate target. */
    errorZeroAtTargetMultiple: number;
    /** The latency component reaches 0 at this multiple of the provider's p95 target. */
    latencyZeroAtTargetMultiple: number;
    errorWeight: number;
    latencyWeight: number;
  };
  savings: {
    /** Share of uncached input assumed to be a repeated prefix (system prompt, tools, examples) that a prompt cache would serve. */
    cacheableInputShare: number;
    /** "Large input": average input tokens per request at or above this. */
    largeInputTokensPerRequest: number;
    /** "Tiny output": output tokens per input token below this. */
    tinyOutputPerInput: number;
    /** Share of such input assumed removable by trimming the prompt (retrieval top-k, history, boilerplate). */
    trimmableInputShare: number;
  };
}

// SRE workbook table 5-8: share of a 30-day budget spent in the long window before alerting.
const BURN_ALERTS: Array<Omit<BurnAlert, 'conditions'> & { conditions: Array<Omit<BurnCondition, 'factor'>> }> = [
  {
    name: 'ErrorBudgetFastBurn',
    severity: 'page',
    for: '2m',
    conditions: [
      { long: '1h', short: '5m', budgetShare: 0.02 },
      { long: '6h', short: '30m', budgetShare: 0.05 },
    ],
  },
  {
    name: 'ErrorBudgetSlowBurn',
    severity: 'ticket',
    // Short `for:`s (2m page, 15m ticket): the short window already confirms the burn is still
    // going on; a long `for:` only delays the ticket (docs/rules.md, "Burn-rate alerts").
    for: '15m',
    conditions: [
      { long: '1d', short: '2h', budgetShare: 0.1 },
      { long: '3d', short: '6h', budgetShare: 0.1 },
    ],
  },
];

export function ruleConfig(catalog: Catalog, opts: GenerateOptions = {}): RuleConfig {
  const periodSeconds = catalog.slo.period_days * 86_400;
  // factor = budget share × period / long window: 2 % of 30 d in 1 h is 14.4×, 5 % in 6 h is 6×,
  // 10 % in 1 d is 3×, 10 % in 3 d is 1×. Derived, so a 28-day period gets its own factors.
  const burnAlerts: BurnAlert[] = BURN_ALERTS.map((a) => ({
    ...a,
    conditions: a.conditions.map((c) => ({ ...c, factor: Number(((c.budgetShare * periodSeconds) / parseDuration(c.long)).toFixed(6)) })),
  }));
  const windows = new Set(burnAlerts.flatMap((a) => a.conditions.flatMap((c) => [c.long, c.short])));
  const burnWindows = [...windows].sort((a, b) => parseDuration(a) - parseDuration(b));
  return {
    catalog,
    exporterJob: catalog.monitoring.exporter_job,
    exporterSelector: (catalog.monitoring.exporter_selector ?? `job="${catalog.monitoring.exporter_job}"`).trim(),
    alertPrefix: 'TokenScope',
    runbookBaseUrl: catalog.monitoring.runbook_url,
    catalogFingerprint: catalogFingerprint(catalog),
    slowInterval: '2m',
    maxForSeconds: opts.maxFor === undefined ? undefined : parseDuration(opts.maxFor),
    slo: {
      period: formatDuration(periodSeconds),
      // invalid_request, auth_error and content_filter are the caller's doing: they show in the
      // error ratios and the model error alert, but do not spend the provider's budget.
      providerErrorTypes: PROVIDER_ERROR_TYPES,
      burnAlerts,
      burnWindows,
      minRequestsPerWindow: catalog.slo.min_requests_per_window,
      breakerStaleAfterSeconds: catalog.slo.breaker_stale_after_seconds,
    },
    thresholds: catalog.thresholds,
    minRequestsPer5m: 10,
    health: { errorZeroAtTargetMultiple: 5, latencyZeroAtTargetMultiple: 2, errorWeight: 0.6, latencyWeight: 0.4 },
    savings: { cacheableInputShare: 0.5, largeInputTokensPerRequest: 8000, tinyOutputPerInput: 0.02, trimmableInputShare: 0.3 },
  };
}
