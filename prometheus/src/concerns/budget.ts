// Monthly budgets: spend and projection per budget scope as one family of series labelled
// {scope, name} like ai_budget_dollars, so one division covers total, team, provider and model
// budgets and dashboards draw every budget from one query.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { GLOBAL, MODEL, PROVIDER, ruleName, TEAM, type Level } from '../levels.js';
import { budgetMatch, modelIdRegex } from '../../../catalog/src/model-match.js';
import { catalogValue, promqlString } from '../promql.js';

const SCOPE_NAME: Level = { labels: ['scope', 'name'], what: 'per budget scope and name' };

/** Budget scope (ai_budget_dollars{scope}) → the cost level whose label is the budget's name. */
const SCOPES: Array<{ scope: string; level: Level }> = [
  { scope: 'total', level: GLOBAL },
  { scope: 'team', level: TEAM },
  { scope: 'provider', level: PROVIDER },
  { scope: 'model', level: MODEL },
];

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

/**
 * Cost series of every scope relabelled to {scope, name}; `sum by` drops the original label.
 * A model budget covers its dated snapshots and prefixed ids (catalog/model-match.ts), so each
 * budgeted model sums the ids its regex selects under the budget's name; it comes before the
 * per-id model series in the `or`, which wins for {scope="model", name} when both exist.
 */
function byScope(op: string, cfg: RuleConfig): string {
  const parts = SCOPES.map(({ scope, level }) => {
    const series = ruleName(level, 'ai_cost_dollars', op);
    const name = level.labels.length ? `"name", "$1", "${level.labels[0]}", "(.*)"` : `"name", "total", "", ""`;
    return `sum by (scope, name) (\n  label_replace(label_replace(${series}, "scope", "${scope}", "", ""), ${name})\n)`;
  });
  const series = ruleName(MODEL, 'ai_cost_dollars', op);
  const budgets = cfg.catalog.budgets.models.map((b) => {
    const re = modelIdRegex(b.name, budgetMatch(cfg.catalog.models, b.name, b.match));
    // "$" is label_replace's group reference: "$$" keeps a literal one.
    const name = promqlString(b.name.replace(/\$/g, '$$$$'));
    return `sum by (scope, name) (\n  label_replace(label_replace(${series}{model=~${promqlString(re)}}, "scope", "model", "", ""), "name", ${name}, "", "")\n)`;
  });
  parts.splice(parts.length - 1, 0, ...budgets);
  return parts.join('\nor\n');
}

export function budgetRules(cfg: RuleConfig): RuleFile {
  const budget = `(${catalogValue('ai_budget_dollars', '', ['scope', 'name'])} > 0)`;
  const used = ruleName(SCOPE_NAME, 'ai_budget_used', 'ratio');
  const projected = ruleName(SCOPE_NAME, 'ai_budget_projected', 'ratio');
  const exceeded = `${used} > 1`;
  return {
    name: 'budget',
    title: 'Budgets: month-to-date and projected spend per budget scope, used and projected ratios; budget alerts.',
    groups: [
      {
        name: 'tokenscope-budget',
        rules: [
          rec(ruleName(SCOPE_NAME, 'ai_cost_dollars', 'month_to_date'), 'Dollars spent this calendar month per budget scope (total, team, provider, model) and name.', byScope('month_to_date', cfg)),
          rec(
            ruleName(SCOPE_NAME, 'ai_cost_dollars', 'month_end_projection'),
            'Projected month-end dollars per budget scope and name.',
            byScope('month_end_projection', cfg),
          ),
          rec(used, 'Share of the monthly budget already spent (1 = all of it), for scopes with a budget.', `${ruleName(SCOPE_NAME, 'ai_cost_dollars', 'month_to_date')}\n/\n${budget}`),
          rec(projected, 'Projected month-end spend as a share of the monthly budget.', `${ruleName(SCOPE_NAME, 'ai_cost_dollars', 'month_end_projection')}\n/\n${budget}`),
        ],
      },
      {
        name: 'tokenscope-budget-alerts',
        rules: [
          alert(cfg, {
            name: 'BudgetExceeded',
            help: 'Month-to-date spend is over the monthly budget.',
            expr: exceeded,
            for: '5m',
            severity: 'ticket',
            summary: 'A monthly LLM budget is exhausted.',
            description: 'The {{ $labels.scope }} budget "{{ $labels.name }}" is {{ $value | humanizePercentage }} spent this month.',
          }),
          alert(cfg, {
            name: 'BudgetForecastOverrun',
            help: 'At the trailing 7-day pace the budget runs out before the month ends (not yet exceeded).',
            // Once exceeded, BudgetExceeded says it; the forecast would only repeat it.
            expr: `${projected} > 1\nunless on (scope, name)\n${exceeded}`,
            for: '1h',
            severity: 'ticket',
            summary: 'A monthly LLM budget is on course to be exceeded before the month ends.',
            description: 'The {{ $labels.scope }} budget "{{ $labels.name }}" is projected to end the month at {{ $value | humanizePercentage }} of its amount.',
          }),
          alert(cfg, {
            name: 'BudgetWarning',
            help: 'Month-to-date spend passed the catalog warning ratio of the budget (not yet exceeded).',
            expr: [
              `${used}`,
              `  > on () group_left ()`,
              `  ${catalogValue('ai_budget_warning_ratio', '', [])}`,
              'unless on (scope, name)',
              exceeded,
            ].join('\n'),
            for: '15m',
            severity: 'info',
            summary: 'A monthly LLM budget is nearly spent.',
            description: 'The {{ $labels.scope }} budget "{{ $labels.name }}" is {{ $value | humanizePercentage }} spent this month.',
          }),
        ],
      },
    ],
  };
}
