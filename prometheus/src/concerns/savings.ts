// Cost-saving opportunities as series: estimated dollars a month per provider, model and feature,
// labelled by `opportunity`, from the last day's traffic × 30 and catalog prices. They are sizes
// to rank by, not promises; every assumption is a named knob in config.ts and docs/rules.md.
//   prompt_caching  uncached input × cacheable share × (input price - cache read price)
//   cheaper_model   all of the model's tokens priced at the cheapest model of the same provider
//                   and family (per token type) instead: an upper bound
//   prompt_trimming average input ≥ N tokens per request with output < x per input token: a
//                   share of that uncached input removed at the input price
// Prices and families join on (provider, model): traffic under a dated snapshot or prefixed id
// ("gpt-4o-2024-08-06") joins because the exporter publishes those rows for every observed id a
// catalog model covers (exporter/src/exposition/catalog-series.ts).
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { ruleName, type Level } from '../levels.js';
import { catalogValue, sumBy } from '../promql.js';

const PMF: Level = { labels: ['provider', 'model', 'feature'], what: 'per provider, model and feature' };
const PMF_OPPORTUNITY: Level = { labels: ['provider', 'model', 'feature', 'opportunity'], what: PMF.what };
const PRICE: Level = { labels: ['provider', 'model', 'token_type'], what: 'per provider, model and token type' };
const PRICE_METRIC = 'ai_model_price_dollars_per_million_tokens';

const rec = (record: string, help: string, expr: string, labels?: Record<string, string>): RecordingRule => ({ kind: 'record', record, help, expr, ...(labels ? { labels } : {}) });

const DAYS_PER_MONTH = 30;

export function savingsRules(cfg: RuleConfig): RuleFile {
  const s = cfg.savings;
  const day = (metric: string) => ruleName(PMF, metric, 'increase1d');
  const price = ruleName(PRICE, PRICE_METRIC, 'max');
  const floor = ruleName(PRICE, PRICE_METRIC, 'family_min');
  // Each price series with its model's family label, for per-family minimums.
  const withFamily = `(${price} * on (provider, model) group_left (family) max by (provider, model, family) (ai_model_info))`;
  const p = (tokenType: string, series = price) => `${series}{token_type="${tokenType}"}`;
  // Tokens × dollars per million × 30 days: group_left because prices are per model, traffic per feature.
  const perMonth = `* ${DAYS_PER_MONTH} / 1e6`;
  const uncached = `(${day('ai_tokens_input')} - ${day('ai_tokens_cache_read')} - ${day('ai_tokens_cache_write')})`;
  const savings = ruleName(PMF_OPPORTUNITY, 'ai_savings_dollars', 'monthly_estimate');
  const tokenDays = [
    ['ai_tokens_input', 'Input tokens'],
    ['ai_tokens_output', 'Output tokens'],
    ['ai_tokens_cache_read', 'Input tokens read from the prompt cache'],
    ['ai_tokens_cache_write', 'Input tokens written to the prompt cache'],
  ] as const;
  return {
    name: 'savings',
    title: 'Cost-saving opportunities: estimated monthly dollars per provider, model, feature and opportunity.',
    groups: [
      {
        name: 'tokenscope-savings',
        interval: cfg.slowInterval,
        rules: [
          ...tokenDays.map(([m, what]) => rec(day(m), `${what} per provider, model and feature in the last 24 hours.`, sumBy(PMF.labels, `increase(${m}_total[1d])`))),
          rec(day('ai_requests'), 'Requests per provider, model and feature in the last 24 hours.', sumBy(PMF.labels, 'increase(ai_requests_total[1d])')),
          rec(price, 'Catalog price in force per provider, model and token type, once (every exporter replica exposes it).', catalogValue(PRICE_METRIC, '', PRICE.labels)),
          rec(
            floor,
            'Cheapest price of the same token type among the models of the same provider and family.',
            [
              'max by (provider, model, token_type) (',
              `    ${withFamily} * 0`,
              '  + on (provider, token_type, family) group_left ()',
              `    min by (provider, token_type, family) (${withFamily})`,
              ')',
            ].join('\n'),
          ),
          rec(
            savings,
            `Monthly dollars a prompt cache would save: ${s.cacheableInputShare * 100}% of uncached input re-read at the cache price.`,
            [
              `${uncached} * ${s.cacheableInputShare}`,
              '  * on (provider, model) group_left ()',
              `  (${p('input')} - on (provider, model) ${p('cache_read')})`,
              `  ${perMonth}`,
              '> 0',
            ].join('\n'),
            { opportunity: 'prompt_caching' },
          ),
          rec(
            savings,
            'Monthly dollars saved if this traffic used the cheapest model of the same provider and family (upper bound).',
            [
              '(',
              `    ${day('ai_tokens_input')}`,
              '    * on (provider, model) group_left ()',
              `    (${p('input')} - on (provider, model) ${p('input', floor)})`,
              '  +',
              `    ${day('ai_tokens_output')}`,
              '    * on (provider, model) group_left ()',
              `    (${p('output')} - on (provider, model) ${p('output', floor)})`,
              `) ${perMonth}`,
              '> 0',
            ].join('\n'),
            { opportunity: 'cheaper_model' },
          ),
          rec(
            savings,
            `Monthly dollars saved by trimming ${s.trimmableInputShare * 100}% of the input of features averaging ≥ ${s.largeInputTokensPerRequest} input tokens per request with < ${s.tinyOutputPerInput} output per input token.`,
            [
              '(',
              `    ${uncached} * ${s.trimmableInputShare}`,
              '    * on (provider, model) group_left ()',
              `    ${p('input')}`,
              `    ${perMonth}`,
              '  > 0',
              ')',
              `and ${day('ai_tokens_input')} / (${day('ai_requests')} > 0) >= ${s.largeInputTokensPerRequest}`,
              `and ${day('ai_tokens_output')} / (${day('ai_tokens_input')} > 0) < ${s.tinyOutputPerInput}`,
            ].join('\n'),
            { opportunity: 'prompt_trimming' },
          ),
        ],
      },
    ],
  };
}
