// PromQL text building shared by the rule modules: aggregation, nesting, and reading a catalog
// gauge once. Nothing else belongs here.

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

/** A PromQL double-quoted string literal (Go escapes: backslash and quote). */
export function promqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
