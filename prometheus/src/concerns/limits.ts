// Per-user and per-API-key usage limits (docs/limits.md). The exporter exposes aggregates only
// (no user or key label): how many subjects are ok, near or over, and the highest share of a
// limit any one of them used. Replicas expose the same view (each synchronised from the shared
// request store), so rules take the max over instances, never the sum.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { ruleName, type Level } from '../levels.js';
import { catalogValue } from '../promql.js';

const SCOPE_LIMIT: Level = { labels: ['scope', 'limit'], what: 'per subject scope and limit kind' };
const SCOPE_STATE: Level = { labels: ['scope', 'state'], what: 'per subject scope and state' };

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

export function limitRules(cfg: RuleConfig): RuleFile {
  const used = ruleName(SCOPE_LIMIT, 'ai_limit_used_ratio', 'max');
  const over = `${used} >= 1`;
  return {
    name: 'limits',
    title: 'Usage limits per user and API key: the highest share of a limit used and subjects per state, over replicas; limit alerts.',
    groups: [
      {
        name: 'tokenscope-limits',
        rules: [
          rec(used, 'Highest share of a daily or monthly usage limit used by any one user or API key (1 = at the limit).', 'max by (scope, limit) (ai_limit_max_used_ratio)'),
          rec(ruleName(SCOPE_STATE, 'ai_limit_subjects', 'max'), 'Users or API keys with a limit and a request this month, by state (ok, near, over).', 'max by (scope, state) (ai_limit_subjects)'),
        ],
      },
      {
        name: 'tokenscope-limits-alerts',
        rules: [
          alert(cfg, {
            name: 'UsageLimitExceeded',
            help: 'A user or API key reached one of its usage limits (its calls are no longer allowed by GET /api/limits/check).',
            expr: over,
            for: '5m',
            severity: 'ticket',
            summary: 'A user or API key reached its usage limit.',
            description: 'The heaviest {{ $labels.scope }} is at {{ $value | humanizePercentage }} of its {{ $labels.limit }} limit.',
          }),
          alert(cfg, {
            name: 'UsageLimitWarning',
            help: 'A user or API key used at least the catalog warning ratio of a usage limit (not yet reached).',
            // At the ratio counts ("from 80 %"); once reached, UsageLimitExceeded says it.
            expr: [`${used}`, `  >= on () group_left ()`, `  ${catalogValue('ai_limit_warning_ratio', '', [])}`, 'unless on (scope, limit)', over].join('\n'),
            for: '15m',
            severity: 'info',
            summary: 'A user or API key is close to its usage limit.',
            description: 'The heaviest {{ $labels.scope }} is at {{ $value | humanizePercentage }} of its {{ $labels.limit }} limit.',
          }),
        ],
      },
    ],
  };
}
