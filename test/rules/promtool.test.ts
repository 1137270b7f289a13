// promtool: the generated files are valid rules, and every rule file passes its unit tests in
// test/rules/promtool/ (one per rule file). Also checks the tests themselves cover every alert
// with a firing case and a quiet case.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);
const RULES = join(REPO_ROOT, 'prometheus/rules');
const TESTS = join(REPO_ROOT, 'test/rules/promtool');
const files = ruleFiles(loadCatalog());

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface TestFile {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: AlertTest[] }>;
}

describe('promtool', () => {
  it('accepts every generated rule file (promtool check rules)', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', ...files.map((f) => join(RULES, `${f.name}.yml`))]);
    expect(stdout).not.toMatch(/FAILED/);
  });

  it('has one unit-test file per rule file, and no other', () => {
    const tests = readdirSync(TESTS).filter((f) => f.endsWith('.test.yml')).sort();
    expect(tests).toEqual(files.map((f) => `${f.name}.test.yml`).sort());
  });

  it('tests every alert firing (with labels and annotations) and quiet', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const f of files) {
      const t = load(readFileSync(join(TESTS, `${f.name}.test.yml`), 'utf8')) as TestFile;
      expect(t.rule_files).toContain(`../../../prometheus/rules/${f.name}.yml`);
      for (const group of t.tests) {
        for (const a of group.alert_rule_test ?? []) {
          if (a.exp_alerts && a.exp_alerts.length) firing.add(a.alertname);
          else quiet.add(a.alertname);
        }
      }
    }
    const alerts = files.flatMap((f) => f.groups.flatMap((g) => g.rules)).flatMap((r) => (r.kind === 'alert' ? [r.alert] : []));
    expect(alerts.filter((a) => !firing.has(a)), 'alerts without a firing case').toEqual([]);
    expect(alerts.filter((a) => !quiet.has(a)), 'alerts without a quiet case').toEqual([]);
  });

  // Files run concurrently: cost.test.yml evaluates a month of hourly steps and dominates.
  it.concurrent.each(files.map((f) => f.name))('promtool test rules %s.test.yml', async (name) => {
    const r = await run('promtool', ['test', 'rules', join(TESTS, `${name}.test.yml`)]).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(`${r.stdout ?? ''}${r.stderr ?? ''}`).toMatch(/SUCCESS/);
    expect(r.stdout ?? '').not.toMatch(/FAILED/);
  }, 120_000);
});
