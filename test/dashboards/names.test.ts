// Recording-rule names come from the rule generator (prometheus/src/names.ts), not from string
// literals: every name it exports is one the generator records, the dashboards' sources spell no
// rule name themselves, the report's names are the same, and the latency-objective panels read the
// recorded latency SLO.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import * as report from '../../reader/src/report/rule-series.js';
import { ruleConfig } from '../../prometheus/src/config.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import * as names from '../../prometheus/src/names.js';
import { UID } from '../../dashboards-src/defaults.js';
import { recordedSeries } from '../../dashboards-src/docs.js';
import { REPO_ROOT } from '../support/processes.js';
import { dashboards, panels, type Target } from './support/walk.js';

const catalog = loadCatalog();
const cfg = ruleConfig(catalog);
const recorded = new Set(ruleFiles(catalog).flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.kind === 'record' ? [r.record] : [])))));

/** Recorded series a Prometheus query reads (Loki and SQL targets read none). */
const promql = (t: Target) => (t.datasource?.type === 'prometheus' && typeof t.expr === 'string' ? recordedSeries(t.expr) : []);

/** Every name names.ts can give, for the windows the generator records. */
function exportedNames(): string[] {
  const slo = (s: names.ProviderSloNames) => {
    const longWindows = [...new Set(cfg.slo.burnAlerts.flatMap((a) => a.conditions.map((c) => c.long)))];
    return [
      s.bad5m,
      s.total5m,
      s.objective,
      s.budget,
      s.remaining,
      ...[...cfg.slo.burnWindows, cfg.slo.period].map(s.errorRatio),
      ...cfg.slo.burnWindows.map(s.burnRate),
      ...longWindows.map(s.eventsIn),
      s.sli('1d'),
      s.sli(cfg.slo.period),
    ];
  };
  return [
    names.REQUESTS_5M,
    names.MODEL_REQUESTS_5M,
    names.MODEL_ERROR_RATIO_5M,
    ...slo(names.AVAILABILITY_SLO),
    ...slo(names.LATENCY_SLO),
    names.LATENCY_SLO.target,
    names.LATENCY_SLO.good5m,
    ...['5m', '1h', '7d'].map(names.PROVIDER_BUCKET_RATE),
    ...['5m', '1h'].map(names.MODEL_BUCKET_RATE),
    ...['5m', '1h', '7d'].map(names.PROVIDER_LATENCY_QUANTILE),
    names.MODEL_LATENCY_QUANTILE('5m'),
    names.HEALTH_SCORE,
    names.BUDGET_USED,
    names.BUDGET_PROJECTED,
    names.BUDGET_PROJECTION,
    names.SAVINGS_ESTIMATE,
    names.MODEL_TOKENS_1H.input,
    names.MODEL_TOKENS_1H.output,
  ];
}

describe('recording-rule names from the generator', () => {
  it('every name prometheus/src/names.ts exports is recorded by the generated rules', () => {
    const all = exportedNames();
    expect(all.length).toBeGreaterThan(60);
    expect(all.filter((n) => !recorded.has(n))).toEqual([]);
  });

  it('catches a name the generator does not record (the check above can fail)', () => {
    expect(recorded.has(names.LATENCY_SLO.burnRate('7m'))).toBe(false);
    expect(recorded.has(names.AVAILABILITY_SLO.sli('5m'))).toBe(false);
  });

  it('the dashboards read only names the generator exports', () => {
    const known = new Set(exportedNames());
    const used = new Set(dashboards().flatMap((g) => panels(g.json)).flatMap((p) => p.targets.flatMap(promql)));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !known.has(n))).toEqual([]);
  });

  it('no dashboard source spells a rule name itself', () => {
    const dir = join(REPO_ROOT, 'dashboards-src');
    const literal = /[a-z_]*:ai_[a-z0-9_]*:[a-z0-9_]*/g;
    const found = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(literal)].map((m) => `${f}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  // The exporter package compiles exporter/src alone (tsconfig.build.json, rootDir exporter/src), so
  // the report cannot import names.ts; it must hold the very same names.
  it("the report's recorded-series names are the generator's", () => {
    expect(report.BUDGET_PROJECTION).toBe(names.BUDGET_PROJECTION);
    expect(report.SAVINGS_ESTIMATE).toBe(names.SAVINGS_ESTIMATE);
  });
});

describe('latency objectives on the dashboards read the recorded latency SLO', () => {
  const all = dashboards().flatMap((g) => panels(g.json));
  const reads = (uid: string, title: string) => {
    const p = all.find((x) => x.dashboard.uid === uid && x.panel.title === title);
    expect(p, `${uid} / ${title}`).toBeDefined();
    return new Set(p!.targets.flatMap(promql));
  };
  const L = names.LATENCY_SLO;

  it('incident response: burn rate and budget left per provider', () => {
    expect([...reads(UID.incident, 'Latency Burn Rate (1h)')]).toEqual([L.burnRate('1h')]);
    expect([...reads(UID.incident, 'Latency Error Budget Left')]).toEqual([L.remaining]);
  });

  it('provider comparison: the SLI over the SLO period, the objective and the budget left', () => {
    const m = reads(UID.providers, 'Comparison Matrix');
    for (const n of [L.sli(cfg.slo.period), L.objective, L.remaining]) expect(m.has(n), n).toBe(true);
  });

  it("model performance: the health gauge judges latency against the recorded target", () => {
    expect(reads(UID.models, 'Model Health Gauge').has(L.target)).toBe(true);
  });
});
