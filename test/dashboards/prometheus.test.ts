// Every Prometheus query of every generated panel, expanded as Grafana would, parsed with
// @prometheus-io/lezer-promql and run against a real Prometheus (2.42) that scrapes the real
// exporter every second and evaluates the rule files from prometheus/rules/. The exporter tails a
// JSONL file the test keeps appending to, so rates and recorded windows have moving data.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, UID } from '../../dashboards-src/defaults.js';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { expand, panelContext, relativeSeconds, varValue } from './support/expand.js';
import { writeFastRules } from './support/rules.js';
import { FLAKY, Scenario } from './support/scenario.js';
import { dashboards, key, panels, references, type PanelInfo, type Target } from './support/walk.js';

const DAY_MS = 86_400_000;

/**
 * Queries that may legitimately return nothing, with the reason. Everything else must return at
 * least one finite value with every variable on All.
 */
const MAY_BE_EMPTY: Record<string, string> = {};

const SCRAPE_SECONDS = 1;

/**
 * One value per filter variable. For each, a second Prometheus scrapes the same exporter but keeps
 * only series with that value (or without the label: latency, budget and breaker series), and
 * evaluates the same rules: "data that holds only that value".
 */
const FILTERED: Record<string, string> = { provider: 'openai', model: FLAKY.model, team: 'search', feature: 'chat' };
/** Relative tolerance: the two Prometheus scrape the moving exporter at different instants. */
const TOLERANCE = 0.15;
/** Queries whose filtered run may legitimately differ, with the reason. */
const FILTER_MAY_DIFFER: Record<string, string> = {};

const promConfig = (port: number, rules: string[], keep?: [string, string]) => `
global: { scrape_interval: ${SCRAPE_SECONDS}s, evaluation_interval: ${SCRAPE_SECONDS}s }
rule_files: ${JSON.stringify(rules)}
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
${keep ? `    metric_relabel_configs: [{ source_labels: [${keep[0]}], regex: '${keep[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|', action: keep }]` : ''}
`;

const promPanels = dashboards()
  .flatMap((g) => panels(g.json))
  .filter((p) => p.panel.datasource?.type === 'prometheus');

interface Run {
  p: PanelInfo;
  t: Target;
  expr: string;
}

function runs(vars: Record<string, string>): Run[] {
  return promPanels.flatMap((p) => p.targets.map((t) => ({ p, t, expr: expand(t.expr, panelContext(p.dashboard, p.panel, vars, SCRAPE_SECONDS)) })));
}

const runKey = (r: Run) => `${key(r.p)} / ${r.t.refId}`;

interface Result {
  error?: string;
  finite: number;
  /** The last finite value, for DASHBOARD_QUERY_REPORT=1 (a quick plausibility read). */
  last?: number;
}

/** Runs a query as the panel would: instant for instant/table queries, a short range otherwise. */
async function execute(url: string, r: Run): Promise<Result> {
  const now = Math.floor(Date.now() / 1000);
  const params = new URLSearchParams({ query: r.expr });
  let path = '/api/v1/query';
  if (r.t.instant) params.set('time', String(now));
  else {
    path = '/api/v1/query_range';
    params.set('start', String(now - 60));
    params.set('end', String(now));
    params.set('step', '5');
  }
  const res = await fetch(url + path, { method: 'POST', body: params });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ value?: [number, string]; values?: Array<[number, string]> }> } };
  if (body.status !== 'success') return { error: body.error ?? `HTTP ${res.status}`, finite: 0 };
  const values = body.data!.result.flatMap((s) => (s.values ?? (s.value ? [s.value] : [])).map((v) => Number(v[1])));
  const finite = values.filter(Number.isFinite);
  return { finite: finite.length, last: finite.at(-1) };
}

async function executeAll(url: string, list: Run[], parallel = 8): Promise<Map<Run, Result>> {
  const out = new Map<Run, Result>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < list.length) {
        const r = list[next++];
        out.set(r, await execute(url, r));
      }
    }),
  );
  return out;
}

function parseErrors(expr: string): string[] {
  const out: string[] = [];
  promqlParser.parse(expr).iterate({ enter: (n) => void (n.type.isError && out.push(`syntax error at ${n.from}: ${expr.slice(n.from, n.from + 40)}`)) });
  return out;
}

describe('panel queries on a real Prometheus fed by the exporter', () => {
  const scenario = new Scenario(catalog);
  let dir: string;
  let exporter: Proc;
  let prom: Prometheus;
  const filtered = new Map<string, Prometheus>();
  let feeder: NodeJS.Timeout | undefined;

  let startedMs = 0;

  beforeAll(async () => {
    startedMs = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-dashboards-'));
    const log = join(dir, 'traffic.jsonl');
    const first = [...scenario.breakerLines(), ...scenario.batch(), ...scenario.batch()];
    writeFileSync(log, first.join('\n') + '\n');
    const port = await freePort();
    exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--no-request-log']);
    await waitFor('exporter ingested the first lines', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      return sum(parseExposition(await r.text()), 'ai_exporter_lines_total', { source: 'file' }) >= first.length;
    }, 60_000);

    const rules = writeFastRules(join(dir, 'rules'));
    // Started together, so every instance sees the same history from the same first scrape.
    const [full, ...rest] = await Promise.all([
      Prometheus.start(promConfig(port, rules)),
      ...Object.entries(FILTERED).map(([v, value]) => Prometheus.start(promConfig(port, rules, [v, value]))),
    ]);
    prom = full;
    Object.keys(FILTERED).forEach((v, i) => filtered.set(v, rest[i]));
    // Traffic starts only once every instance has scraped the still counters: their histories then
    // begin at the same values. Started first, on a loaded machine one instance's first scrape
    // could come seconds after another's, and every window reaching back to the start differed
    // (by 15-80% in rates and error ratios).
    for (const p of [full, ...rest]) {
      await waitFor('first scrape', async () => (await p.query('up{job="tokenscope"} == 1')).length === 1, 30_000, 250);
    }
    // Keep traffic flowing: each batch is one request per provider/model, errors included.
    feeder = setInterval(() => appendFileSync(log, scenario.batch().join('\n') + '\n'), 250);
    // Enough scrapes that 5m/1h windows hold several moving samples, rules have run on them, and
    // the alerts (for: cut to 1s) fire.
    await waitFor(
      'recorded health for every provider and a firing alert',
      async () =>
        (await prom.query('provider:ai_health:score')).length === catalog.providers.length &&
        (await prom.query(`ALERTS{alertstate="firing", alertname="TokenScopeModelErrorRatioHigh", model="${FLAKY.model}"}`)).length > 0,
      60_000,
      500,
    );
    await new Promise((r) => setTimeout(r, 4_000));
  }, 120_000);

  afterAll(async () => {
    if (feeder) clearInterval(feeder);
    await prom?.stop();
    for (const p of filtered.values()) await p.stop();
    await exporter?.stop();
  });

  it('the scenario covers every catalog provider', async () => {
    const seen = (await prom.query('sum by (provider) (ai_requests_total)')).map((s) => s.metric.provider);
    expect(seen.sort()).toEqual(catalog.providers.map((p) => p.slug).sort());
    expect(scenario.providers().sort()).toEqual(catalog.providers.map((p) => p.slug).sort());
    expect(await prom.value('sum(ai_unpriced_requests_total)')).toBeGreaterThan(0);
    expect(await prom.value('max(ai_circuit_breaker_state{provider="groq"})')).toBe(2);
  });

  it('every query (variables on All) parses, runs and returns data', async () => {
    const list = runs({ provider: varValue('All'), model: varValue('All'), team: varValue('All'), feature: varValue('All') });
    expect(list.length).toBeGreaterThanOrEqual(100);
    const parse = list.flatMap((r) => parseErrors(r.expr).map((e) => `${runKey(r)}: ${e}`));
    expect(parse).toEqual([]);
    const results = await executeAll(prom.url, list);
    const failures: string[] = [];
    const empty: string[] = [];
    for (const [r, res] of results) {
      if (res.error) failures.push(`${runKey(r)}: ${res.error}\n    ${r.expr}`);
      else if (res.finite === 0 && !(runKey(r) in MAY_BE_EMPTY)) empty.push(`${runKey(r)}\n    ${r.expr}`);
    }
    if (process.env.DASHBOARD_QUERY_REPORT) for (const [r, res] of results) console.log(`${res.finite}\t${res.last}\t${runKey(r)}`);
    expect(failures).toEqual([]);
    expect(empty).toEqual([]);
    // The allow-list names real queries, so it cannot go stale silently.
    for (const k of Object.keys(MAY_BE_EMPTY)) expect(list.map(runKey)).toContain(k);
  });

  it('every query runs with multi-value selections', async () => {
    const list = runs({
      provider: varValue(['openai', FLAKY.provider]),
      model: varValue(['gpt-4o', FLAKY.model]),
      team: varValue(['platform', 'search']),
      feature: varValue(['chat', 'search']),
    });
    const results = await executeAll(prom.url, list);
    const failures = [...results].filter(([, res]) => res.error).map(([r, res]) => `${runKey(r)}: ${res.error}\n    ${r.expr}`);
    expect(failures).toEqual([]);
  });

  it('the per-provider panels see every catalog provider', async () => {
    const grid = promPanels.find((p) => p.dashboard.uid === UID.executive && p.panel.title === 'Provider Health Grid')!;
    const [r] = runs({ provider: '.*', model: '.*', team: '.*', feature: '.*' }).filter((x) => x.p === grid);
    const result = await prom.query(r.expr);
    expect(result.map((s) => s.metric.provider).sort()).toEqual(catalog.providers.map((p) => p.slug).sort());
  });
  it('every query that applies a filter returns what it returns over data holding only that value', async () => {
    // Freeze the data: both sides then compare the same counters (a few scrapes later).
    clearInterval(feeder);
    feeder = undefined;
    await new Promise((r) => setTimeout(r, 4_000));
    const all = { provider: '.*', model: '.*', team: '.*', feature: '.*' };
    const time = Math.floor(Date.now() / 1000) - 1;
    const problems: string[] = [];
    let compared = 0;
    for (const [v, value] of Object.entries(FILTERED)) {
      const other = filtered.get(v)!;
      const set = runs({ ...all, [v]: value });
      const plain = runs(all);
      for (let i = 0; i < set.length; i++) {
        const r = set[i];
        if (!references(r.t.expr, v) || runKey(r) in FILTER_MAY_DIFFER) continue;
        const [a, b] = await Promise.all([prom.query(r.expr, time), other.query(plain[i].expr, time)]);
        const values = (res: typeof a) => new Map(res.map((x) => [JSON.stringify(Object.entries(x.metric).filter(([k]) => k !== '__name__').sort()), Number(x.value[1])]));
        const va = values(a);
        const vb = values(b);
        const label = `${v}=${value}: ${runKey(r)}`;
        // Rankings (topk) may swap near-ties between the two instances; elsewhere the series match.
        if (!/topk\(/.test(r.expr) && [...va.keys()].sort().join() !== [...vb.keys()].sort().join()) {
          problems.push(`${label}: series differ\n    filter set: ${[...va.keys()].join(' ')}\n    only-${value} data: ${[...vb.keys()].join(' ')}`);
          continue;
        }
        for (const [k, x] of va) {
          const y = vb.get(k);
          if (y === undefined) continue;
          compared++;
          const same = (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= TOLERANCE * Math.max(Math.abs(x), Math.abs(y)) + 1e-9;
          if (!same) problems.push(`${label} ${k}: ${x} with the filter set, ${y} over only-${value} data\n    ${r.expr}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(100);
    for (const k of Object.keys(FILTER_MAY_DIFFER)) expect(runs(all).map(runKey)).toContain(k);
    // One retry, at a later instant: the two Prometheus scrape the exporter's published checkpoint
    // at different moments, and on a loaded machine a 5m rate on one side can still include an
    // increase the other has not scraped yet. A real filter bug fails both attempts.
  }, { timeout: 120_000, retry: 1 });

  it('a "today" panel covers the UTC day so far: the raw query over now/d matches the recorded day-to-date spend', async () => {
    const p = promPanels.find((x) => x.dashboard.uid === UID.executive && x.panel.title === 'Cost Today')!;
    expect(p.panel.timeFrom).toBe('now/d');
    const t = p.targets[0];
    // Timeless: "today" is only comparable once the day holds a few scrapes. Within the first minutes
    // of a UTC day, ask about the end of the previous one (it holds the scenario's traffic) or, when
    // the scenario started too close to midnight for that, wait until the new day has some.
    let atMs = Date.now();
    const midnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
    if (atMs - midnight(atMs) < 180_000) {
      if (midnight(atMs) - startedMs >= 90_000) atMs = midnight(atMs) - 1000;
      else {
        await new Promise((r) => setTimeout(r, midnight(atMs) + 180_000 - atMs));
        atMs = Date.now();
      }
    }
    const context = { ...panelContext(p.dashboard, p.panel, { provider: '.*', model: '.*', team: '.*', feature: '.*' }, SCRAPE_SECONDS), rangeSeconds: relativeSeconds('now/d', atMs) };
    const time = Math.floor(atMs / 1000) - 1;
    const panel = await prom.value(expand(t.expr, context), time);
    const recorded = await prom.value('sum(provider:ai_cost_dollars:day_to_date)', time);
    expect(panel).toBeGreaterThan(0);
    expect(Math.abs(panel - recorded)).toBeLessThanOrEqual(0.2 * recorded);
  }, 240_000);
});
