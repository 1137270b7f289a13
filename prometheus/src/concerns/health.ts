// A 0-100 health score per catalog provider (docs/health-score.md):
//   score = 100 × breaker × (0.6 × errors + 0.4 × latency)
// errors  = 1 at or below the error_rate target, falling linearly to 0 at 5× the target;
// latency = 1 at or below the p95 target, falling linearly to 0 at 2× the target;
// breaker = 1 closed, 0.5 half-open, 0 open (an open breaker means callers are not using it).
// No traffic is no evidence of trouble: a component without data counts as 1.
import type { RuleConfig } from '../config.js';
import { formatDuration } from '../duration.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { PROVIDER, ruleName } from '../levels.js';
import { catalogValue } from '../promql.js';
import { P95_5M } from './latency.js';
import { PROVIDER_ERROR_RATIO } from './slo.js';

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

/** 1 for every catalog provider: the fallback that makes "no data" read as healthy. */
const EVERY_PROVIDER = `${catalogValue('ai_slo_target', 'slo="availability"', ['provider'])} * 0 + 1`;

/** 1 at or below target, 0 at `zeroAt` × target, linear between. */
function component(actual: string, target: string, zeroAt: number): string {
  const slope = zeroAt - 1 === 1 ? '' : ` / ${zeroAt - 1}`;
  return [`1 - clamp(`, `  (${actual} / on (provider) ${target} - 1)${slope},`, '  0, 1', ')', 'or', EVERY_PROVIDER].join('\n');
}

export function healthRules(cfg: RuleConfig): RuleFile {
  const h = cfg.health;
  const errors = ruleName(PROVIDER, 'ai_health_errors', 'score_ratio');
  const latency = ruleName(PROVIDER, 'ai_health_latency', 'score_ratio');
  const breaker = ruleName(PROVIDER, 'ai_health_breaker', 'score_ratio');
  return {
    name: 'health',
    title: 'Provider health score (0-100) from error ratio, p95 latency against target and circuit-breaker state.',
    groups: [
      {
        name: 'tokenscope-health',
        rules: [
          rec(
            errors,
            `Error component of the health score: 1 at or below the provider's error_rate target, 0 at ${h.errorZeroAtTargetMultiple}× it (5m provider-attributable errors).`,
            component(PROVIDER_ERROR_RATIO('5m'), catalogValue('ai_slo_target', 'slo="error_rate"', ['provider']), h.errorZeroAtTargetMultiple),
          ),
          rec(
            latency,
            `Latency component of the health score: 1 at or below the provider's p95 target, 0 at ${h.latencyZeroAtTargetMultiple}× it (5m p95).`,
            component(P95_5M, catalogValue('ai_slo_target', 'slo="latency_p95_seconds"', ['provider']), h.latencyZeroAtTargetMultiple),
          ),
          rec(
            breaker,
            `Breaker component of the health score: 1 closed, 0.5 half-open, 0 open; 1 (unknown) for a state older than ${formatDuration(cfg.slo.breakerStaleAfterSeconds)} without a state change.`,
            [
              '1 - (',
              '  max by (provider) (ai_circuit_breaker_state)',
              'unless on (provider)',
              `  time() - max by (provider) (ai_circuit_breaker_state_since_timestamp_seconds > 0) > ${cfg.slo.breakerStaleAfterSeconds}`,
              ') / 2',
              'or',
              EVERY_PROVIDER,
            ].join('\n'),
          ),
          rec(
            ruleName(PROVIDER, 'ai_health', 'score'),
            'Provider health from 0 (down) to 100 (within every target); see docs/health-score.md.',
            `100 * ${breaker} * (${h.errorWeight} * ${errors} + ${h.latencyWeight} * ${latency})`,
          ),
        ],
      },
    ],
  };
}
