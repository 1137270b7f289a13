// Spend: rates and increases per level, spend today and this month (UTC calendar periods), the
// trailing daily average and the month-end projection. Budget ratios (budget.ts) and dashboards
// read these names.
//
// Period-to-date spend cannot be `increase(x[<since the 1st>])`: ranges are constants. It is the
// sum of two parts, either of which may be absent:
//   complete hours  the recorded `…:increase1h` sampled on whole hours (a subquery with step 1h is
//                   aligned to the clock) over a range that surely covers the period. A subquery
//                   step cannot see the outer evaluation time, so each hourly increase is tagged
//                   with its period's index mod 3 (recorded beside it, in label `tag`), and the sum
//                   per tag is matched with the current period's tag. The ranges (1d, 32d) meet at
//                   most three periods, so mod 3 tells them apart. Sums of increase() are reset-safe.
//   current hour    `…:hour_to_date`: the counter now minus the counter at the top of the hour
//                   (`last_over_time(x[1h:1h])` is the value at the last whole hour). Exact, but a
//                   counter reset inside the hour zeroes it until the hour is complete; a series
//                   born inside the hour falls back to its increase1h.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { FEATURE, GLOBAL, MODEL, PROVIDER, PROVIDER_MODEL, ruleName, TEAM, type Level } from '../levels.js';
import { indent, sumBy } from '../promql.js';

const COST = 'ai_cost_dollars_total';
const METRIC = 'ai_cost_dollars';

/** Levels computed from the raw counters; the others are sums of recorded series. */
const RAW_LEVELS = [PROVIDER_MODEL, TEAM, FEATURE];
/** Derived level → the level it sums. */
const DERIVED: Array<[Level, Level]> = [
  [PROVIDER, PROVIDER_MODEL],
  [MODEL, PROVIDER_MODEL],
  [GLOBAL, PROVIDER],
];
/** Levels with period-to-date spend and a forecast: the budget scopes (total, provider, model, team). */
const PERIOD_LEVELS = [GLOBAL, PROVIDER, MODEL, TEAM];

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

function rawOrDerived(level: Level, op: string, help: string, raw: (l: Level) => string): RecordingRule {
  const from = DERIVED.find(([l]) => l === level)?.[1];
  return rec(ruleName(level, METRIC, op), help, from ? sumBy(level.labels, ruleName(from, METRIC, op)) : raw(level));
}

function hourToDate(level: Level): RecordingRule {
  return rawOrDerived(level, 'hour_to_date', `Dollars spent ${level.what} since the top of the current UTC hour.`, (l) => {
    const total = sumBy(l.labels, COST);
    return [
      'clamp_min(',
      `    ${total}`,
      `  - last_over_time(${total}[1h:1h]),`,
      '  0',
      ')',
      'or',
      ruleName(l, METRIC, 'increase1h'),
    ].join('\n');
  });
}

interface Period {
  op: string;
  what: string;
  /** Subquery range that covers every complete hour of the period, whatever the time. */
  range: string;
  /** PromQL for the period's index (days or months since the epoch) at a scalar time expression. */
  index: (time: string) => string;
}

const DAY: Period = { op: 'day_to_date', what: 'today (UTC)', range: '1d', index: (t) => `floor(vector(${t}) / 86400)` };
const MONTH: Period = {
  op: 'month_to_date',
  what: 'this calendar month (UTC)',
  range: '32d',
  index: (t) => `(year(vector(${t})) * 12 + month(vector(${t})))`,
};

const TAG: Level = { labels: ['tag'], what: '' };
const periodName = (p: Period) => (p === DAY ? 'ai_calendar_day' : 'ai_calendar_month');
/** The current period's tag. */
const nowTag = (p: Period) => ruleName(TAG, periodName(p), 'mod3');
/** The tag of the hour that just ended, taken at its middle so an evaluation a little after the hour still tags it right. */
const hourTag = (p: Period) => ruleName(TAG, periodName(p), 'mod3_30m_ago');

function tagRule(p: Period, name: string, time: string, help: string): RecordingRule {
  // label_replace cannot turn a value into a label, so each of the three tags is its own branch.
  const branches = [0, 1, 2].map((k) => `label_replace(vector(1), "tag", "${k}", "", "") and on () ${p.index(time)} % 3 == ${k}`);
  return rec(name, help, branches.join('\nor\n'));
}

function tagRules(): RecordingRule[] {
  return [DAY, MONTH].flatMap((p) => {
    const unit = p === DAY ? 'UTC day (days since 1970)' : 'UTC month (months since year 0)';
    return [
      tagRule(p, nowTag(p), 'time()', `Label tag = index of the current ${unit} mod 3, value 1: picks the current period's hours.`),
      tagRule(p, hourTag(p), 'time() - 1800', `Label tag = index of the ${unit} of the hour that just ended, mod 3, value 1: tags each hourly increase.`),
    ];
  });
}

function periodToDate(level: Level, period: Period): RecordingRule {
  const hourly = ruleName(level, METRIC, 'increase1h');
  // Hourly increases sampled on whole hours, each tagged with its period; the sum per tag over a
  // range that meets at most three periods, then the tag of the current period.
  const completeHours = [
    `sum_over_time((${hourly} * on () group_left (tag) ${hourTag(period)})[${period.range}:1h])`,
    '* on (tag) group_left ()',
    nowTag(period),
  ].join('\n');
  // label_replace gives the two parts different label sets, so `or` keeps both and the sum adds
  // them: either part may be absent (no whole hour yet this period; a series gone since).
  const expr = sumBy(
    level.labels,
    [
      '',
      '    label_replace(',
      `      ${indent(completeHours, 6)},`,
      '      "part", "complete_hours", "", ""',
      '    )',
      '  or',
      `    label_replace(${ruleName(level, METRIC, 'hour_to_date')}, "part", "current_hour", "", "")`,
      '',
    ].join('\n'),
  );
  return rec(ruleName(level, METRIC, period.op), `Dollars spent ${level.what} ${period.what}: complete hours plus the current hour.`, expr);
}

function dailyAverage(level: Level): RecordingRule {
  const hourly = ruleName(level, METRIC, 'increase1h');
  return rec(
    ruleName(level, METRIC, 'daily_avg7d'),
    `Average dollars per day ${level.what} over the trailing 7 days (whole hours; the last hour × 24 before the first whole hour).`,
    [`avg_over_time(${hourly}[7d:1h]) * 24`, 'or', `${hourly} * 24`].join('\n'),
  );
}

function projection(level: Level): RecordingRule {
  const mtd = ruleName(level, METRIC, 'month_to_date');
  return rec(
    ruleName(level, METRIC, 'month_end_projection'),
    `Projected dollars ${level.what} at the end of this month: month to date + trailing 7-day daily average × days left.`,
    [
      `${mtd}`,
      `  + ${ruleName(level, METRIC, 'daily_avg7d')}`,
      '  * scalar(days_in_month() - day_of_month() + 1 - (hour() * 60 + minute()) / 1440)',
      'or',
      `${mtd}`,
    ].join('\n'),
  );
}

export function costRules(cfg: RuleConfig): RuleFile {
  // MODEL sums PROVIDER_MODEL, so it follows it; GLOBAL sums PROVIDER.
  const levels = [...RAW_LEVELS, PROVIDER, MODEL, GLOBAL];
  const rate5m = levels.map((l) =>
    rawOrDerived(l, 'rate5m', `Dollars per second spent ${l.what} (5m rate).`, (x) => sumBy(x.labels, `rate(${COST}[5m])`)),
  );
  const increase1h = [...RAW_LEVELS, PROVIDER, MODEL, GLOBAL].map((l) =>
    rawOrDerived(l, 'increase1h', `Dollars spent ${l.what} in the last hour.`, (x) => sumBy(x.labels, `increase(${COST}[1h])`)),
  );
  const increase1d = levels.map((l) =>
    rawOrDerived(l, 'increase1d', `Dollars spent ${l.what} in the last 24 hours.`, (x) => sumBy(x.labels, `increase(${COST}[1d])`)),
  );
  const hour = [PROVIDER_MODEL, TEAM, PROVIDER, MODEL, GLOBAL].map(hourToDate);
  // 30-day totals for dashboards, from the whole-hour increases (so: up to the last whole hour).
  const increase30d = [PROVIDER_MODEL, TEAM, PROVIDER, MODEL, GLOBAL].map((l) =>
    rawOrDerived(l, 'increase30d', `Dollars spent ${l.what} in the last 30 days, up to the last whole hour.`, (x) => `sum_over_time(${ruleName(x, METRIC, 'increase1h')}[30d:1h])`),
  );

  const spike = cfg.thresholds;
  return {
    name: 'cost',
    title: 'Cost: spend rates and increases, spend today and this month, month-end projection; cost spike and unpriced-model alerts.',
    groups: [
      {
        name: 'tokenscope-cost',
        rules: [
          ...rate5m,
          ...increase1h,
          ...hour,
          ...tagRules(),
          ...PERIOD_LEVELS.map((l) => periodToDate(l, DAY)),
          ...PERIOD_LEVELS.map((l) => periodToDate(l, MONTH)),
          ...PERIOD_LEVELS.map(dailyAverage),
          ...PERIOD_LEVELS.map(projection),
        ],
      },
      // A day-long range over every raw series is the costliest read here; it moves slowly.
      { name: 'tokenscope-cost-daily', interval: cfg.slowInterval, rules: increase1d },
      { name: 'tokenscope-cost-30d', interval: cfg.slowInterval, rules: increase30d },
      {
        name: 'tokenscope-cost-alerts',
        rules: [
          alert(cfg, {
            name: 'CostSpike',
            help: `Last hour's spend is over ${spike.cost_spike_ratio}× the same hour last week (and over $${spike.cost_spike_min_dollars_per_hour}).`,
            // No spend a week ago (0) counts as a spike; no series a week ago (a provider new this
            // week) does not: budgets cover new spend. $value is the last hour's dollars.
            expr: [
              `${ruleName(PROVIDER, METRIC, 'increase1h')}`,
              `  > ${spike.cost_spike_ratio} * ${ruleName(PROVIDER, METRIC, 'increase1h')} offset 1w`,
              'and',
              `${ruleName(PROVIDER, METRIC, 'increase1h')} > ${spike.cost_spike_min_dollars_per_hour}`,
            ].join('\n'),
            for: '15m',
            severity: 'ticket',
            summary: 'LLM spend in the last hour is far above the same hour last week.',
            description: `Provider {{ $labels.provider }} spent \${{ $value | humanize }} in the last hour, more than ${spike.cost_spike_ratio}× the same hour a week ago.`,
          }),
          alert(cfg, {
            name: 'UnpricedModelTraffic',
            help: 'Successful requests in the last hour for a model nobody can price: their cost is missing from every spend series.',
            expr: `sum by (provider, model) (increase(ai_unpriced_requests_total[1h])) > 0`,
            for: '15m',
            severity: 'ticket',
            summary: 'Requests for a model without a price are counted at zero cost.',
            description:
              '{{ $value | humanize }} requests to {{ $labels.provider }}/{{ $labels.model }} in the last hour had no price; add the model with prices to catalog/tokenscope.yaml.',
          }),
        ],
      },
    ],
  };
}
