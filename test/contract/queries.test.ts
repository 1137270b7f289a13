// Every series a dashboard panel, a dashboard variable, a recording rule or alert, or a report /
// usage-API query reads is one the metric contract or the generated recording rules define. The
// report's queries are the ones it really sends: the report, the export and the usage API's
// per-model breakdown run against a real Prometheus (the generated rules loaded, so the report
// also reads the recorded budget and savings series), whose query log lists them.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { fixedClock } from '../../exporter/src/clock.js';
import { familyOf, METRICS, PROCESS_METRIC_PREFIXES, type MetricSpec } from '../../exporter/src/contract/metrics.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { buildReport } from '../../reader/src/report/build-report.js';
import { buildExport } from '../../reader/src/report/export.js';
import { fetchUsage } from '../../reader/src/report/usage.js';
import { Prometheus } from '../support/prometheus.js';
import { seriesRefs, substituteGrafana } from './support/promql-names.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RULES_DIR = join(ROOT, 'prometheus', 'rules');
const DASHBOARDS_DIR = join(ROOT, 'provisioning', 'dashboards');
/** Series Prometheus itself writes for every scrape target and alert. */
const PROMETHEUS_SERIES = ['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];

interface RuleGroup {
  rules: Array<{ record?: string; alert?: string; expr: string }>;
}

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml')).map((f) => join(RULES_DIR, f));
const rules = ruleFiles.flatMap((f) => ((load(readFileSync(f, 'utf8')) as { groups: RuleGroup[] }).groups ?? []).flatMap((g) => g.rules));

function contractNames(): string[] {
  return Object.values(METRICS as Record<string, MetricSpec>).flatMap((m) => (m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
}

const KNOWN = new Set([...contractNames(), ...rules.flatMap((r) => (r.record ? [r.record] : [])), ...PROMETHEUS_SERIES]);
const known = (name: string) => KNOWN.has(name) || PROCESS_METRIC_PREFIXES.some((p) => name.startsWith(p));

/** Labels a selector of a contract family may match on besides the family's own. */
const TARGET_LABELS = ['job', 'instance', '__name__'];

/**
 * "where: name" for every series `expr` reads that nothing defines, and "where: name{label}" for a
 * matcher on a label the contract family does not carry (it would silently match nothing).
 */
function unknownSeries(where: string, expr: string): string[] {
  const refs = seriesRefs(expr);
  const badLabels = refs.selectors.flatMap(({ name, labels }) => {
    const m = familyOf(name);
    if (!m) return [];
    const allowed = new Set([...m.labels, ...TARGET_LABELS, ...(name.endsWith('_bucket') ? ['le'] : [])]);
    return labels.filter((l) => !allowed.has(l)).map((l) => `${where}: ${name}{${l}}`);
  });
  return [
    ...refs.names.filter((n) => !known(n)).map((n) => `${where}: ${n}`),
    ...refs.patterns.filter((p) => ![...KNOWN].some((n) => p.test(n))).map((p) => `${where}: __name__=~${p.source}`),
    ...badLabels,
  ];
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith('.json') ? [p] : [];
  });
}

interface Query {
  where: string;
  expr: string;
}

/** Prometheus exprs of panels and targets (Loki ones skipped), and the variables' label_values() selectors. */
function dashboardQueries(): Query[] {
  const out: Query[] = [];
  for (const file of jsonFiles(DASHBOARDS_DIR)) {
    const d = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const name = file.slice(DASHBOARDS_DIR.length + 1);
    const walk = (o: unknown, datasource: string | undefined, title: string): void => {
      if (Array.isArray(o)) return o.forEach((x) => walk(x, datasource, title));
      if (o === null || typeof o !== 'object') return;
      const obj = o as Record<string, unknown>;
      const ds = (obj.datasource as { type?: string } | undefined)?.type ?? datasource;
      const t = typeof obj.title === 'string' ? obj.title : title;
      if (typeof obj.expr === 'string' && ds !== 'loki' && obj.expr.trim()) out.push({ where: `${name} "${t}"`, expr: substituteGrafana(obj.expr) });
      for (const [k, v] of Object.entries(obj)) if (k !== 'templating') walk(v, ds, t);
    };
    walk(d.panels, undefined, '');
    for (const v of ((d.templating as { list?: Array<Record<string, unknown>> })?.list ?? [])) {
      const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
      const m = q ? /^label_values\((.+),\s*\w+\)$/.exec(q) ?? /^query_result\((.+)\)$/.exec(q) : null;
      if (m) out.push({ where: `${name} variable ${String(v.name)}`, expr: substituteGrafana(m[1]) });
    }
  }
  return out;
}

describe('series the queries read', () => {
  it('finds the metric names a PromQL expression reads, __name__ matchers and Grafana variables included', () => {
    const refs = seriesRefs(substituteGrafana('sum by (provider) (increase(ai_cost_dollars_total{team=~"$team"}[$__range])) / on () group_left {__name__="up"} + {__name__=~"ai_request_cost_dollars_(sum|count)"}'));
    expect(refs.names).toEqual(['ai_cost_dollars_total', 'up']);
    expect(refs.patterns.map((p) => p.source)).toEqual(['^(?:ai_request_cost_dollars_(sum|count))$']);
    expect(unknownSeries('q', 'rate(ai_request_cost_dollars_bucket[5m]) + ai_requests_total + provider:ai_cost_dollars:rate5m')).toEqual([]);
    // What the checks below would report: a series nobody exports, by name or by pattern, and a
    // matcher on a label the family lacks (spend by team is ai_cost_dollars_total's, not the histogram's).
    expect(unknownSeries('q', 'sum(ai_request_cost_dollars_total) + {__name__=~"ai_nothing_.*"} + ai_request_cost_dollars_sum{team="a",job="x"}')).toEqual([
      'q: ai_request_cost_dollars_total',
      'q: __name__=~^(?:ai_nothing_.*)$',
      'q: ai_request_cost_dollars_sum{team}',
    ]);
  });

  it('in the dashboards are all defined', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(50);
    expect(queries.some((q) => q.where.includes(' variable '))).toBe(true);
    expect(queries.flatMap((q) => unknownSeries(q.where, q.expr))).toEqual([]);
  });

  it('in the recording rules and alerts are all defined', () => {
    expect(rules.length).toBeGreaterThan(50);
    expect(rules.flatMap((r) => unknownSeries(r.record ?? r.alert ?? '?', r.expr))).toEqual([]);
  });

  describe('sent by the report, the export and the usage API', () => {
    let prom: Prometheus;
    let queries: string[];
    let logDir: string;

    beforeAll(async () => {
      logDir = mkdtempSync(join(tmpdir(), 'tokenscope-querylog-'));
      const logFile = join(logDir, 'queries.log');
      prom = await Prometheus.start(`global:\n  query_log_file: ${logFile}\nrule_files:\n${ruleFiles.map((f) => `  - ${f}`).join('\n')}\n`);
      const client = new PrometheusClient({ url: prom.url });
      const catalog = loadCatalog();
      const now = Date.UTC(2026, 2, 10, 12);
      await buildReport({ client, catalog, period: 'monthly', clock: fixedClock(now) });
      await buildExport({ client, catalog, fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 2, 3), groupBy: 'day', by: ['project'] });
      await buildExport({ client, catalog, fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 2, 3), groupBy: 'day', by: ['provider', 'model', 'feature', 'team'] });
      await fetchUsage(client, { boundaries: [Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 2)], groupBy: ['provider', 'model'], latency: true });
      queries = existsSync(logFile)
        ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { params: { query: string } }).params.query)
        : [];
    }, 90_000);

    afterAll(async () => {
      await prom?.stop();
      rmSync(logDir, { recursive: true, force: true });
    });

    it('are all defined', () => {
      expect(queries.length).toBeGreaterThan(10);
      expect(queries.some((q) => q.includes(METRICS.cost.name))).toBe(true);
      expect(queries.some((q) => q.includes(METRICS.projectCost.name))).toBe(true);
      expect(queries.flatMap((q) => unknownSeries('report', q))).toEqual([]);
    });
  });
});
