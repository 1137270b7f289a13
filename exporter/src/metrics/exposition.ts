// Text exposition helpers (Prometheus 0.0.4 text and OpenMetrics 1.0), kept tiny because the
// render of ~50k samples must stay well under 100 ms.

export type Format = 'prometheus' | 'openmetrics';

export function escapeLabelValue(v: string): string {
  // Fast path: most values need no escaping.
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `a="x",b="y"` for the given names and values. */
export function labelPairs(names: readonly string[], values: readonly string[]): string {
  let s = '';
  for (let i = 0; i < names.length; i++) {
    if (i) s += ',';
    s += `${names[i]}="${escapeLabelValue(values[i])}"`;
  }
  return s;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLe(le: number): string {
  return le === Infinity ? '+Inf' : String(le);
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';

/**
 * HELP/TYPE header. In OpenMetrics a counter family is named without `_total` and `_info`
 * families are typed `info`; in the Prometheus text format `info` is a gauge.
 */
export function header(name: string, type: MetricType, help: string, format: Format): string {
  if (format === 'openmetrics') {
    const family = type === 'counter' ? name.replace(/_total$/, '') : type === 'info' ? name.replace(/_info$/, '') : name;
    return `# HELP ${family} ${help}\n# TYPE ${family} ${type}\n`;
  }
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type === 'info' ? 'gauge' : type}\n`;
}
