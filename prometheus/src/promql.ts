// PromQL text building shared by the rule modules: aggregation levels and their rule names, and
// the two idioms that appear in several files. Nothing else belongs here.

/** An aggregation level: the labels a recorded series keeps, which also name it. */
export interface Level {
  labels: string[];
  /** Words for comments: "per provider and model". */
  what: string;
}

export const GLOBAL: Level = { labels: [], what: 'in total' };

/**
 * `level:metric:operations`. The level is the kept labels joined by `_`; with none left it is empty
 * (`:ai_cost_dollars:rate5m`), as kube-prometheus writes `:node_memory_MemAvailable_bytes:sum`.
 */
export function ruleName(level: Level, metric: string, operation: string): string {
  return `${level.labels.join('_')}:${metric}:${operation}`;
}

export function sumBy(labels: string[], expr: string): string {
  return labels.length ? `sum by (${labels.join(', ')}) (${expr})` : `sum(${expr})`;
}

/** Indents every line after the first, for nesting multi-line expressions. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').join(`\n${pad}`);
}

/**
 * Deduplicated catalog gauge: every exporter replica exposes the same catalog series, so rules
 * read `max by (labels)` of it instead of the raw series with their job/instance labels.
 */
export function catalogValue(metric: string, selector: string, labels: string[]): string {
  const series = `${metric}${selector ? `{${selector}}` : ''}`;
  return labels.length ? `max by (${labels.join(', ')}) (${series})` : `max(${series})`;
}
