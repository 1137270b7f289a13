// Every rule file, in one list: the generator, the drift check, the docs test and the benchmark all
// walk this list, so adding a concern is one line here.
import type { Catalog } from '../../catalog/src/schema.js';
import { budgetRules } from './concerns/budget.js';
import { catalogRules } from './concerns/catalog.js';
import { costRules } from './concerns/cost.js';
import { exporterRules } from './concerns/exporter.js';
import { healthRules } from './concerns/health.js';
import { latencyRules } from './concerns/latency.js';
import { limitRules } from './concerns/limits.js';
import { savingsRules } from './concerns/savings.js';
import { sloRulesFile } from './concerns/slo.js';
import { tokenRules } from './concerns/tokens.js';
import { watchdogRules } from './concerns/watchdog.js';
import { ruleConfig, type GenerateOptions, type RuleConfig } from './config.js';
import type { RuleFile } from './model.js';
import { renderRuleFile } from './render.js';

const CONCERNS: Array<(cfg: RuleConfig) => RuleFile> = [
  costRules,
  budgetRules,
  limitRules,
  sloRulesFile,
  latencyRules,
  tokenRules,
  healthRules,
  savingsRules,
  exporterRules,
  catalogRules,
  watchdogRules,
];

export function ruleFiles(catalog: Catalog, opts: GenerateOptions = {}): RuleFile[] {
  const cfg = ruleConfig(catalog, opts);
  return CONCERNS.map((concern) => concern(cfg));
}

/** File name (e.g. "cost.yml") → YAML text. */
export function renderRuleFiles(catalog: Catalog, opts: GenerateOptions = {}): Map<string, string> {
  const variant = opts.maxFor === undefined ? undefined : `every alert's for: capped at ${opts.maxFor} (tests only, never deploy).`;
  return new Map(ruleFiles(catalog, opts).map((f) => [`${f.name}.yml`, renderRuleFile(f, variant)]));
}
