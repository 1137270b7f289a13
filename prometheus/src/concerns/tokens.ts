// Token throughput and unit economics per provider and model: tokens per second, cost per million
// tokens, input:output ratio, prompt-cache hit ratio, and how well callers estimate input tokens.
// Ratios use hourly increases: 5 minutes of an expensive, bursty model is too noisy to price by.
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { PROVIDER, PROVIDER_MODEL, ruleName } from '../levels.js';
import { sumBy } from '../promql.js';

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

const KINDS = [
  { metric: 'ai_tokens_input', what: 'input tokens (cache reads and writes included)' },
  { metric: 'ai_tokens_output', what: 'output tokens (reasoning included)' },
  { metric: 'ai_tokens_cache_read', what: 'input tokens read from the prompt cache' },
  { metric: 'ai_tokens_estimated', what: "input tokens the caller estimated before sending" },
];

export function tokenRules(_cfg: RuleConfig): RuleFile {
  const pm = (metric: string, op: string) => ruleName(PROVIDER_MODEL, metric, op);
  const input5m = pm('ai_tokens_input', 'rate5m');
  const output5m = pm('ai_tokens_output', 'rate5m');
  const tokens5m = pm('ai_tokens', 'rate5m');
  const h = (metric: string) => pm(metric, 'increase1h');
  return {
    name: 'tokens',
    title: 'Tokens: throughput, cost per million tokens, input:output and cache ratios, estimate accuracy.',
    groups: [
      {
        name: 'tokenscope-tokens',
        rules: [
          rec(input5m, 'Input tokens per second per provider and model (5m).', sumBy(PROVIDER_MODEL.labels, 'rate(ai_tokens_input_total[5m])')),
          rec(output5m, 'Output tokens per second per provider and model (5m).', sumBy(PROVIDER_MODEL.labels, 'rate(ai_tokens_output_total[5m])')),
          rec(tokens5m, 'Tokens (input + output) per second per provider and model (5m).', `${input5m} + ${output5m}`),
          rec(ruleName(PROVIDER, 'ai_tokens', 'rate5m'), 'Tokens (input + output) per second per provider (5m).', sumBy(PROVIDER.labels, tokens5m)),
          ...KINDS.map((k) => rec(h(k.metric), `${k.what[0].toUpperCase()}${k.what.slice(1)} per provider and model in the last hour.`, sumBy(PROVIDER_MODEL.labels, `increase(${k.metric}_total[1h])`))),
          rec(
            pm('ai_cost_dollars_per_million_tokens', 'ratio_rate1h'),
            'Effective dollars per million tokens (input + output) per provider and model over the last hour.',
            `${pm('ai_cost_dollars', 'increase1h')} * 1e6\n/\n(${h('ai_tokens_input')} + ${h('ai_tokens_output')} > 0)`,
          ),
          rec(pm('ai_tokens_input_per_output', 'ratio_rate1h'), 'Input tokens per output token per provider and model over the last hour.', `${h('ai_tokens_input')}\n/\n(${h('ai_tokens_output')} > 0)`),
          rec(pm('ai_tokens_cache_read_per_input', 'ratio_rate1h'), 'Share of input tokens served from the prompt cache per provider and model over the last hour.', `${h('ai_tokens_cache_read')}\n/\n(${h('ai_tokens_input')} > 0)`),
          // Only where callers send estimates; the input total also counts requests without one, so
          // the ratio is exact only when every request of that model carries an estimate.
          rec(
            pm('ai_tokens_estimated_per_input', 'ratio_rate1h'),
            "Callers' estimated input tokens per actual input token (1 = exact, < 1 = underestimate), where estimates are sent.",
            `(${h('ai_tokens_estimated')} > 0)\n/\n(${h('ai_tokens_input')} > 0)`,
          ),
        ],
      },
    ],
  };
}
