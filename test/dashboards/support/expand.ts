// Expands a panel query's template variables the way Grafana does before sending it to Prometheus:
// $__range from the panel's relative time (or the dashboard's), $__interval from the panel's min
// interval, $__rate_interval = max($__interval + scrape interval, 4 × scrape interval), and the
// dashboard variables (All → the allValue ".*", several values → "(a|b)").
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';

export interface ExpandContext {
  rangeSeconds: number;
  intervalSeconds: number;
  scrapeSeconds: number;
  vars: Record<string, string>;
}

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function durationSeconds(d: string): number {
  const m = /^(\d+)([smhdw])$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * UNIT[m[2]];
}

/** Seconds covered by a relative time: "now-24h", "24h", "now/d" (today so far; the dashboards are in UTC). */
export function relativeSeconds(from: string, now = Date.now()): number {
  if (from === 'now/d') {
    const midnight = new Date(now);
    midnight.setUTCHours(0, 0, 0, 0);
    // At least a minute, so a run just after midnight still sees the scenario's samples.
    return Math.max(60, Math.floor((now - midnight.getTime()) / 1000));
  }
  return durationSeconds(from.replace(/^now-/, ''));
}

/** Grafana's multi-value regex formatting; a single value stays bare, All is the allValue. */
export function varValue(values: string[] | 'All'): string {
  if (values === 'All') return '.*';
  return values.length === 1 ? values[0] : `(${values.join('|')})`;
}

export function panelContext(d: Dashboard, p: Panel, vars: Record<string, string>, scrapeSeconds = 1): ExpandContext {
  const rangeSeconds = relativeSeconds(p.timeFrom ?? d.time?.from ?? 'now-6h');
  // Without a panel min interval, Grafana derives $__interval from range / max data points; a
  // short fixed step is what a dashboard over recent data gets and keeps windows small here.
  const intervalSeconds = p.interval ? durationSeconds(p.interval) : 15;
  return { rangeSeconds, intervalSeconds, scrapeSeconds, vars };
}

export function expand(expr: string, c: ExpandContext): string {
  const rateInterval = Math.max(c.intervalSeconds + c.scrapeSeconds, 4 * c.scrapeSeconds);
  let out = expr
    .replaceAll('$__rate_interval', `${rateInterval}s`)
    .replaceAll('$__range_ms', String(c.rangeSeconds * 1000))
    .replaceAll('$__range_s', String(c.rangeSeconds))
    .replaceAll('$__range', `${c.rangeSeconds}s`)
    .replaceAll('$__interval_ms', String(c.intervalSeconds * 1000))
    .replaceAll('$__interval', `${c.intervalSeconds}s`);
  for (const [name, value] of Object.entries(c.vars)) {
    out = out.replaceAll('${' + name + '}', value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  }
  const left = /\$\{?[A-Za-z_]\w*/.exec(out);
  if (left) throw new Error(`unexpanded variable ${left[0]} in ${expr}`);
  return out;
}
