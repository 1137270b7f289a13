// Requests, errors and provider availability SLOs (Sloth/Pyrra style): objective and error budget
// as series, the provider-attributable error ratio per burn window, burn rates, the budget left in
// the SLO period, time with the circuit breaker closed; multi-window multi-burn-rate alerts. The
// burn-rate kit (windows, burn rates, volume gate, period budget, alerts) is exported: the latency
// SLO (latency.ts) is built from the same parts.
//
// Long windows are averages of the recorded 5m rates, numerator and denominator separately (a
// ratio of averages, never an average of ratios): a 3d range over the raw counters every minute
// would read every sample of every series.
import { alert } from '../alert.js';
import type { BurnAlert, RuleConfig } from '../config.js';
import type { AlertingRule, RecordingRule, RuleFile } from '../model.js';
import { PROVIDER, PROVIDER_MODEL, ruleName } from '../levels.js';
import { formatDuration } from '../duration.js';
import { AVAILABILITY_SLO as A, MODEL_ERROR_RATIO_5M, MODEL_REQUESTS_5M, REQUESTS_5M, type ProviderSloNames } from '../names.js';
import { catalogValue, sumBy } from '../promql.js';

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

// Read by other modules (health), under the names they always had.
export { REQUESTS_5M };
export const PROVIDER_ERROR_RATIO = A.errorRatio;
export const BURN_RATE = A.burnRate;
/** Requests per provider over a burn-rate condition's long window: the volume gate of the alerts. */
export const REQUESTS_IN = A.eventsIn;
const BREAKER_CLOSED = ruleName(PROVIDER, 'ai_circuit_breaker_closed', 'bool');
export const BREAKER_STATE_AGE = ruleName(PROVIDER, 'ai_circuit_breaker_state_age', 'seconds');

// ---- The multi-window multi-burn-rate kit, shared by every per-provider SLO (availability here,
// latency in latency.ts): the same windows, burn factors, volume gate and alert anatomy.

/** How one SLO's help lines and alerts word it. */
export interface SloWords {
  /** Bad events, after "Share of requests": "failing by the provider's fault". */
  bad: string;
  /** In recording-rule help: "error budget". */
  budget: string;
  /** In alerts: "availability error budget". */
  alertBudget: string;
  /** The gated events, capitalised: "Requests". */
  events: string;
}

/** Bad over all events over w: the 5m rates, longer windows their averages (a ratio of averages). */
export function windowRatio(s: ProviderSloNames, w: string): string {
  return w === '5m' ? `${s.bad5m}\n/\n(${s.total5m} > 0)` : `avg_over_time(${s.bad5m}[${w}])\n/\n(avg_over_time(${s.total5m}[${w}]) > 0)`;
}

/** The error ratio, then the burn rate, over every window a burn-rate alert reads. */
export function burnRateRules(cfg: RuleConfig, s: ProviderSloNames, words: SloWords): RecordingRule[] {
  return [
    ...cfg.slo.burnWindows.map((w) => rec(s.errorRatio(w), `Share of requests ${words.bad} over ${w} (the SLI's error ratio).`, windowRatio(s, w))),
    ...cfg.slo.burnWindows.map((w) =>
      rec(s.burnRate(w), `How many times faster than the SLO allows the provider spends its ${words.budget}, over ${w} (1 = exactly on budget).`, `${s.errorRatio(w)}\n/\n${s.budget}`),
    ),
  ];
}

/**
 * Events per long window, the volume gate of the burn-rate alerts (catalog
 * slo.min_requests_per_window). `lastHour` counts the last hour; longer windows add up the recorded
 * hours (72 samples for 3d, not every scrape of every series), which run up to the last whole
 * hour, and never read less than the last hour (a provider younger than one whole hour has no
 * whole hour yet). A lower bound: the gate errs on the quiet side by at most the current partial hour.
 */
export function volumeRules(cfg: RuleConfig, s: ProviderSloNames, words: SloWords, lastHour: string): RecordingRule[] {
  const hour = s.eventsIn('1h');
  const longWindows = [...new Set(cfg.slo.burnAlerts.flatMap((a) => a.conditions.map((c) => c.long)))].filter((w) => w !== '1h');
  return [
    rec(hour, `${words.events} per provider in the last hour.`, lastHour),
    ...longWindows.map((w) =>
      rec(s.eventsIn(w), `${words.events} per provider in the last ${w}: the whole hours in it, or the last hour if that is more.`, `sum_over_time(${hour}[${w}:1h]) >= ${hour}\nor\n${hour}`),
    ),
  ];
}

/** The SLI over the period and the share of the period's budget left (for the slow group). */
export function periodRules(cfg: RuleConfig, s: ProviderSloNames, words: SloWords, help: { ratio: string; sli: string }): RecordingRule[] {
  const period = cfg.slo.period;
  return [
    rec(s.errorRatio(period), help.ratio, windowRatio(s, period)),
    rec(s.sli(period), help.sli, `1 - ${s.errorRatio(period)}`),
    rec(s.remaining, `Share of the ${period} ${words.budget} left (1 = untouched, 0 = spent, negative = overspent).`, `1 - ${s.errorRatio(period)} / ${s.budget}`),
  ];
}

/** One multi-window multi-burn-rate alert (`name` without the prefix). */
export function burnAlert(cfg: RuleConfig, a: BurnAlert, s: ProviderSloNames, words: SloWords, name: string): AlertingRule {
  const windows = a.conditions.map((c) => `${c.long}/${c.short}`).join(' or ');
  const fast = a.severity === 'page';
  return alert(cfg, {
    name,
    help: `Multi-window burn rate: ${a.conditions.map((c) => `${c.long} and ${c.short} above ${c.factor}× (${c.budgetShare * 100}% of the budget in ${c.long})`).join('; or ')}; each with at least ${cfg.slo.minRequestsPerWindow} ${words.events.toLowerCase()} in its long window.`,
    // The long window comes first, so $value is the long window's burn rate; each condition also
    // needs catalog slo.min_requests_per_window events in its long window.
    expr: a.conditions
      .map(
        (c) =>
          `(\n    ${s.burnRate(c.long)} > ${c.factor}\n  and\n    ${s.burnRate(c.short)} > ${c.factor}\n  and\n    ${s.eventsIn(c.long)} >= ${cfg.slo.minRequestsPerWindow}\n)`,
      )
      .join('\nor\n'),
    for: a.for,
    severity: a.severity,
    summary: fast ? `A provider is burning its ${words.alertBudget} fast.` : `A provider is steadily burning its ${words.alertBudget}.`,
    description: `Provider {{ $labels.provider }} is spending its ${words.alertBudget} {{ $value | humanize }}× faster than its SLO allows (${windows} windows).`,
  });
}

// ---- Availability.

const AVAILABILITY_WORDS: SloWords = {
  bad: "failing by the provider's fault",
  budget: 'error budget',
  alertBudget: 'availability error budget',
  events: 'Requests',
};

function requestRules(): RecordingRule[] {
  const out: RecordingRule[] = [];
  for (const level of [PROVIDER_MODEL, PROVIDER]) {
    const requests = ruleName(level, 'ai_requests', 'rate5m');
    const errors = ruleName(level, 'ai_request_errors', 'rate5m');
    const raw = level === PROVIDER_MODEL;
    out.push(
      rec(requests, `Requests per second ${level.what} (5m rate).`, raw ? sumBy(level.labels, 'rate(ai_requests_total[5m])') : sumBy(level.labels, MODEL_REQUESTS_5M)),
      rec(
        errors,
        `Failed requests per second ${level.what}, any error type (5m rate; 0 while there is traffic but no failure).`,
        raw
          ? // The status="error" series only exists after the first failure: absent must read as 0.
            `${sumBy(level.labels, 'rate(ai_requests_total{status="error"}[5m])')}\nor\n${requests} * 0`
          : sumBy(level.labels, ruleName(PROVIDER_MODEL, 'ai_request_errors', 'rate5m')),
      ),
      rec(
        ruleName(level, 'ai_request_errors_per_requests', 'ratio_rate5m'),
        `Share of requests that failed ${level.what}, any error type (5m); absent without traffic.`,
        `${errors}\n/\n(${requests} > 0)`,
      ),
    );
  }
  return out;
}

function sloRules(cfg: RuleConfig): { fast: RecordingRule[]; period: RecordingRule[] } {
  const badTypes = cfg.slo.providerErrorTypes.join('|');
  const period = cfg.slo.period;
  const fast: RecordingRule[] = [
    rec(
      A.objective,
      `Availability objective per provider (catalog slo, global defaults applied); a provider seen in ai_requests_total but missing from the catalog gets slo.global (${cfg.catalog.slo.global.availability}).`,
      `${catalogValue('ai_slo_target', 'slo="availability"', ['provider'])}\nor\n${cfg.catalog.slo.global.availability} * group by (provider) (ai_requests_total)`,
    ),
    rec(A.budget, 'Error budget per provider: the share of requests allowed to fail (1 - objective).', `1 - ${A.objective}`),
    rec(
      A.bad5m,
      `Provider-attributable failures per second (${cfg.slo.providerErrorTypes.join(', ')}); 0 while there is traffic but no such failure.`,
      `${sumBy(['provider'], `rate(ai_request_errors_total{error_type=~"${badTypes}"}[5m])`)}\nor\n${REQUESTS_5M} * 0`,
    ),
    ...burnRateRules(cfg, A, AVAILABILITY_WORDS),
    // 1h from the counters.
    ...volumeRules(cfg, A, AVAILABILITY_WORDS, sumBy(['provider'], 'increase(ai_requests_total[1h])')),
    rec(A.sli('1d'), 'Share of requests not failed by the provider over the last day.', `1 - ${A.errorRatio('1d')}`),
    // max over exporter replicas: one replica seeing the breaker open is enough.
    rec(BREAKER_CLOSED, 'Is the provider circuit breaker closed (1) or half-open/open (0)?', `max by (provider) (ai_circuit_breaker_state) == bool 0`),
    rec(ruleName(PROVIDER, 'ai_circuit_breaker_closed', 'avg_over_time1d'), 'Share of the last day the provider circuit breaker was closed.', `avg_over_time(${BREAKER_CLOSED}[1d])`),
    // The exporter exports when the current state began, so "no event" is "no state change": a
    // working breaker that stays open still probes (half-open) and changes state.
    rec(
      BREAKER_STATE_AGE,
      'Seconds since the provider circuit breaker last changed state (absent while no breaker event was ever logged).',
      'time() - max by (provider) (ai_circuit_breaker_state_since_timestamp_seconds > 0)',
    ),
  ];
  const periodRecs: RecordingRule[] = [
    ...periodRules(cfg, A, AVAILABILITY_WORDS, {
      ratio: `Provider-attributable error ratio over the ${period} SLO period.`,
      sli: `Availability (SLI) over the ${period} SLO period.`,
    }),
    rec(ruleName(PROVIDER, 'ai_circuit_breaker_closed', `avg_over_time${period}`), `Share of the ${period} SLO period the provider circuit breaker was closed.`, `avg_over_time(${BREAKER_CLOSED}[${period}])`),
  ];
  return { fast, period: periodRecs };
}

export function sloRulesFile(cfg: RuleConfig): RuleFile {
  const { fast, period } = sloRules(cfg);
  const modelRatio = MODEL_ERROR_RATIO_5M;
  const stale = formatDuration(cfg.slo.breakerStaleAfterSeconds);
  return {
    name: 'slo',
    title: 'Requests, errors and provider availability SLOs: error ratios, burn rates, error budget left, circuit breaker; burn-rate and breaker alerts.',
    groups: [
      { name: 'tokenscope-slo', rules: [...requestRules(), ...fast] },
      // Ranges as long as the SLO period are read less often, which is plenty for a 30-day figure.
      { name: 'tokenscope-slo-period', interval: cfg.slowInterval, rules: period },
      {
        name: 'tokenscope-slo-alerts',
        rules: [
          ...cfg.slo.burnAlerts.map((a) => burnAlert(cfg, a, A, AVAILABILITY_WORDS, a.name)),
          alert(cfg, {
            name: 'CircuitBreakerOpen',
            help: `The callers' circuit breaker for a provider is open: calls are short-circuited. Not after ${stale} without a state change (then CircuitBreakerStale), so a breaker nobody closed stops muting the provider's alerts.`,
            expr: [`${BREAKER_STATE_AGE} <= ${cfg.slo.breakerStaleAfterSeconds}`, 'and on (provider)', 'max by (provider) (ai_circuit_breaker_state) == 2'].join('\n'),
            for: '5m',
            severity: 'ticket',
            summary: 'A provider circuit breaker is open.',
            description: 'The circuit breaker for {{ $labels.provider }} has been open for {{ $value | humanizeDuration }}.',
          }),
          alert(cfg, {
            name: 'CircuitBreakerStale',
            help: `A provider circuit breaker has been open or half-open for more than ${stale} without a state change (catalog slo.breaker_stale_after_seconds): its state is unknown and no longer mutes the provider's alerts.`,
            expr: [`${BREAKER_STATE_AGE} > ${cfg.slo.breakerStaleAfterSeconds}`, 'and on (provider)', 'max by (provider) (ai_circuit_breaker_state) > 0'].join('\n'),
            for: '5m',
            severity: 'ticket',
            summary: 'A provider circuit breaker reports a state nobody has updated for too long.',
            description:
              'The circuit breaker for {{ $labels.provider }} has not changed state for {{ $value | humanizeDuration }} while open or half-open; its state is treated as unknown and no longer mutes the provider\'s error and latency alerts.',
          }),
          alert(cfg, {
            name: 'ModelErrorRatioHigh',
            help: `More than ${cfg.thresholds.model_error_ratio * 100}% of a model's requests fail, any error type, with at least ${cfg.minRequestsPer5m} requests in 5 minutes.`,
            expr: [
              `${modelRatio} > ${cfg.thresholds.model_error_ratio}`,
              'and on (provider, model)',
              `${MODEL_REQUESTS_5M} * 300 >= ${cfg.minRequestsPer5m}`,
            ].join('\n'),
            for: '15m',
            severity: 'ticket',
            summary: 'A model fails an unusual share of its requests.',
            description: '{{ $value | humanizePercentage }} of requests to {{ $labels.provider }}/{{ $labels.model }} failed over the last 5 minutes.',
          }),
        ],
      },
    ],
  };
}
