// The usage API on the exporter's app, reading a real Prometheus that holds the backfilled log of
// test/report/fixture.ts: totals to the cent for several periods and breakdowns, the documented
// response shapes, token protection and a 400 naming the parameter for every bad query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../exporter/src/clock.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { DAY_MS, HOUR_MS } from '../../reader/src/report/periods.js';
import { createUsageApiRouter, disabledUsageApiRouter } from '../../reader/src/usage-api/router.js';
import { expected, INCIDENT_DAY, START, END, startFixture, type Expected, type Fixture } from '../report/fixture.js';
import { startExporter, type Harness } from '../server/helpers.js';

const TOKEN = 'usage-api-test-token';
const CENT = 0.005;
/** The API's clock: just after the log ends, so 7d and 30d cover known data. */
const NOW = END;

interface Amounts {
  tokens: number;
  cost: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number;
  currency: string;
}

function expectAmounts(got: Amounts, want: Expected | undefined, what: string): void {
  const w = want ?? { requests: 0, errors: 0, input: 0, output: 0, cached: 0, cost: 0 };
  expect({ tokens: got.tokens, requests: got.requests, input: got.inputTokens, output: got.outputTokens }, what).toEqual({ tokens: w.input + w.output, requests: w.requests, input: w.input, output: w.output });
  if (got.cachedTokens !== undefined) expect(got.cachedTokens, `${what} cached`).toBe(w.cached);
  expect(Math.abs(got.cost - w.cost), `${what} cost`).toBeLessThan(CENT);
  expect(got.currency).toBe('USD');
}

describe('usage API', () => {
  let f: Fixture;
  let api: Harness;
  let off: Harness;
  const get = async (path: string, token: string | null = TOKEN) => {
    const res = await fetch(`${api.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  beforeAll(async () => {
    f = await startFixture();
    const client = new PrometheusClient({ url: f.prom.url, timeoutMs: 20_000 });
    api = await startExporter({ usageApi: createUsageApiRouter({ client, catalog: f.catalog, token: TOKEN, clock: fixedClock(NOW) }) });
    off = await startExporter({ usageApi: disabledUsageApiRouter('no API token configured (--api-token-file or TOKENSCOPE_API_TOKEN)') });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await off?.close();
    await f?.stop();
  });

  it('summary: totals, counts and averages, equal to the log for 24h, 7d, 30d and a custom range', async () => {
    const cases: Array<[string, number, number]> = [
      ['range=24h', NOW - DAY_MS, NOW],
      ['period=7d', NOW - 7 * DAY_MS, NOW],
      ['range=30d', NOW - 30 * DAY_MS, NOW],
      ['period=custom&startDate=2026-10-28&endDate=2026-10-30', Date.UTC(2026, 9, 28), Date.UTC(2026, 9, 31)],
      ['period=custom&startDate=2026-11-02T01:00:00Z&endDate=2026-11-02T09:00:00%2B01:00', INCIDENT_DAY + HOUR_MS, INCIDENT_DAY + 8 * HOUR_MS],
    ];
    for (const [q, from, to] of cases) {
      const { status, body } = await get(`/api/usage/summary?${q}`);
      expect(status, q).toBe(200);
      const w = expected(f, from, to).get('total')!;
      expect(body).toMatchObject({ startDate: new Date(from).toISOString(), endDate: new Date(to).toISOString(), currency: 'USD', totalRequests: w.requests, errors: w.errors });
      expectAmounts({ ...body, tokens: body.totalTokens, cost: body.totalCost, requests: body.totalRequests }, w, q);
      expect(body.avgCostPerRequest).toBeCloseTo(body.totalCost / body.totalRequests, 12);
      expect(body.avgTokensPerRequest).toBeCloseTo(body.totalTokens / body.totalRequests, 9);
    }
  });

  it('breakdown by provider, project, model and team (with a model filter)', async () => {
    const from = NOW - 30 * DAY_MS;
    const providers = await get('/api/usage/breakdown?by=provider&range=30d');
    expect(providers.status).toBe(200);
    const byProvider = expected(f, from, NOW, (t) => t.provider);
    expect(providers.body.map((r: any) => r.provider).sort()).toEqual([...byProvider.keys()].sort());
    for (const r of providers.body) expectAmounts(r, byProvider.get(r.provider), r.provider);
    expect(providers.body.find((r: any) => r.provider === 'openai').providerName).toBe('OpenAI');
    expect(providers.body.map((r: any) => r.tokens)).toEqual([...providers.body.map((r: any) => r.tokens)].sort((a, b) => b - a));

    const projects = await get('/api/usage/breakdown?by=project&range=7d');
    expect(projects.status).toBe(200);
    const byProject = expected(f, NOW - 7 * DAY_MS, NOW, (t) => t.project);
    expect(projects.body.map((r: any) => r.projectName).sort()).toEqual([...byProject.keys()].sort());
    for (const r of projects.body) {
      expect(r).not.toHaveProperty('cachedTokens'); // ai_project_* has no cache counter
      expectAmounts(r, byProject.get(r.projectName), r.projectName);
    }

    const models = await get('/api/usage/breakdown?by=model&period=custom&startDate=2026-11-02&endDate=2026-11-02');
    expect(models.status).toBe(200);
    const byModel = expected(f, INCIDENT_DAY, INCIDENT_DAY + DAY_MS, (t) => `${t.provider}/${t.model}`);
    expect(models.body.length).toBe(byModel.size);
    for (const r of models.body) {
      expectAmounts(r, byModel.get(`${r.provider}/${r.model}`), r.model);
      expect(r.avgLatency).toBeGreaterThan(0.2); // truths' latencies are 0.2–20.2 s
      expect(r.avgLatency).toBeLessThan(20.2);
    }

    const teams = await get('/api/usage/breakdown?by=team&range=7d&models=gpt-4o,claude-sonnet-4-20250514&providers=openai,anthropic');
    expect(teams.status).toBe(200);
    const byTeam = expected(f, NOW - 7 * DAY_MS, NOW, (t) => (['gpt-4o', 'claude-sonnet-4-20250514'].includes(t.model) ? t.team : 'filtered out'));
    byTeam.delete('filtered out');
    expect(teams.body.map((r: any) => r.team).sort()).toEqual([...byTeam.keys()].sort());
    for (const r of teams.body) expectAmounts(r, byTeam.get(r.team), r.team);
  });

  it('timeseries per hour, day and ISO week: every point equals the log', async () => {
    const hourly = await get('/api/usage/timeseries?period=custom&startDate=2026-11-02&endDate=2026-11-02&groupBy=hour');
    expect(hourly.status).toBe(200);
    expect(hourly.body).toMatchObject({ groupBy: 'hour', currency: 'USD' });
    expect(hourly.body.timeSeries.length).toBe(24);
    hourly.body.timeSeries.forEach((p: any, i: number) => {
      const t = INCIDENT_DAY + i * HOUR_MS;
      expect(p.timestamp).toBe(new Date(t).toISOString());
      expectAmounts(p, expected(f, t, t + HOUR_MS).get('total'), `hour ${i}`);
    });

    // 7d ending 2026-11-03T00:00Z, default groupBy day: seven whole days.
    const daily = await get('/api/usage/timeseries?range=7d');
    expect(daily.status).toBe(200);
    expect(daily.body.groupBy).toBe('day');
    expect(daily.body.timeSeries.map((p: any) => p.timestamp)).toEqual(Array.from({ length: 7 }, (_, i) => new Date(NOW - (7 - i) * DAY_MS).toISOString()));
    for (const p of daily.body.timeSeries) expectAmounts(p, expected(f, Date.parse(p.timestamp), Date.parse(p.end)).get('total'), p.timestamp);

    const weekly = await get('/api/usage/timeseries?range=30d&groupBy=week&providers=anthropic');
    expect(weekly.status).toBe(200);
    const weeks = weekly.body.timeSeries;
    expect(weeks[0].timestamp).toBe(new Date(NOW - 30 * DAY_MS).toISOString()); // clipped first week
    expect(weeks.find((p: any) => p.timestamp === new Date(START).toISOString())).toBeDefined(); // Monday 2026-10-26
    for (const p of weeks) expectAmounts(p, expected(f, Date.parse(p.timestamp), Date.parse(p.end), (t) => (t.provider === 'anthropic' ? 'a' : 'other')).get('a'), p.timestamp);
  });

  it('refuses a missing or wrong token with 401, and says so when the API is disabled', async () => {
    for (const token of [null, 'wrong']) {
      const r = await get('/api/usage/summary?range=7d', token);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('unauthorized');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="tokenscope"/);
    }
    const res = await fetch(`${off.url}/api/usage/summary?range=7d`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'usage_api_disabled', message: 'the usage API is disabled: no API token configured (--api-token-file or TOKENSCOPE_API_TOKEN)' });
    // The exporter's other routes are untouched.
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${api.url}/api/other`)).status).toBe(404);
  });

  it('answers 400 naming the parameter for every bad query', async () => {
    const bad: Array<[string, string, RegExp]> = [
      ['/api/usage/summary?period=2d', 'period', /period: expected one of 1h, 24h, 7d, 30d, custom, got "2d"/],
      ['/api/usage/summary?range=7d&period=30d', 'range', /contradicts period "30d"/],
      ['/api/usage/summary?sessions=abc', 'sessions', /session ids are never Prometheus labels/],
      ['/api/usage/timeseries?range=24h&sessions=a,b', 'sessions', /Loki/],
      ['/api/usage/summary?range=7d&foo=1', 'foo', /unknown parameter "foo" for \/api\/usage\/summary; accepted: period, range, startDate, endDate, models, providers, sessions/],
      ['/api/usage/summary?range=7d&groupBy=day', 'groupBy', /unknown parameter "groupBy"/],
      ['/api/usage/summary?period=custom&startDate=2026-11-01', 'endDate', /endDate: required when period is custom/],
      ['/api/usage/summary?period=custom&endDate=2026-11-01', 'startDate', /startDate: required/],
      ['/api/usage/summary?range=7d&startDate=2026-11-01', 'startDate', /only used with period=custom/],
      ['/api/usage/summary?period=custom&startDate=2026-11-31&endDate=2026-12-01', 'startDate', /no such date/],
      ['/api/usage/summary?period=custom&startDate=2026-11-02T10:00&endDate=2026-12-01', 'startDate', /with a zone/],
      ['/api/usage/summary?period=custom&startDate=2026-11-02&endDate=2026-11-01', 'endDate', /must end after startDate/],
      ['/api/usage/summary?range=7d&models=', 'models', /models: expected a comma-separated list/],
      ['/api/usage/summary?range=7d&range=30d', 'range', /given 2 times/],
      ['/api/usage/breakdown?range=7d', 'by', /^by: required: one of provider, project, model, team, feature$/],
      ['/api/usage/breakdown?by=session', 'by', /got "session"/],
      ['/api/usage/breakdown?by=project&models=gpt-4o', 'models', /project usage \(ai_project_\*\) carries no model or provider label/],
      ['/api/usage/timeseries?range=30d&groupBy=minute', 'groupBy', /groupBy: expected one of hour, day, week/],
      ['/api/usage/timeseries?period=custom&startDate=2020-01-01&endDate=2026-11-01&groupBy=hour', 'groupBy', /buckets is more than 2000/],
    ];
    for (const [path, parameter, message] of bad) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ error: 'invalid_parameter', parameter });
      expect(r.body.message, path).toMatch(message);
    }
    const post = await fetch(`${api.url}/api/usage/summary`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
  });
});
