// The series a PromQL expression reads, from its syntax tree (@prometheus-io/lezer-promql): every
// vector selector's metric name, and `__name__` matchers (exact names, or regexes to match against
// the known names). Grafana template variables are substituted first, as Grafana would.
import { parser } from '@prometheus-io/lezer-promql';

export interface SeriesRefs {
  names: string[];
  /** Each selector with a metric name, and the label names its matchers test. */
  selectors: Array<{ name: string; labels: string[] }>;
  /** `__name__=~"…"` regexes, anchored as Prometheus anchors them. */
  patterns: RegExp[];
}

/** Grafana's built-in and dashboard variables replaced by values of the right kind. */
export function substituteGrafana(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range_ms', '3600000')
    .replaceAll('$__range_s', '3600')
    .replaceAll('$__range', '1h')
    .replaceAll('$__interval_ms', '60000')
    .replaceAll('$__interval', '1m')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, 'x');
}

const unquote = (s: string) => JSON.parse(s.startsWith("'") ? `"${s.slice(1, -1).replace(/"/g, '\\"')}"` : s.startsWith('`') ? JSON.stringify(s.slice(1, -1)) : s) as string;

export function seriesRefs(expr: string): SeriesRefs {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const patterns: RegExp[] = [];
  const selectors: SeriesRefs['selectors'] = [];
  const errors: string[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`syntax error at ${n.from}`);
      const text = expr.slice(n.from, n.to);
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') {
        names.push(text);
        const labels: string[] = [];
        const matchers = n.node.nextSibling;
        for (let m = matchers?.name === 'LabelMatchers' ? matchers.firstChild : null; m; m = m.nextSibling) {
          const l = m.firstChild;
          if (l && (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher')) labels.push(l.name === 'QuotedLabelName' ? unquote(expr.slice(l.from, l.to)) : expr.slice(l.from, l.to));
        }
        selectors.push({ name: text, labels });
      }
      // Prometheus 3's quoted metric name, {"name"}: a bare QuotedLabelName among the matchers.
      if (n.name === 'QuotedLabelName' && n.node.parent?.name === 'LabelMatchers') names.push(unquote(text));
      if (n.name === 'UnquotedLabelMatcher' || n.name === 'QuotedLabelMatcher') {
        const label = n.node.firstChild;
        const op = label?.nextSibling;
        const value = op?.nextSibling;
        if (!label || !op || !value) return;
        const labelName = label.name === 'QuotedLabelName' ? unquote(expr.slice(label.from, label.to)) : expr.slice(label.from, label.to);
        if (labelName !== '__name__') return;
        const v = unquote(expr.slice(value.from, value.to));
        const o = expr.slice(op.from, op.to);
        if (o === '=') names.push(v);
        else if (o === '=~') patterns.push(new RegExp(`^(?:${v})$`));
      }
    },
  });
  if (errors.length) throw new Error(`${errors.join(', ')} in ${expr}`);
  return { names, patterns, selectors };
}
