// Aggregation levels: the labels a recorded series keeps, which also name it
// (`level:metric:operations`, docs/rules.md). Shared by every concern module.

export interface Level {
  labels: string[];
  /** Words for comments: "per provider and model". */
  what: string;
}

export const GLOBAL: Level = { labels: [], what: 'in total' };
export const PROVIDER: Level = { labels: ['provider'], what: 'per provider' };
export const PROVIDER_MODEL: Level = { labels: ['provider', 'model'], what: 'per provider and model' };
/** By model id alone, as model budgets are: gpt-4o at OpenAI and at Azure together. */
export const MODEL: Level = { labels: ['model'], what: 'per model id (all providers serving it)' };
export const TEAM: Level = { labels: ['team'], what: 'per team' };
export const FEATURE: Level = { labels: ['feature'], what: 'per feature' };
/** Budget scopes: `scope` (total, team, provider, model) and `name`, as ai_budget_dollars carries them. */
export const SCOPE_NAME: Level = { labels: ['scope', 'name'], what: 'per budget scope and name' };
export const PROVIDER_MODEL_FEATURE_OPPORTUNITY: Level = { labels: ['provider', 'model', 'feature', 'opportunity'], what: 'per provider, model and feature' };
// Histogram levels: bucket rates keep `le`, quantiles a `quantile` label.
export const PROVIDER_LE: Level = { labels: ['provider', 'le'], what: 'per provider and bucket' };
export const PROVIDER_MODEL_LE: Level = { labels: ['provider', 'model', 'le'], what: 'per provider, model and bucket' };
export const PROVIDER_QUANTILE: Level = { labels: ['provider', 'quantile'], what: 'per provider' };
export const PROVIDER_MODEL_QUANTILE: Level = { labels: ['provider', 'model', 'quantile'], what: 'per provider and model' };

/**
 * `level:metric:operations`. The level is the kept labels joined by `_`; with none left it is empty
 * (`:ai_cost_dollars:rate5m`), as kube-prometheus writes `:node_memory_MemAvailable_bytes:sum`.
 */
export function ruleName(level: Level, metric: string, operation: string): string {
  return `${level.labels.join('_')}:${metric}:${operation}`;
}
