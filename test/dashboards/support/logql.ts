// Static checks of LogQL queries: they parse, select only the stream labels Loki will have, and
// touch only fields the exporter's per-request log line carries.
import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import type { RequestLogLine } from '../../../exporter/src/log/request-log.js';

/** Stream labels the log shipper attaches (loki/ config): everything else is inside the JSON line. */
export const STREAM_LABELS = ['app', 'provider', 'status'];

/**
 * Top-level fields of one `llm_request` line: pino's level, time and msg plus RequestLogLine
 * (exporter/src/log/request-log.ts exports the interface, not a runtime list). `satisfies` makes
 * tsc reject a name the interface does not have.
 */
export const LOG_FIELDS = [
  'level',
  'time',
  'msg',
  ...([
    'request_id', 'provider', 'model', 'feature', 'team', 'project', 'user', 'session', 'tokens', 'cost_usd', 'revenue_usd',
    'price_source', 'priced', 'status', 'error_type', 'error_message', 'status_code', 'latency_ms', 'ttft_ms', 'event_time',
  ] satisfies Array<keyof RequestLogLine>),
];

/** Sub-fields of `tokens`. */
export const TOKEN_FIELDS = ['input', 'output', 'cache_read', 'cache_write', 'reasoning', 'total'] satisfies Array<keyof RequestLogLine['tokens']>;

export interface LogqlReport {
  errors: string[];
  streamLabels: string[];
  /** json parameter → path, e.g. input → tokens.input */
  extracted: Record<string, string>;
  /** Labels read after extraction: label filters, grouping, line_format/label_format templates, unwrap. */
  used: string[];
  bareJson: boolean;
}

const unquote = (s: string) => JSON.parse(s.startsWith('`') ? JSON.stringify(s.slice(1, -1)) : s) as string;

export function analyseLogql(expr: string): LogqlReport {
  const tree = parser.parse(expr);
  const r: LogqlReport = { errors: [], streamLabels: [], extracted: {}, used: [], bareJson: false };
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const cursor = tree.cursor();
  do {
    const n = cursor.node;
    if (n.type.isError) r.errors.push(`syntax error at ${n.from}: "${expr.slice(n.from, n.from + 30)}"`);
    switch (n.type.name) {
      case 'Selector':
        for (const m of n.getChildren('Matchers').flatMap(allMatchers)) r.streamLabels.push(text(m.getChild('Identifier')!));
        break;
      case 'LabelParser':
        // `| json` / `| logfmt` without parameters: extracts everything, so nothing can be checked.
        r.bareJson = true;
        break;
      case 'JsonExpressionParser': {
        const list = n.getChild('LabelExtractionExpressionList');
        for (const e of list ? descendants(list, 'LabelExtractionExpression') : []) {
          const id = e.getChild('Identifier');
          const path = e.getChild('String');
          if (id) r.extracted[text(id)] = path ? unquote(text(path)) : text(id);
        }
        break;
      }
      case 'LabelFilter':
      case 'Grouping':
      case 'UnwrapExpr':
        for (const id of descendants(n, 'Identifier')) r.used.push(text(id));
        break;
      case 'LineFormatExpr':
      case 'LabelFormatExpr':
        for (const m of text(n).matchAll(/\{\{[^}]*?\.(\w+)[^}]*\}\}/g)) r.used.push(m[1]);
        break;
    }
  } while (cursor.next());
  return r;
}

function allMatchers(n: SyntaxNode): SyntaxNode[] {
  return descendants(n, 'Matcher');
}

function descendants(n: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const c = n.cursor();
  const end = n.to;
  if (!c.firstChild()) return out;
  do {
    if (c.from >= end) break;
    if (c.name === name) out.push(c.node);
  } while (c.next() && c.from < end);
  return out;
}

/** Problems with the fields a query uses; empty when it only uses what the log line carries. */
export function fieldProblems(r: LogqlReport): string[] {
  const out: string[] = [];
  for (const l of r.streamLabels) if (!STREAM_LABELS.includes(l)) out.push(`stream selector uses "${l}", Loki only has ${STREAM_LABELS.join(', ')}`);
  if (r.bareJson) out.push('bare "| json" or "| logfmt": list the fields explicitly so this check can see them');
  for (const [label, path] of Object.entries(r.extracted)) {
    const [top, sub, ...rest] = path.split('.');
    if (!LOG_FIELDS.includes(top)) out.push(`json ${label}="${path}": "${top}" is not a field of the llm_request line`);
    else if (top === 'tokens' && (sub === undefined || !TOKEN_FIELDS.includes(sub as never) || rest.length)) out.push(`json ${label}="${path}": not a tokens sub-field`);
    else if (top !== 'tokens' && sub !== undefined) out.push(`json ${label}="${path}": "${top}" has no sub-fields`);
  }
  const known = new Set([...STREAM_LABELS, ...Object.keys(r.extracted)]);
  for (const u of r.used) if (!known.has(u)) out.push(`uses label "${u}", which is neither a stream label nor extracted by | json`);
  return out;
}
