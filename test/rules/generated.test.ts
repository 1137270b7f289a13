// The generator's contract: deterministic output equal to the committed files, rule names in the
// documented scheme, only metrics the exporter exposes (docs/metrics.md), alert anatomy, and
// every alert with a runbook section.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import type { AlertingRule, RecordingRule } from '../../prometheus/src/model.js';
import { renderRuleFiles, ruleFiles } from '../../prometheus/src/mixin.js';
import { GENERATED_HEADER } from '../../prometheus/src/render.js';
import { checkGenerated } from '../../scripts/check-generated.js';
import { REPO_ROOT } from '../support/processes.js';

const catalog = loadCatalog();
const files = ruleFiles(catalog);
const rules = files.flatMap((f) => f.groups.flatMap((g) => g.rules));
const records = rules.filter((r): r is RecordingRule => r.kind === 'record');
const alerts = rules.filter((r): r is AlertingRule => r.kind === 'alert');
const doc = (name: string) => readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');

describe('rule generator', () => {
  it('is deterministic and matches the committed files and docs (npm run check:generated)', async () => {
    expect([...renderRuleFiles(catalog)]).toEqual([...renderRuleFiles(loadCatalog())]);
    expect(await checkGenerated()).toEqual([]);
  });

  it('marks every file as generated', () => {
    for (const [name, text] of renderRuleFiles(catalog)) expect(text.startsWith(`${GENERATED_HEADER}\n`), name).toBe(true);
  });

  it('caps for: only in the test variant', () => {
    const variant = ruleFiles(catalog, { maxFor: '2s' }).flatMap((f) => f.groups.flatMap((g) => g.rules));
    for (const r of variant) if (r.kind === 'alert') expect(['0s', '1s', '2s']).toContain(r.for);
    expect(alerts.find((a) => a.alert === 'TokenScopeErrorBudgetSlowBurn')?.for).toBe('15m');
  });

  it('names recording rules level:metric:operations, each series once', () => {
    for (const r of records) {
      expect(r.record, r.record).toMatch(/^[a-z_]*:ai_[a-z0-9_]+:[a-z0-9_]+$/);
      expect(r.record, `${r.record}: no _total after rate/increase`).not.toMatch(/_total:/);
      expect(r.help.length, `${r.record}: comment`).toBeGreaterThan(10);
    }
    const ids = records.map((r) => `${r.record}${JSON.stringify(r.labels ?? {})}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads only metrics the exporter exposes, and only rules that exist', () => {
    const exposed = new Set([...doc('metrics.md').matchAll(/`(ai_[a-z0-9_]+)`/g)].map((m) => m[1]));
    for (const h of ['ai_request_cost_dollars', 'ai_request_duration_seconds', 'ai_time_to_first_token_seconds']) {
      for (const s of ['_bucket', '_sum', '_count']) exposed.add(h + s);
    }
    const recorded = new Set(records.map((r) => r.record));
    for (const r of rules) {
      // Strip strings (label values, label_replace arguments) and ranges ([32d:1h]) before looking for names.
      const expr = r.expr.replace(/"[^"]*"/g, '""').replace(/\[[^\]]*\]/g, '');
      for (const [name] of expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        if (name.includes(':')) expect(recorded.has(name), `${name} in ${'record' in r ? r.record : r.alert}`).toBe(true);
        else if (name.startsWith('ai_')) expect(exposed.has(name), `${name} is not in docs/metrics.md`).toBe(true);
      }
    }
  });

  it('gives every alert the shared anatomy and a runbook section', () => {
    const runbooks = doc('runbooks.md');
    for (const a of alerts) {
      expect(a.alert).toMatch(/^TokenScope[A-Z][A-Za-z0-9]+$/);
      expect(a.for).toMatch(/^\d+[smhd]/);
      expect(['page', 'ticket', 'info', 'none']).toContain(a.severity);
      expect(a.summary).toMatch(/^[A-Z][^{}]*\.$/);
      expect(a.description).toContain('$value');
      expect(a.runbookUrl).toBe(`https://github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md#${a.alert.toLowerCase()}`);
      expect(runbooks, `docs/runbooks.md needs "## ${a.alert}"`).toMatch(new RegExp(`^## ${a.alert}$`, 'm'));
    }
    expect(alerts.filter((a) => a.severity === 'none').map((a) => a.alert)).toEqual(['TokenScopeWatchdog']);
  });

  it('derives the burn-rate windows and factors from the SLO period', () => {
    const burn = records.filter((r) => r.record.startsWith('provider:ai_error_budget:burnrate')).map((r) => r.record.replace(/.*burnrate/, ''));
    expect(burn).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    const fast = alerts.find((a) => a.alert === 'TokenScopeErrorBudgetFastBurn')!;
    expect(fast.expr).toContain('burnrate1h > 14.4');
    expect(fast.expr).toContain('burnrate30m > 6');
    const slow = alerts.find((a) => a.alert === 'TokenScopeErrorBudgetSlowBurn')!;
    expect(slow.expr).toContain('burnrate2h > 3');
    expect(slow.expr).toContain('burnrate3d > 1');
  });
});
