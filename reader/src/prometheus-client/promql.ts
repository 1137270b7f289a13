// Building PromQL selectors from user-supplied values without letting a value break out of its
// string or turn into a regular expression.

/** A PromQL double-quoted string literal (Go escaping). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A label matcher for "any of these exact values": `label="v"` or `label=~"a|b"` (RE2, anchored). */
export function anyOf(label: string, values: readonly string[]): string {
  if (values.length === 0) throw new Error(`anyOf(${label}): no values`);
  if (values.length === 1) return `${label}=${quote(values[0])}`;
  const escaped = values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `${label}=~${quote(escaped.join('|'))}`;
}

/** `metric{m1,m2}`; `matchers` are complete matcher strings (see anyOf). */
export function selector(metric: string, matchers: readonly string[] = []): string {
  return matchers.length ? `${metric}{${matchers.join(',')}}` : metric;
}

/** A selector matching exactly one series: its name and every label. */
export function seriesSelector(metric: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${quote(labels[k])}`);
  return selector(metric, parts);
}

/** A range duration Prometheus accepts for any millisecond count (`90000ms`). */
export function rangeMs(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`range must be a positive whole number of ms, got ${ms}`);
  return `${ms}ms`;
}
