// The recording and alerting rules in prometheus/rules/ (owned by the rules generator), read for
// two purposes: which recorded series exist (so panels only name real ones), and a test copy that
// Prometheus can evaluate within seconds.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { REPO_ROOT } from '../../support/processes.js';

export const RULES_DIR = join(REPO_ROOT, 'prometheus', 'rules');

interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Array<{ record?: string; alert?: string; for?: string; expr: string }> }>;
}

export function ruleFiles(): Array<{ name: string; doc: RuleFile }> {
  if (!existsSync(RULES_DIR)) return [];
  return readdirSync(RULES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((name) => ({ name, doc: load(readFileSync(join(RULES_DIR, name), 'utf8')) as RuleFile }));
}

export function recordedNames(): Set<string> {
  return new Set(ruleFiles().flatMap((f) => f.doc.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => Boolean(r)))));
}

/**
 * Writes the rule files into `dir` for a test Prometheus with the same expressions, but every group
 * evaluated at the global interval (1s in the tests; production groups run every 5m or 10m) and
 * every alert's `for:` cut to 1s (the rules generator's maxFor does the same for its own tests), so
 * recorded series and firing alerts exist within seconds. Returns the file paths.
 */
export function writeFastRules(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return ruleFiles().map(({ name, doc }) => {
    for (const g of doc.groups) {
      delete g.interval;
      for (const r of g.rules) if (r.alert) r.for = '1s';
    }
    const file = join(dir, name);
    writeFileSync(file, dump(doc, { lineWidth: -1 }));
    return file;
  });
}
