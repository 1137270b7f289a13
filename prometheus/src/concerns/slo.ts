// Requests, errors and provider availability SLOs (Sloth/Pyrra style): objective and error budget
// as series, the provider-attributable error ratio per burn window, burn rates, the budget left in
// the SLO period, time with the circuit breaker closed; multi-window multi-burn-rate alerts.
//
// Long windows are averages of the recorded 5m rates, numerator and denominator separately (a
// ratio of averages, never an average of ratios): a 3d range over the raw counters every minute
// would read every sample of every series.
import { alert } from '../alert.js';
import type { BurnAlert, RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { PROVIDER, PROVIDER_MODEL, ruleName } from '../levels.js';
import { formatDuration } from '../duration.js';
import { catalogValue, sumBy } from '../promql.js';

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

export const REQUESTS_5M = ruleName(PROVIDER, 'ai_requests', 'rate5m');
export const PROVIDER_ERROR_RATIO = (window: string) => ruleName(PROVIDER, 'ai_provider_errors_per_requests', `ratio_rate${window}`);
export const BURN_RATE = (window: string) => ruleName(PROVIDER, 'ai_error_budget', `burnrate${window}`);
/** Requests per provider over a burn-rate condition's long window: the volume gate of the alerts. */
export const REQUESTS_IN = (window: string) => ruleName(PROVIDER, 'ai_requests', `increase${window}`);
const ERROR_BUDGET = ruleName(PROVIDER, 'ai_error_budget', 'ratio');
const BREAKER_CLOSED = ruleName(PROVIDER, 'ai_circuit_breaker_closed', 'bool');
export const BREAKER_STATE_AGE = ruleName(PROVIDER, 'ai_circuit_breaker_state_age', 'seconds');

function requestRules(): RecordingRule[] {
  const out: RecordingRule[] = [];
  for (const level of [PROVIDER_MODEL, PROVIDER]) {
    const requests = ruleName(level, 'ai_requests', 'rate5m');
    const errors = ruleName(level, 'ai_request_errors', 'rate5m');
    const raw = level === PROVIDER_MODEL;
    out.push(
      rec(requests, `Requests per second ${level.what} (5m rate).`, raw ? sumBy(level.labels, 'rate(ai_requests_total[5m])') : sumBy(level.labels, ruleName(PROVIDER_MODEL, 'ai_requests', 'rate5m'))),
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
  const bad5m = ruleName(PROVIDER, 'ai_provider_errors', 'rate5m');
  const ratio = (w: string) =>
    w === '5m' ? `${bad5m}\n/\n(${REQUESTS_5M} > 0)` : `avg_over_time(${bad5m}[${w}])\n/\n(avg_over_time(${REQUESTS_5M}[${w}]) > 0)`;
  const objective = ruleName(PROVIDER, 'ai_availability_objective', 'ratio');
  const period = cfg.slo.period;
  const longWindows = [...new Set(cfg.slo.burnAlerts.flatMap((a) => a.conditions.map((c) => c.long)))].filter((w) => w !== '1h');
  const fast: RecordingRule[] = [
    rec(
      objective,
      `Availability objective per provider (catalog slo, global defaults applied); a provider seen in ai_requests_total but missing from the catalog gets slo.global (${cfg.catalog.slo.global.availability}).`,
      `${catalogValue('ai_slo_target', 'slo="availability"', ['provider'])}\nor\n${cfg.catalog.slo.global.availability} * group by (provider) (ai_requests_total)`,
    ),
    rec(ERROR_BUDGET, 'Error budget per provider: the share of requests allowed to fail (1 - objective).', `1 - ${objective}`),
    rec(
      bad5m,
      `Provider-attributable failures per second (${cfg.slo.providerErrorTypes.join(', ')}); 0 while there is traffic but no such failure.`,
      `${sumBy(['provider'], `rate(ai_request_errors_total{error_type=~"${badTypes}"}[5m])`)}\nor\n${REQUESTS_5M} * 0`,
    ),
    ...cfg.slo.burnWindows.map((w) => rec(PROVIDER_ERROR_RATIO(w), `Share of requests failing by the provider's fault over ${w} (the SLI's error ratio).`, ratio(w))),
    ...cfg.slo.burnWindows.map((w) =>
      rec(BURN_RATE(w), `How many times faster than the SLO allows the provider spends its error budget, over ${w} (1 = exactly on budget).`, `${PROVIDER_ERROR_RATIO(w)}\n/\n${ERROR_BUDGET}`),
    ),
    // Request counts per long window gate the burn-rate alerts (catalog slo.min_requests_per_window).
    // 1h from the counters; longer windows add up the recorded hours (72 samples for 3d, not every
    // scrape of every series), which run up to the last whole hour, and never read less than the
    // last hour (a provider younger than one whole hour has no whole hour yet). A lower bound:
    // the gate errs on the quiet side by at most the current partial hour.
    rec(REQUESTS_IN('1h'), 'Requests per provider in the last hour.', sumBy(['provider'], 'increase(ai_requests_total[1h])')),
    ...longWindows.map((w) =>
      rec(
        REQUESTS_IN(w),
        `Requests per provider in the last ${w}: the whole hours in it, or the last hour if that is more.`,
        `sum_over_time(${REQUESTS_IN('1h')}[${w}:1h]) >= ${REQUESTS_IN('1h')}\nor\n${REQUESTS_IN('1h')}`,
      ),
    ),
    rec(ruleName(PROVIDER, 'ai_availability', 'ratio_rate1d'), 'Share of requests not failed by the provider over the last day.', `1 - ${PROVIDER_ERROR_RATIO('1d')}`),
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
  const periodRatio = PROVIDER_ERROR_RATIO(period);
  const periodRules: RecordingRule[] = [
    rec(periodRatio, `Provider-attributable error ratio over the ${period} SLO period.`, ratio(period)),
    rec(ruleName(PROVIDER, 'ai_availability', `ratio_rate${period}`), `Availability (SLI) over the ${period} SLO period.`, `1 - ${periodRatio}`),
    rec(
      ruleName(PROVIDER, 'ai_error_budget', 'remaining_ratio'),
      `Share of the ${period} error budget left (1 = untouched, 0 = spent, negative = overspent).`,
      `1 - ${periodRatio} / ${ERROR_BUDGET}`,
    ),
    rec(ruleName(PROVIDER, 'ai_circuit_breaker_closed', `avg_over_time${period}`), `Share of the ${period} SLO period the provider circuit breaker was closed.`, `avg_over_time(${BREAKER_CLOSED}[${period}])`),
  ];
  return { fast, period: periodRules };
}

function burnAlert(cfg: RuleConfig, a: BurnAlert) {
  const windows = a.conditions.map((c) => `${c.long}/${c.short}`).join(' or ');
  const fast = a.severity === 'page';
  return alert(cfg, {
    name: a.name,
    help: `Multi-window burn rate: ${a.conditions.map((c) => `${c.long} and ${c.short} above ${c.factor}× (${c.budgetShare * 100}% of the budget in ${c.long})`).join('; or ')}; each with at least ${cfg.slo.minRequestsPerWindow} requests in its long window.`,
    // The long window comes first, so $value is the long window's burn rate; each condition also
    // needs catalog slo.min_requests_per_window requests in its long window.
    expr: a.conditions
      .map(
        (c) =>
          `(\n    ${BURN_RATE(c.long)} > ${c.factor}\n  and\n    ${BURN_RATE(c.short)} > ${c.factor}\n  and\n    ${REQUESTS_IN(c.long)} >= ${cfg.slo.minRequestsPerWindow}\n)`,
      )
      .join('\nor\n'),
    for: a.for,
    severity: a.severity,
    summary: fast ? 'A provider is burning its availability error budget fast.' : 'A provider is steadily burning its availability error budget.',
    description: `Provider {{ $labels.provider }} is spending its availability error budget {{ $value | humanize }}× faster than its SLO allows (${windows} windows).`,
  });
}

export function sloRulesFile(cfg: RuleConfig): RuleFile {
  const { fast, period } = sloRules(cfg);
  const modelRatio = ruleName(PROVIDER_MODEL, 'ai_request_errors_per_requests', 'ratio_rate5m');
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
          ...cfg.slo.burnAlerts.map((a) => burnAlert(cfg, a)),
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
              `${ruleName(PROVIDER_MODEL, 'ai_requests', 'rate5m')} * 300 >= ${cfg.minRequestsPer5m}`,
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
