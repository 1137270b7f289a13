// The generated dashboards as files: schema-valid (ajv against the SDK's published JSON Schemas),
// complete (6 dashboards, 48 core panels plus the extras), laid out on the
// 24-column grid, wired to the catalog (provider colours, SLO thresholds) and to each other
// (drill-down links), and in sync with what is committed under provisioning/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { generateDashboards, REPO_ROOT } from '../../dashboards-src/build.js';
import { catalog, UID } from '../../dashboards-src/defaults.js';
import { STORE_TYPE, STORE_UID } from '../../dashboards-src/store-panels.js';
import { allPanels, dashboards, key, panels, type PanelInfo } from './support/walk.js';
import { expand, panelContext } from './support/expand.js';
import { analyseLogql, fieldProblems } from './support/logql.js';
import { recordedSeries } from '../../dashboards-src/docs.js';
import { recordedNames } from './support/rules.js';
import { errorsText, GrafanaSchemas } from './support/schemas.js';

const files = generateDashboards();
const generated = dashboards(files);
const everyPanel = generated.flatMap((g) => panels(g.json));
const schemas = new GrafanaSchemas();

/** The 48 core panels, by dashboard. */
const CORE_PANELS: Record<string, string[]> = {
  [UID.executive]: ['Overall Health Score', 'Active Requests/min', 'Avg Response Time', 'Cost Today', 'Provider Health Grid (17)', 'Request Volume (24h)', 'Error Rate Distribution', 'Alert List'],
  [UID.models]: ['Top 5 Models', 'Models with Issues', 'Request Volume (7d)', 'Cost per Model', 'Latency Distribution', 'Success Rate vs Usage', 'Performance Heatmap', 'Model Health Gauge'],
  [UID.providers]: ['Health Gauge Grid (17)', 'Comparison Matrix', 'Cost vs Reliability', 'Request Distribution', 'Cost Distribution', 'Latency Distribution', 'Cost Trend', 'Uptime Trend'],
  [UID.business]: ['Revenue Today', 'Cost Today', 'Profit Margin Today', 'Cost by Model', 'Cost Trend', 'Cost/Token vs Throughput', 'Top 5 Expensive Models', 'Cost Optimization Tips'],
  [UID.incident]: ['Alert List (top)', 'Error Rate (real-time)', 'SLO Compliance Gauge', 'Recent Errors Table', 'Circuit Breaker Status', 'Availability Heatmap', 'Request Success Rate', 'Application Logs'],
  [UID.tokens]: ['Total Tokens (24h)', 'Tokens/Second', 'Cost per 1M Tokens', 'Tokens by Model', 'Input:Output Ratio', 'Efficiency Gauge', 'Tokens/Sec Trend (7d)', 'Cost/Token Trend (7d)'],
};
/** Titles drop a listed "(17)" (the catalog decides how many providers) and "(top)" (it is on top). */
const titleOf = (listed: string) => listed.replace(/ \((17|top)\)$/, '');

/**
 * The extras, and where they live: per-model and per-team/project usage, cost donuts, summary
 * cards, the usage log, plus the budget and savings views ("current spend vs budget", "projected
 * vs budget", optimisation opportunities) that the recording rules provide.
 */
const EXTRAS: Record<string, string[]> = {
  [UID.models]: ['Per-model Usage', 'Latency Trend'],
  [UID.incident]: ['Latency Burn Rate (1h)', 'Latency Error Budget Left'],
  [UID.business]: ['Cost by Model (share)', 'Cost by Provider', 'Usage by Team', 'Usage by Project', 'Budget Used This Month', 'Budget Forecast This Month', 'Savings Opportunities', 'Usage Log', 'Top Sessions by Cost', 'Top Users by Cost'],
  [UID.tokens]: ['Tokens Today', 'Cost Today', 'Calls', 'Avg Tokens per Call', 'Avg Cost per Call', 'Active Sessions', 'Tokens over Time', 'Calls by Hour', 'Tokens by Provider'],
};

/** Refresh rate per dashboard: Grafana refreshes whole dashboards, so its fastest panel's rate wins. */
const REFRESH: Record<string, string> = {
  [UID.executive]: '15s',
  [UID.models]: '30s',
  [UID.providers]: '1m',
  [UID.business]: '1m',
  [UID.incident]: '5s',
  [UID.tokens]: '30s',
};

const isLoki = (p: PanelInfo) => p.panel.datasource?.type === 'loki';
/** SQL panels on the request store: run against a real PostgreSQL by test/usage-api/store-panels.test.ts. */
const isStore = (p: PanelInfo) => p.panel.datasource?.type === STORE_TYPE;

/** A query as Grafana sends it with every variable on All. */
const ALL = { provider: '.*', model: '.*', team: '.*', feature: '.*' };
const expanded = (p: PanelInfo, expr: string) => expand(expr, panelContext(p.dashboard, p.panel, ALL));

describe('generated files', () => {
  it('are six dashboards in one-level folders plus the two provisioning files and the docs', () => {
    expect(generated).toHaveLength(6);
    for (const g of generated) {
      expect(g.path).toMatch(/^provisioning\/dashboards\/[a-z0-9-]+\/[a-z0-9-]+\.json$/);
      expect(g.path.endsWith(`/${g.json.uid}.json`)).toBe(true);
      expect(g.json.uid!.length).toBeLessThanOrEqual(40);
    }
    expect(new Set(generated.map((g) => g.json.uid)).size).toBe(6);
    expect(Object.values(UID).sort()).toEqual(generated.map((g) => g.json.uid).sort());
    expect([...files.keys()].filter((p) => !p.endsWith('.json')).sort()).toEqual([
      'docs/dashboards.md',
      'provisioning/dashboards/dashboards.yaml',
      'provisioning/datasources/datasources.yaml',
    ]);
  });

  it('are deterministic and match what is committed (run npm run build:dashboards)', () => {
    const again = generateDashboards();
    expect([...again.entries()]).toEqual([...files.entries()]);
    for (const [rel, content] of files) {
      expect(readFileSync(join(REPO_ROOT, rel), 'utf8'), `${rel} is stale`).toBe(content);
    }
  });

  it('provision a folder-per-directory dashboard provider and the two fixed-uid datasources', () => {
    const dash = load(files.get('provisioning/dashboards/dashboards.yaml')!) as any;
    expect(dash.apiVersion).toBe(1);
    expect(dash.providers).toHaveLength(1);
    const p = dash.providers[0];
    expect(p.allowUiUpdates).toBe(false);
    expect(p.options.foldersFromFilesStructure).toBe(true);
    expect(p.folder).toBeUndefined();
    const ds = load(files.get('provisioning/datasources/datasources.yaml')!) as any;
    expect(ds.prune).toBe(true);
    const byType = Object.fromEntries(ds.datasources.map((d: any) => [d.type, d]));
    expect(byType.prometheus).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    expect(byType.loki).toMatchObject({ uid: 'loki', url: 'http://loki:3100' });
  });
});

describe('schema validation (ajv, draft-07)', () => {
  it.each(generated.map((g) => [g.json.uid, g] as const))('%s validates against dashboard.jsonschema.json', (_uid, g) => {
    const v = schemas.validator('dashboard#/definitions/Dashboard');
    expect(v(g.json), errorsText(v)).toBe(true);
  });

  it('every panel validates its options, fieldConfig.custom and override values against its panel schema', () => {
    const problems: string[] = [];
    for (const p of everyPanel) {
      const type = schemas.panelSchema(p.panel.type);
      if (!type) {
        problems.push(`${key(p)}: no schema for panel type ${p.panel.type}`);
        continue;
      }
      const options = schemas.validator(`${type}#/definitions/Options`);
      if (!options(p.panel.options ?? {})) problems.push(`${key(p)} options: ${errorsText(options)}`);
      const customRef = schemas.customRef(type);
      const custom = p.panel.fieldConfig?.defaults?.custom;
      if (custom !== undefined && customRef) {
        const v = schemas.validator(customRef);
        if (!v(custom)) problems.push(`${key(p)} fieldConfig.custom: ${errorsText(v)}`);
      }
      for (const o of p.panel.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties) {
          const v = schemas.overrideValidator(type, prop.id);
          if (typeof v === 'string') problems.push(`${key(p)} override ${prop.id}: ${v}`);
          else if (!v(prop.value)) problems.push(`${key(p)} override ${prop.id}: ${errorsText(v)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every query validates against the prometheus or loki query schema', () => {
    const problems: string[] = [];
    for (const p of everyPanel) {
      for (const t of p.targets) {
        const type = t.datasource?.type;
        if (type === STORE_TYPE) continue;
        const v = schemas.validator(type === 'loki' ? 'loki#/definitions/dataquery' : 'prometheus#/definitions/Dataquery');
        if (type !== 'loki' && type !== 'prometheus') problems.push(`${key(p)} ${t.refId}: datasource type ${type}`);
        const ok = v(t as unknown);
        if (!ok) problems.push(`${key(p)} ${t.refId}: ${errorsText(v)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every unit is one Grafana knows (units.jsonschema.json)', () => {
    const used = new Set<string>();
    for (const p of everyPanel) {
      const u = p.panel.fieldConfig?.defaults?.unit;
      if (u) used.add(u);
      for (const o of p.panel.fieldConfig?.overrides ?? []) for (const prop of o.properties) if (prop.id === 'unit') used.add(prop.value);
    }
    expect([...used].filter((u) => !schemas.units.has(u))).toEqual([]);
    for (const u of ['currencyUSD', 'short', 's', 'percentunit']) expect(used.has(u)).toBe(true);
  });
});

describe('panels', () => {
  it('48 core panels, eight per dashboard, with their expected titles, plus the extras', () => {
    for (const g of generated) {
      const ps = panels(g.json);
      const core = ps.filter((p) => p.core).map((p) => p.panel.title);
      expect(core.sort(), g.json.uid).toEqual(CORE_PANELS[g.json.uid!].map(titleOf).sort());
      expect(ps.filter((p) => !p.core).map((p) => p.panel.title).sort(), g.json.uid).toEqual((EXTRAS[g.json.uid!] ?? []).sort());
    }
    expect(everyPanel.filter((p) => p.core)).toHaveLength(48);
    expect(everyPanel.filter((p) => !p.core)).toHaveLength(Object.values(EXTRAS).flat().length);
  });

  it('have unique ids per dashboard and unique refIds per panel', () => {
    for (const g of generated) {
      const ids = allPanels(g.json).map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id) && id! > 0), g.json.uid).toBe(true);
      expect(new Set(ids).size, g.json.uid).toBe(ids.length);
    }
    for (const p of everyPanel) {
      const refIds = p.targets.map((t) => t.refId);
      expect(refIds.every(Boolean), key(p)).toBe(true);
      expect(new Set(refIds).size, key(p)).toBe(refIds.length);
    }
  });

  it('sit inside the 24-column grid without overlapping', () => {
    for (const g of generated) {
      const boxes = allPanels(g.json).map((p) => ({ title: (p as Panel).title, ...p.gridPos! }));
      for (const b of boxes) {
        expect(b.x + b.w, `${g.json.uid} / ${b.title}`).toBeLessThanOrEqual(24);
        expect(b.w).toBeGreaterThan(0);
        expect(b.h).toBeGreaterThan(0);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${g.json.uid}: "${a.title}" overlaps "${b.title}"`).toBe(false);
        }
      }
    }
  });

  it('each say in a description what they answer, and name their datasource', () => {
    for (const p of everyPanel) {
      expect(p.panel.description?.length ?? 0, key(p)).toBeGreaterThan(30);
      if (p.targets.length) {
        expect(['${datasource}', '${loki}', STORE_UID], key(p)).toContain(p.panel.datasource?.uid);
        for (const t of p.targets) expect(t.datasource, key(p)).toEqual(p.panel.datasource);
      }
    }
  });

  it('colour per-provider series with the catalog colours', () => {
    const perProvider = everyPanel.filter(
      (p) => ['timeseries', 'piechart'].includes(p.panel.type) && p.targets.some((t) => t.legendFormat === '{{provider}}'),
    );
    expect(perProvider.length).toBeGreaterThan(5);
    for (const p of perProvider) {
      const colours = new Map<string, string>();
      for (const o of p.panel.fieldConfig!.overrides) {
        const c = o.properties.find((x) => x.id === 'color');
        if (c && o.matcher.id === 'byName') colours.set(o.matcher.options as unknown as string, c.value.fixedColor);
      }
      for (const prov of catalog.providers) expect(colours.get(prov.slug), `${key(p)}: ${prov.slug}`).toBe(prov.color);
    }
  });

  it('take thresholds from the catalog SLOs and budgets', () => {
    const byTitle = (uid: string, title: string) => everyPanel.find((p) => p.dashboard.uid === uid && p.panel.title === title)!.panel;
    const steps = (p: Panel) => p.fieldConfig!.defaults.thresholds!.steps.map((s) => s.value);
    const near = (list: Array<number | null>, x: number) => list.some((v) => v !== null && Math.abs(v - x) < 1e-6);
    const g = catalog.slo.global;
    expect(steps(byTitle(UID.executive, 'Avg Response Time'))).toContain(g.latency_p95_seconds);
    expect(near(steps(byTitle(UID.executive, 'Cost Today')), catalog.budgets.total_monthly_dollars! / 30)).toBe(true);
    expect(steps(byTitle(UID.incident, 'SLO Compliance Gauge'))).toContain(g.availability);
    expect(steps(byTitle(UID.providers, 'Uptime Trend'))).toContain(g.availability);
    expect(steps(byTitle(UID.incident, 'Error Rate (real-time)'))).toEqual([null, g.error_rate, catalog.thresholds.model_error_ratio]);
    // Providers with their own availability objective get their own colours in the availability grid.
    const grid = byTitle(UID.incident, 'Availability Heatmap');
    const own = (slug: string) => grid.fieldConfig!.overrides.find((o) => o.matcher.id === 'byName' && (o.matcher.options as unknown) === slug);
    expect(own('openai')?.properties[0].value.steps.map((s: { value: number | null }) => s.value)).toContain(0.995);
    expect(own('groq')).toBeUndefined(); // only its latency target differs
  });

  it('drill down: a provider in the overview opens the comparison view filtered to it', () => {
    const grid = everyPanel.find((p) => p.dashboard.uid === UID.executive && p.panel.title === 'Provider Health Grid')!;
    const urls = (grid.panel.fieldConfig!.defaults.links ?? []).map((l) => l.url);
    expect(urls.some((u) => u?.startsWith(`/d/${UID.providers}?`) && u.includes('var-provider=${__field.labels.provider}'))).toBe(true);
    // Every link points at a generated dashboard.
    const uids = new Set<string>(Object.values(UID));
    const links = everyPanel.flatMap((p) => [
      ...(p.panel.fieldConfig?.defaults?.links ?? []),
      ...(p.panel.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((x) => x.id === 'links').flatMap((x) => x.value)),
    ]);
    expect(links.length).toBeGreaterThan(3);
    for (const l of links) expect(uids.has(/^\/d\/([^?]+)/.exec(l.url)![1]), l.url).toBe(true);
  });
});

describe('dashboard defaults', () => {
  it.each(generated.map((g) => [g.json.uid, g] as const))('%s: prefix, tags, dropdown link, refresh, variables', (uid, g) => {
    const d = g.json;
    expect(d.title).toMatch(/^Tokenscope \/ /);
    expect(d.tags).toEqual(expect.arrayContaining(['tokenscope', 'generated']));
    expect(d.timezone).toBe('utc');
    expect(d.refresh).toBe(REFRESH[uid!]);
    expect(d.links).toContainEqual(expect.objectContaining({ type: 'dashboards', tags: ['tokenscope'], asDropdown: true, includeVars: true, keepTime: true }));
    const vars = Object.fromEntries(d.templating.list!.map((v) => [v.name, v]));
    expect(vars.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.loki).toMatchObject({ type: 'datasource', query: 'loki' });
    for (const name of ['provider', 'model', 'team', 'feature']) {
      expect(vars[name], name).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*' });
      expect(String(vars[name].query)).toMatch(/^label_values\(/);
    }
  });
});

describe('queries (static)', () => {
  it('every PromQL expression parses with @prometheus-io/lezer-promql (variables expanded)', () => {
    const problems: string[] = [];
    for (const p of everyPanel.filter((x) => !isLoki(x) && !isStore(x))) {
      for (const t of p.targets) {
        const expr = expanded(p, t.expr);
        const tree = promqlParser.parse(expr);
        tree.iterate({ enter: (n) => void (n.type.isError && problems.push(`${key(p)} ${t.refId} at ${n.from}: ${expr}`)) });
      }
    }
    expect(problems).toEqual([]);
  });

  it('every LogQL expression parses with @grafana/lezer-logql and uses only fields of the llm_request line', () => {
    const loki = everyPanel.filter(isLoki);
    expect(loki.map((p) => p.panel.title).sort()).toEqual(['Application Logs', 'Recent Errors Table']);
    for (const p of loki) {
      for (const t of p.targets) {
        const r = analyseLogql(expanded(p, t.expr));
        expect(r.errors, `${key(p)}: ${t.expr}`).toEqual([]);
        expect(fieldProblems(r), `${key(p)}: ${t.expr}`).toEqual([]);
      }
    }
  });

  it('the LogQL field check catches a field the log line does not carry', () => {
    expect(fieldProblems(analyseLogql('{app="tokenscope", job="x"} | json p="prompt", i="tokens.inputs" | user_id="1" | line_format "{{.nope}}"'))).toHaveLength(5);
    expect(fieldProblems(analyseLogql('{app="tokenscope"} | json'))).toHaveLength(1);
    expect(analyseLogql('{app="tokenscope"} | json x="msg" [').errors.length).toBeGreaterThan(0);
  });

  it('read recording rules that prometheus/rules/ defines', () => {
    const defined = recordedNames();
    const used = new Set(everyPanel.filter((p) => !isStore(p)).flatMap((p) => p.targets.flatMap((t) => recordedSeries(t.expr))));
    // Request, token, cost and revenue panels read the raw counters (every filter applies); the
    // recorded series left are latency, health, SLO, budget and savings ones.
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !defined.has(n))).toEqual([]);
  });

  it('table-shaped panels rename the columns their queries produce', () => {
    // organize renames "Value #A"…; a missing query would leave a dangling name.
    for (const p of everyPanel) {
      for (const tr of p.panel.transformations ?? []) {
        if (tr.id !== 'organize') continue;
        const refs = Object.keys((tr.options.renameByName ?? {}) as Record<string, string>)
          .map((k) => /^Value #([A-Z])$/.exec(k)?.[1])
          .filter((r): r is string => Boolean(r));
        for (const r of refs) expect(p.targets.map((t) => t.refId), key(p)).toContain(r);
      }
    }
  });
});
