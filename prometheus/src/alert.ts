// Alert anatomy in one place: prefixed CamelCase name, a `for:` (capped in test variants), a
// severity, a static summary, a templated description and the runbook link built from one pattern
// (kubernetes-mixin's add-runbook-links).
import type { RuleConfig } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import type { AlertingRule, Severity } from './model.js';

export interface AlertSpec {
  /** Without the prefix: "BudgetExceeded" → "TokenScopeBudgetExceeded". */
  name: string;
  help: string;
  expr: string;
  for: string;
  severity: Severity;
  summary: string;
  description: string;
}

export function alertName(cfg: RuleConfig, name: string): string {
  return `${cfg.alertPrefix}${name}`;
}

export function runbookUrl(cfg: RuleConfig, alert: string): string {
  return `${cfg.runbookBaseUrl}#${alert.toLowerCase()}`;
}

export function alert(cfg: RuleConfig, spec: AlertSpec): AlertingRule {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(spec.name)) throw new Error(`alert name must be CamelCase: ${spec.name}`);
  if (!spec.summary.endsWith('.') || spec.summary.includes('{{')) throw new Error(`${spec.name}: summary must be a static sentence ending with a period`);
  // Labels are quoted wherever the expression keeps any (the Watchdog has none to quote).
  if (!spec.description.includes('$value')) throw new Error(`${spec.name}: description must quote $value`);
  const name = alertName(cfg, spec.name);
  const forSeconds = parseDuration(spec.for);
  const capped = cfg.maxForSeconds === undefined ? forSeconds : Math.min(forSeconds, cfg.maxForSeconds);
  return {
    kind: 'alert',
    alert: name,
    expr: spec.expr,
    for: formatDuration(capped),
    severity: spec.severity,
    summary: spec.summary,
    description: spec.description,
    runbookUrl: runbookUrl(cfg, name),
    help: spec.help,
  };
}
