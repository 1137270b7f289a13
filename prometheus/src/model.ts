// The shapes the concern modules build and the renderer writes: Prometheus rule files, plus the
// one-line question each recording rule answers (rendered as a comment above the rule).

export interface RecordingRule {
  kind: 'record';
  record: string;
  expr: string;
  /** One line: the question this series answers. Rendered as a comment and listed in docs/rules.md. */
  help: string;
  labels?: Record<string, string>;
}

export type Severity = 'page' | 'ticket' | 'info' | 'none';

export interface AlertingRule {
  kind: 'alert';
  alert: string;
  expr: string;
  /** Prometheus duration, e.g. "15m"; always set (see alert anatomy in STYLE.md). */
  for: string;
  severity: Severity;
  /** Static sentence ending with a period. */
  summary: string;
  /** Templated with `$labels` and `$value`. */
  description: string;
  runbookUrl: string;
  /** One line for the comment above the rule. */
  help: string;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  /** Overrides the global evaluation_interval, for groups whose long windows move slowly. */
  interval?: string;
  rules: Rule[];
}

export interface RuleFile {
  /** File name without extension: `cost` → prometheus/rules/cost.yml. */
  name: string;
  /** What the file covers, one line for its header. */
  title: string;
  groups: RuleGroup[];
}
