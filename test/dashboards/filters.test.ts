// Static checks that the dashboards mean what they say (issue 14):
//  - filters: every query of every panel references each filter variable its dashboard shows
//    ($provider, $model, $team, $feature), or the panel description names the ignored filter
//    ("Ignores the team and feature filters: <why>", written by ignores() in dashboards-src);
//  - windows: a panel titled "today"/"daily" covers today in the dashboard's time zone (panel range
//    now/d), a panel over the picked range says "over the selected range", a "this month" panel
//    reads month-to-date series, a fixed window (24h, 7d) is named in the title or description;
//  - money: budget lines divide by days_in_month() as the rules do, and money is shown in the
//    catalog's display currency.
// The live half (filtered data against a real Prometheus) is in prometheus.test.ts.
import { describe, expect, it } from 'vitest';
import { catalog, FILTER_VARIABLES, ignoredFilters, TIMEZONE } from '../../dashboards-src/defaults.js';
import { MONEY } from '../../dashboards-src/queries.js';
import { dashboards, key, panels, references, type PanelInfo } from './support/walk.js';

const generated = dashboards();
const everyPanel = generated.flatMap((g) => panels(g.json));
const withQueries = everyPanel.filter((p) => p.targets.some((t) => typeof t.expr === 'string'));

/** The filter variables a dashboard shows. */
function shown(p: PanelInfo): string[] {
  const names = new Set((p.dashboard.templating?.list ?? []).map((v) => v.name));
  return FILTER_VARIABLES.filter((v) => names.has(v));
}


describe('filters', () => {
  it('every dashboard shows the provider, model, team and feature variables', () => {
    for (const g of generated) expect(shown({ dashboard: g.json } as PanelInfo), g.json.uid).toEqual([...FILTER_VARIABLES]);
  });

  it('every query references each shown variable, or its panel description names the ignored filter', () => {
    const silent: string[] = [];
    for (const p of withQueries) {
      const ignored = ignoredFilters(p.panel.description);
      for (const t of p.targets) {
        for (const v of shown(p)) if (!references(t.expr, v) && !ignored.has(v)) silent.push(`${key(p)} / ${t.refId}: ignores $${v} silently\n    ${t.expr}`);
      }
    }
    expect(silent).toEqual([]);
  });

  it('a panel names only filters it really ignores somewhere (no blanket disclaimers)', () => {
    const stale: string[] = [];
    for (const p of withQueries) {
      for (const v of ignoredFilters(p.panel.description)) {
        if (p.targets.every((t) => references(t.expr, v))) stale.push(`${key(p)}: says it ignores ${v}, but every query applies it`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('the ignores() sentence parses back (the check above relies on it)', () => {
    expect([...ignoredFilters('x. Ignores the model, team and feature filters: why.')]).toEqual(['model', 'team', 'feature']);
    expect([...ignoredFilters('Ignores the team filter: why.')]).toEqual(['team']);
    expect([...ignoredFilters('no disclaimer')]).toEqual([]);
  });
});

const usesRange = (p: PanelInfo) => p.targets.some((t) => /\$__range\b/.test(t.expr));

describe('windows', () => {
  it('the dashboards are in UTC, the time zone of the rules\' calendar periods', () => {
    expect(TIMEZONE).toBe('utc');
    for (const g of generated) expect(g.json.timezone).toBe('utc');
  });

  it('"today" and "daily" panels cover today (panel range now/d) and say so', () => {
    const today = everyPanel.filter((p) => /\b(today|daily)\b/i.test(p.panel.title ?? ''));
    expect(today.length).toBeGreaterThanOrEqual(5);
    for (const p of today) {
      expect(p.panel.timeFrom, key(p)).toBe('now/d');
      expect(p.panel.description, key(p)).toMatch(/today \(UTC day so far/);
      // Over the panel's range, which is today: $__range, not a recorded period or a fixed window.
      for (const t of p.targets) expect(t.expr, key(p)).toMatch(/\$__range\b/);
    }
  });

  it('panels over the picked range say "over the selected range" and are not titled as a fixed period', () => {
    for (const p of everyPanel.filter((x) => usesRange(x) && !x.panel.timeFrom)) {
      expect(p.panel.description, key(p)).toMatch(/over the selected range/);
      expect(p.panel.title, key(p)).not.toMatch(/\b(today|daily|this month|24h|7d)\b/i);
    }
  });

  it('panels with a fixed window (24h, 7d) name it in the title or the description', () => {
    const words: Record<string, RegExp> = { '24h': /\(24h\)|last 24 hours/, '7d': /\(7d\)|last 7 days/ };
    for (const p of everyPanel.filter((x) => x.panel.timeFrom && x.panel.timeFrom !== 'now/d')) {
      const w = words[p.panel.timeFrom!];
      expect(w, `${key(p)}: a window the test knows`).toBeDefined();
      expect(`${p.panel.title} ${p.panel.description}`, key(p)).toMatch(w);
    }
  });

  it('"this month" panels read the month-to-date budget series and say which month', () => {
    const month = everyPanel.filter((p) => /this month/i.test(p.panel.title ?? ''));
    expect(month.length).toBe(2);
    for (const p of month) {
      expect(p.panel.description, key(p)).toMatch(/UTC calendar month/);
      for (const t of p.targets) expect(t.expr, key(p)).toMatch(/scope_name:ai_budget_(used|projected):ratio/);
    }
  });
});

describe('money', () => {
  const exprs = withQueries.flatMap((p) => p.targets.map((t) => ({ p, expr: t.expr })));

  it('budget lines divide the monthly budget by days_in_month(), as the budget rules do', () => {
    const budget = exprs.filter((x) => x.expr.includes('ai_budget_dollars'));
    expect(budget.length).toBeGreaterThan(0);
    for (const b of budget) expect(b.expr, key(b.p)).toMatch(/days_in_month\(\)/);
    expect(exprs.filter((x) => /\/\s*30\b/.test(x.expr)).map((x) => key(x.p))).toEqual([]);
  });

  it(`money is shown in the catalog's display currency (${catalog.currency.display}); the logged cost_usd stays in dollars and says so`, () => {
    expect(MONEY).toBe(`currency${catalog.currency.display}`);
    for (const p of everyPanel) {
      const units = [p.panel.fieldConfig?.defaults?.unit, ...(p.panel.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((x) => x.id === 'unit').map((x) => x.value as string))];
      for (const u of units.filter((x): x is string => typeof x === 'string' && x.startsWith('currency'))) {
        if (u !== MONEY) expect(`${u}: ${p.panel.description}`, key(p)).toMatch(/^currencyUSD: .*in US dollars/);
      }
    }
    // With a display currency other than USD every spend query converts with the exporter's rate series.
    if (catalog.currency.display !== 'USD') {
      for (const x of exprs.filter((e) => e.expr.includes('ai_cost_dollars_total'))) expect(x.expr, key(x.p)).toContain('ai_currency_exchange_rate');
    }
  });
});
