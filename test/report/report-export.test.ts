// `tokenscope report` and `tokenscope export` against a real Prometheus holding 8 backfilled days
// of a known log file: every total, table row and bucket equals what the file says, to the cent.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_PATH } from '../../catalog/src/load.js';
import { fixedClock } from '../../exporter/src/clock.js';
import { runExport, type ExportCommandOptions } from '../../exporter/src/cli/export-command.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { buildReport, type CostReport, type Totals } from '../../reader/src/report/build-report.js';
import { DAY_MS, HOUR_MS } from '../../reader/src/report/periods.js';
import { END, expected, INCIDENT_DAY, NOW, runCli, START, startFixture, type Expected, type Fixture } from './fixture.js';

// Stand-ins for the budget and savings recording rules (same names as prometheus/rules/*.yml, see
// rule-series.test.ts). Loaded so the report knows the rules are there; what they "recorded" at the
// tests' clock is RECORDED below, since Prometheus evaluates rules only at its own wall-clock time.
const STUB_RULES = `groups:
  - name: stub-budget-and-savings
    interval: 1s
    rules:
      - record: scope_name:ai_cost_dollars:month_end_projection
        expr: label_replace(label_replace(vector(40000), "scope", "total", "", ""), "name", "total", "", "")
      - record: scope_name:ai_cost_dollars:month_end_projection
        expr: label_replace(label_replace(vector(11000), "scope", "team", "", ""), "name", "search", "", "")
      - record: provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate
        expr: label_replace(label_replace(label_replace(label_replace(vector(321.5), "provider", "openai", "", ""), "model", "gpt-4o", "", ""), "feature", "chat", "", ""), "opportunity", "cheaper_model", "", "")
      - record: provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate
        expr: label_replace(label_replace(label_replace(label_replace(vector(12.25), "provider", "anthropic", "", ""), "model", "claude-sonnet-4-20250514", "", ""), "feature", "search", "", ""), "opportunity", "prompt_caching", "", "")
`;

/** The stub rules' values as samples over the two minutes up to NOW (none at the end of the log). */
const RECORDED = (() => {
  const series: Array<[string, string, number]> = [
    ['scope_name:ai_cost_dollars:month_end_projection', 'scope="total",name="total"', 40000],
    ['scope_name:ai_cost_dollars:month_end_projection', 'scope="team",name="search"', 11000],
    ['provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate', 'provider="openai",model="gpt-4o",feature="chat",opportunity="cheaper_model"', 321.5],
    ['provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate', 'provider="anthropic",model="claude-sonnet-4-20250514",feature="search",opportunity="prompt_caching"', 12.25],
  ];
  const lines: string[] = [];
  for (const name of new Set(series.map((s) => s[0]))) {
    lines.push(`# TYPE ${name} gauge`);
    for (const [n, labels, v] of series) if (n === name) for (let t = NOW - 120_000; t <= NOW; t += 15_000) lines.push(`${name}{${labels}} ${v} ${t / 1000}`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
})();

const CENT = 0.005;

function expectTotals(got: Pick<Totals, 'requests' | 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'cost'> & { errors?: number }, want: Expected | undefined, what: string): void {
  const w = want ?? { requests: 0, errors: 0, input: 0, output: 0, cached: 0, cost: 0 };
  expect({ requests: got.requests, input: got.inputTokens, output: got.outputTokens, cached: got.cachedTokens }, what).toEqual({ requests: w.requests, input: w.input, output: w.output, cached: w.cached });
  if (got.errors !== undefined) expect(got.errors, `${what} errors`).toBe(w.errors);
  expect(Math.abs(got.cost - w.cost), `${what} cost ${got.cost} vs ${w.cost}`).toBeLessThan(CENT);
}

describe('report and export from a backfilled Prometheus', () => {
  let f: Fixture;
  let client: PrometheusClient;
  beforeAll(async () => {
    f = await startFixture({ ruleFile: STUB_RULES, openMetrics: RECORDED });
    client = new PrometheusClient({ url: f.prom.url, timeoutMs: 20_000 });
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('daily: totals, every table and the previous day equal the log to the cent; the incidents are anomalies', async () => {
    const r = runCli(['report', '--period', 'daily', '--at', '2026-11-02', '--format', 'json', '--prometheus', f.prom.url]);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as CostReport;
    const day = [INCIDENT_DAY, INCIDENT_DAY + DAY_MS] as const;
    expect(rep.period).toMatchObject({ type: 'daily', label: '2026-11-02', start: '2026-11-02T00:00:00.000Z', end: '2026-11-03T00:00:00.000Z', inProgress: false });
    expectTotals(rep.totals, expected(f, ...day).get('total'), 'total');
    expectTotals(rep.previousTotals, expected(f, day[0] - DAY_MS, day[0]).get('total'), 'previous day');
    const tables: Array<[keyof CostReport, (t: (typeof f.truths)[number]) => string, (g: Record<string, string>) => string]> = [
      ['byModel', (t) => `${t.provider}/${t.model}`, (g) => `${g.provider}/${g.model}`],
      ['byProvider', (t) => t.provider, (g) => g.provider],
      ['byTeam', (t) => t.team, (g) => g.team],
      ['byFeature', (t) => t.feature, (g) => g.feature],
    ];
    for (const [name, key, rowKey] of tables) {
      const want = expected(f, ...day, key);
      const rows = rep[name] as CostReport['byModel'];
      expect(rows.map((x) => rowKey(x.group)).sort(), name).toEqual([...want.keys()].sort());
      for (const row of rows) expectTotals(row, want.get(rowKey(row.group)), `${name} ${rowKey(row.group)}`);
      expect(rows.reduce((s, x) => s + x.costShare, 0)).toBeCloseTo(1, 9);
    }
    expect(rep.byModel[0].group).toEqual({ provider: 'openai', model: 'gpt-4o' }); // the spike dominates
    expect(rep.anomalies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: 'model', name: 'openai/gpt-4o', metric: 'cost', direction: 'up' }),
        expect.objectContaining({ scope: 'model', name: 'openai/gpt-4o', metric: 'requests', direction: 'up' }),
        expect.objectContaining({ scope: 'model', name: 'anthropic/claude-3-5-haiku-20241022', metric: 'error_rate', direction: 'up' }),
        expect.objectContaining({ scope: 'provider', name: 'openai', metric: 'cost' }),
      ]),
    );
    // Ordinary day-to-day noise is not an anomaly: only the injected incidents' models and providers.
    expect(new Set(rep.anomalies.map((a) => a.name))).toEqual(new Set(['openai/gpt-4o', 'openai', 'anthropic/claude-3-5-haiku-20241022', 'anthropic']));
    // Budgets: exact month-to-date spend (November so far = Nov 1 and 2), projection per the rules.
    const mtd = expected(f, Date.UTC(2026, 10, 1), day[1]).get('total')!;
    expect(Math.abs(rep.budgets.rows.find((b) => b.scope === 'total')!.spent - mtd.cost)).toBeLessThan(CENT);
    const searchTeam = expected(f, Date.UTC(2026, 10, 1), day[1], (t) => t.team).get('search')!;
    expect(Math.abs(rep.budgets.rows.find((b) => b.scope === 'team' && b.name === 'search')!.spent - searchTeam.cost)).toBeLessThan(CENT);
    expect(rep.budgets.projection).toEqual({ available: false, reason: expect.stringMatching(/recorded no projection at 2026-11-03T00:00:00.000Z/) });
    expect(rep.savings).toEqual({ available: true, asOf: '2026-11-03T00:00:00.000Z', items: [], totalMonthly: 0 });
  });

  it('weekly and monthly totals, and consecutive days adding up to the whole file', async () => {
    const clock = fixedClock(NOW);
    const week = await buildReport({ client, catalog: f.catalog, clock, period: 'weekly', at: '2026-10-28' });
    expect(week.period.label).toBe('2026-W44 (2026-10-26 to 2026-11-01)');
    expectTotals(week.totals, expected(f, START, START + 7 * DAY_MS).get('total'), 'week 44');
    expectTotals(week.previousTotals, undefined, 'week 43 (before the log)');
    for (const row of week.byModel) expectTotals(row, expected(f, START, START + 7 * DAY_MS, (t) => `${t.provider}/${t.model}`).get(`${row.group.provider}/${row.group.model}`), `W44 ${row.group.model}`);

    const october = await buildReport({ client, catalog: f.catalog, clock, period: 'monthly', at: '2026-10' });
    expectTotals(october.totals, expected(f, Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1)).get('total'), 'October');
    const november = await buildReport({ client, catalog: f.catalog, clock, period: 'monthly', at: '2026-11-15' });
    expectTotals(november.totals, expected(f, Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)).get('total'), 'November');
    // November is in progress at NOW (2026-11-03T06:00Z): reported up to NOW and compared with the
    // same elapsed part of October.
    expect(november.period).toMatchObject({ inProgress: true, end: new Date(NOW).toISOString() });
    const octoberPart = Date.UTC(2026, 9, 1) + (NOW - Date.UTC(2026, 10, 1));
    expect(november.previousPeriod.end).toBe('2026-10-03T06:00:00.000Z');
    expectTotals(november.previousTotals, expected(f, Date.UTC(2026, 9, 1), octoberPart).get('total'), 'November\'s previous period');

    let sum = { requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cost: 0, errors: 0 };
    for (let d = START; d < END; d += DAY_MS) {
      const r = await buildReport({ client, catalog: f.catalog, clock, period: 'daily', at: new Date(d).toISOString().slice(0, 10) });
      sum = { requests: sum.requests + r.totals.requests, inputTokens: sum.inputTokens + r.totals.inputTokens, outputTokens: sum.outputTokens + r.totals.outputTokens, cachedTokens: sum.cachedTokens + r.totals.cachedTokens, cost: sum.cost + r.totals.cost, errors: sum.errors + r.totals.errors };
    }
    expectTotals(sum, expected(f, START, END).get('total'), 'sum of the 8 daily reports');
  }, 60_000);

  it('Markdown and CSV carry the same numbers; costs are in the display currency', () => {
    const md = runCli(['report', '--period', 'daily', '--at', '2026-11-02', '--prometheus', f.prom.url]);
    expect(md.status, md.stderr).toBe(0);
    const want = expected(f, INCIDENT_DAY, INCIDENT_DAY + DAY_MS).get('total')!;
    expect(md.stdout).toContain('# Daily LLM cost report: 2026-11-02');
    expect(md.stdout).toContain(`**Total cost: ${want.cost.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD**`);
    expect(md.stdout).toMatch(/\| gpt-4o \| openai \| 4\d\d \|/);
    expect(md.stdout).toContain('Forecast not available: the rules recorded no projection at 2026-11-03T00:00:00.000Z');
    expect(md.stdout).toMatch(/- \*\*anthropic\/claude-3-5-haiku-20241022\*\* \(model\): error rate up: \d+\.\d % → \d+\.\d %/);

    const csv = runCli(['report', '--period', 'daily', '--at', '2026-11-02', '--format', 'csv'], { PROMETHEUS_URL: f.prom.url });
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,name,requests,errors,input_tokens,output_tokens,cached_tokens,cost,cost_share,budget,projected,currency,period_start,period_end');
    const total = lines[1].split(',');
    expect(total.slice(0, 7)).toEqual(['total', 'total', String(want.requests), String(want.errors), String(want.input), String(want.output), String(want.cached)]);
    expect(Math.abs(Number(total[7]) - want.cost)).toBeLessThan(CENT);

    // EUR at 0.9 per dollar: every amount × 0.9, labelled EUR.
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-eur-'));
    const eur = join(dir, 'catalog.yaml');
    writeFileSync(eur, readFileSync(DEFAULT_CATALOG_PATH, 'utf8').replace(/currency:\n  display: USD\n  usd_rate: 1/, 'currency:\n  display: EUR\n  usd_rate: 0.9'));
    const j = runCli(['report', '--period', 'daily', '--at', '2026-11-02', '--format', 'json', '--catalog', eur, '--prometheus', f.prom.url]);
    expect(j.status, j.stderr).toBe(0);
    const rep = JSON.parse(j.stdout) as CostReport;
    expect(rep.currency).toEqual({ code: 'EUR', usdRate: 0.9 });
    expect(Math.abs(rep.totals.cost - want.cost * 0.9)).toBeLessThan(CENT);
    expect(Math.abs(rep.budgets.rows[0].budget - 50000 * 0.9)).toBeLessThan(CENT);
  });

  it('an in-progress period reads the budget projection and the savings from the recording rules', async () => {
    // "Today" on the fixture's clock: 2026-11-03, six hours in, after the log's last event.
    const r = runCli(['report', '--period', 'daily', '--at', new Date(NOW).toISOString().slice(0, 10), '--prometheus', f.prom.url]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('**period in progress: figures up to the end time only**');
    // November so far holds the log's November days; the projections are the stub rules' values.
    const nov = (key: (t: Fixture['truths'][number]) => string, k: string) => expected(f, Date.UTC(2026, 10, 1), END, key).get(k)!.cost;
    const total = nov(() => 'total', 'total');
    const search = nov((t) => t.team, 'search');
    const money = (n: number) => n.toFixed(2);
    expect(r.stdout).toContain(`| total | 50000.00 | ${money(total)} | ${((total / 50000) * 100).toFixed(1)} % | 40000.00 | 80.0 % *warning* |`);
    expect(r.stdout).toContain(`| team search | 10000.00 | ${money(search)} | ${((search / 10000) * 100).toFixed(1)} % | 11000.00 | 110.0 % **over** |`);
    expect(r.stdout).toContain('| team research | 12000.00 | 0.00 | 0.0 % | n/a | n/a |');
    expect(r.stdout).toContain('1. **321.50 USD/month**: openai/gpt-4o, feature chat: route to the cheapest model of the same family (upper bound)');
    expect(r.stdout).toContain('2. **12.25 USD/month**: anthropic/claude-sonnet-4-20250514, feature search: use the prompt cache');
    expect(r.stdout).not.toContain('Forecast not available');
  });

  describe('export', () => {
    it('per day and model as CSV: every row equals the log', () => {
      const r = runCli(['export', '--from', '2026-10-26', '--to', '2026-11-02', '--group-by', 'day', '--by', 'model,provider', '--prometheus', f.prom.url]);
      expect(r.status, r.stderr).toBe(0);
      const [header, ...rows] = r.stdout.trimEnd().split('\r\n').map((l) => l.split(','));
      expect(header).toEqual(['bucket_start', 'bucket_end', 'model', 'provider', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'currency']);
      const want = new Map<string, Expected>();
      for (let d = START; d < END; d += DAY_MS) {
        for (const [k, v] of expected(f, d, d + DAY_MS, (t) => `${t.model},${t.provider}`)) want.set(`${new Date(d).toISOString()},${k}`, v);
      }
      expect(rows.length).toBe(want.size);
      for (const row of rows) {
        const w = want.get(`${row[0]},${row[2]},${row[3]}`);
        expect(w, row.join(',')).toBeDefined();
        expect(row.slice(4, 8).map(Number)).toEqual([w!.requests, w!.input, w!.output, w!.cached]);
        expect(Math.abs(Number(row[8]) - w!.cost)).toBeLessThan(CENT);
        expect(row[9]).toBe('USD');
      }
    });

    it('per hour as JSON, including empty hours; per ISO week by team and feature; per project; with a provider filter', () => {
      const hourly = runCli(['export', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-02T12:00:00Z', '--group-by', 'hour', '--format', 'json', '--prometheus', f.prom.url]);
      expect(hourly.status, hourly.stderr).toBe(0);
      const h = JSON.parse(hourly.stdout) as { rows: Array<Record<string, number | string>> };
      expect(h.rows.length).toBe(12);
      h.rows.forEach((row, i) => {
        const w = expected(f, INCIDENT_DAY + i * HOUR_MS, INCIDENT_DAY + (i + 1) * HOUR_MS).get('total');
        expectTotals({ requests: row.requests as number, inputTokens: row.input_tokens as number, outputTokens: row.output_tokens as number, cachedTokens: row.cached_tokens as number, cost: row.cost as number }, w, `hour ${i}`);
      });

      // 2026-10-26 is a Monday: week 1 is Oct 26–Nov 2, week 2 the rest of the log.
      const weekly = runCli(['export', '--from', '2026-10-26', '--to', '2026-11-08', '--group-by', 'week', '--by', 'team,feature', '--format', 'json', '--prometheus', f.prom.url]);
      expect(weekly.status, weekly.stderr).toBe(0);
      const w = JSON.parse(weekly.stdout) as { rows: Array<Record<string, number | string>> };
      expect(new Set(w.rows.map((r) => r.bucket_start))).toEqual(new Set(['2026-10-26T00:00:00.000Z', '2026-11-02T00:00:00.000Z']));
      for (const row of w.rows) {
        const start = Date.parse(row.bucket_start as string);
        const want = expected(f, start, start + 7 * DAY_MS, (t) => `${t.team}/${t.feature}`).get(`${row.team}/${row.feature}`);
        expectTotals({ requests: row.requests as number, inputTokens: row.input_tokens as number, outputTokens: row.output_tokens as number, cachedTokens: row.cached_tokens as number, cost: row.cost as number }, want, `week ${row.bucket_start} ${row.team}/${row.feature}`);
      }

      const projects = runCli(['export', '--from', '2026-10-26', '--to', '2026-11-02', '--group-by', 'week', '--by', 'project', '--format', 'json', '--prometheus', f.prom.url]);
      expect(projects.status, projects.stderr).toBe(0);
      const p = JSON.parse(projects.stdout) as { rows: Array<Record<string, number | string | null>> };
      for (const row of p.rows) {
        const start = Date.parse(row.bucket_start as string);
        const want = expected(f, start, start + 7 * DAY_MS, (t) => t.project).get(row.project as string)!;
        expect([row.requests, row.input_tokens, row.output_tokens, row.cached_tokens]).toEqual([want.requests, want.input, want.output, null]);
        expect(Math.abs((row.cost as number) - want.cost)).toBeLessThan(CENT);
      }

      const openai = runCli(['export', '--from', '2026-11-01', '--to', '2026-11-02', '--group-by', 'day', '--providers', 'openai', '--by', 'model', '--format', 'json', '--prometheus', f.prom.url]);
      expect(openai.status, openai.stderr).toBe(0);
      const o = JSON.parse(openai.stdout) as { rows: Array<Record<string, number | string>> };
      expect(new Set(o.rows.map((r) => r.model))).toEqual(new Set(['gpt-4o', 'gpt-4o-mini']));
      const day2 = o.rows.filter((r) => r.bucket_start === '2026-11-02T00:00:00.000Z');
      for (const row of day2) {
        const want = expected(f, INCIDENT_DAY, INCIDENT_DAY + DAY_MS, (t) => t.model).get(row.model as string);
        expectTotals({ requests: row.requests as number, inputTokens: row.input_tokens as number, outputTokens: row.output_tokens as number, cachedTokens: row.cached_tokens as number, cost: row.cost as number }, want, `openai ${row.model}`);
      }
    });

    it('rejects bad arguments with the option named, before asking Prometheus', async () => {
      const base = { groupBy: 'day', format: 'csv', prometheus: f.prom.url, timeout: 5 };
      const bad = (args: Partial<ExportCommandOptions>, msg: RegExp) => expect(runExport({ ...base, from: '2026-11-01', to: '2026-11-02', ...args })).rejects.toThrow(msg);
      await bad({ from: '2026-11-02', to: '2026-11-01' }, /--to \(2026-11-01\) must be after --from/);
      await bad({ by: 'session' }, /--by: expected a comma list of provider, model, feature, team, project, got "session"/);
      await bad({ by: 'project,model' }, /project usage is recorded per project only/);
      await bad({ by: 'project', providers: 'openai' }, /project usage \(ai_project_\*\) carries no model or provider label/);
      await bad({ groupBy: 'month' }, /--group-by must be one of hour, day, week/);
      await bad({ from: 'yesterday' }, /--from: expected YYYY-MM-DD or an ISO date-time/);
      await bad({ from: '2020-01-01', groupBy: 'hour' }, /buckets is more than 10000/);
      // Through the CLI: exit status 1, the message on stderr, nothing on stdout.
      const r = runCli(['export', '--from', '2026-11-01', '--to', '2026-11-02', '--format', 'xlsx', '--prometheus', f.prom.url]);
      expect([r.status, r.stdout]).toEqual([1, '']);
      expect(r.stderr).toBe('tokenscope: --format must be csv or json, got "xlsx"\n');
    });
  });
});
