// Text exposition helpers (Prometheus 0.0.4 text and OpenMetrics 1.0), kept tiny because the
// render of ~50k samples must stay well under 100 ms.
import type { MetricSpec, MetricType } from '../contract/metrics.js';

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

/**
 * The `le` value Prometheus 3 stores for a scraped classic-histogram bucket: it normalises `le`
 * to a float in OpenMetrics' form (Go's shortest 'g' formatting, ".0" added when the text has
 * neither a point nor an exponent), so `1` becomes `1.0` and `1000000` becomes `1e+06`.
 * Prometheus 2 stores the exposed text, formatLe's.
 */
export function prometheus3Le(le: number): string {
  if (le === Infinity) return '+Inf';
  if (le === -Infinity) return '-Inf';
  if (Number.isNaN(le)) return 'NaN';
  const [mantissa, exp] = le.toExponential().split('e');
  const e = Number(exp);
  // Go's 'g' with the shortest precision switches to an exponent below 1e-4 and from 1e6.
  if (le !== 0 && (e < -4 || e >= 6)) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const text = String(le);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * A PromQL matcher for the bucket `le`, true on Prometheus 2 and 3 alike: `le="0.5"` where both
 * store the same text, else both forms, `le=~"1|1[.]0"` (`[.]` and `[+]` keep the regex literal:
 * an unescaped "1.0" would also match le="100").
 */
export function leMatcher(le: number): string {
  const v2 = formatLe(le);
  const v3 = prometheus3Le(le);
  if (v2 === v3) return `le="${v2}"`;
  const literal = (t: string) => t.replace(/[.+]/g, (c) => `[${c}]`);
  return `le=~"${literal(v2)}|${literal(v3)}"`;
}

export type { MetricType };

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

/** HELP/TYPE header of a contract family (contract/metrics.ts). */
export function headerOf(m: MetricSpec, format: Format): string {
  return header(m.name, m.type, m.help, format);
}
