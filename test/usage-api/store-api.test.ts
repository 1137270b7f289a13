// The request-store half of the usage API (/api/usage/log, /sessions, /users/:pseudonym) on the
// exporter's app, reading a real request store (the SQLite file, and a real PostgreSQL started for
// the suite) holding the known rows of store-fixture.ts:
// totals to the cent for several ranges and filters, pages and sorts that concatenate to the whole
// sorted set, CSV equal to the JSON rows, erasure from every endpoint, 400s naming the parameter
// without echoing it, 401 without the token, 503 when the store fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../exporter/src/clock.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { LOG_SORT_COLUMNS, type RequestStore, type StoredRequest } from '../../exporter/src/request-store/types.js';
import { createUsageApiRouter } from '../../reader/src/usage-api/router.js';
import { createStoreApiRouter, storeDisabledRouter } from '../../reader/src/usage-api/store-router.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { realCatalog, startExporter, type Harness } from '../server/helpers.js';
import { DAY, expectedRow, HASH_KEY, makeRows, matches, NOW, sorted, sum, USERS, type Sum } from './store-fixture.js';

const TOKEN = 'store-api-test-token';
const CENT = 0.005;
/** Small export pages, so a CSV export of the fixture takes a dozen store queries. */
const EXPORT_PAGE = 50;

function expectSum(got: { requests: number; input: number; output: number; total: number; cost: number; unpriced: number }, want: Sum, what: string): void {
  expect({ requests: got.requests, input: got.input, output: got.output, total: got.total, unpriced: got.unpriced }, what).toEqual({
    requests: want.requests, input: want.input, output: want.output, total: want.total, unpriced: want.unpriced,
  });
  expect(Math.abs(got.cost - want.cost), `${what} cost`).toBeLessThan(CENT);
}

/** RFC 4180 (CRLF, doubled quotes), the way a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  expect(cell, 'the export ends with CRLF').toBe('');
  return rows;
}

let pgServer: PgServer | undefined;
let dbn = 0;
const BACKENDS: Record<'sqlite' | 'postgres', (dir: string) => Promise<RequestStore>> = {
  sqlite: async (dir) => new SqliteRequestStore(join(dir, `requests-${dbn++}.db`)),
  postgres: async () => {
    pgServer ??= await startPostgres();
    return PostgresRequestStore.open(await pgServer.createDatabase(`api_${dbn++}`));
  },
};
afterAll(async () => {
  await pgServer?.stop();
});

describe.each(['sqlite', 'postgres'] as const)('usage API over the %s request store', (backend) => {
  const rows = makeRows();
  let dir: string;
  let store: RequestStore;
  let broken: RequestStore;
  let api: Harness;
  let down: Harness;
  let off: Harness;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async (path: string, headers: Record<string, string> = auth, base = api.url) => {
    const res = await fetch(`${base}${path}`, { headers });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
    return { status: res.status, body: json as any, text, headers: res.headers };
  };
  const inRange = (fromMs: number, toMs: number, extra: Partial<Parameters<typeof matches>[1]> = {}) => rows.filter((r) => matches(r, { fromMs, toMs, ...extra }));
  /** Every page of a log query, concatenated. */
  const allPages = async (q: string, pageSize: number) => {
    const first = await get(`/api/usage/log?${q}&page_size=${pageSize}&page=1`);
    expect(first.status, q).toBe(200);
    const out = [...first.body.rows];
    for (let page = 2; page <= first.body.pages; page++) out.push(...(await get(`/api/usage/log?${q}&page_size=${pageSize}&page=${page}`)).body.rows);
    return { first: first.body, rows: out };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-store-api-'));
    store = await BACKENDS[backend](dir);
    broken = await BACKENDS[backend](dir);
    await broken.close(); // every query on it fails, like a store whose disk or server went away
    const catalog = realCatalog();
    const router = (s: RequestStore) => createStoreApiRouter({ store: s, catalog, token: TOKEN, clock: fixedClock(NOW), exportPageSize: EXPORT_PAGE });
    // The Prometheus half behind it, on a port nothing listens on: its paths still reach it.
    const prometheusHalf = createUsageApiRouter({ client: new PrometheusClient({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }), catalog, token: TOKEN, clock: fixedClock(NOW) });
    api = await startExporter({ usageStoreApi: router(store), usageApi: prometheusHalf });
    down = await startExporter({ usageStoreApi: router(broken) });
    off = await startExporter({ usageStoreApi: storeDisabledRouter(TOKEN, 'no request store configured; start the exporter with --store') });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await down?.close();
    await off?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the known rows once, however often they are ingested', async () => {
    expect(await store.insert(rows)).toBe(rows.length);
    // The same requests again, shuffled, some twice in one batch: a re-read file, a second replica.
    const again: StoredRequest[] = [...rows.slice(100), ...rows.slice(0, 300), ...rows.slice(0, 50)].reverse();
    expect(await store.insert(again)).toBe(0);
    const all = await get(`/api/usage/log?from=2026-01-01&page_size=1`);
    expect(all.body.total).toBe(rows.length - 2); // the two future rows are after now
  });

  it('log: totals equal the rows to the cent for 24h, 7d, 30d and custom ranges, with filters', async () => {
    const cases: Array<[string, number, number, Partial<Parameters<typeof matches>[1]>]> = [
      ['', NOW - DAY, NOW, {}],
      ['range=24h', NOW - DAY, NOW, {}],
      ['range=7d', NOW - 7 * DAY, NOW, {}],
      ['range=30d', NOW - 30 * DAY, NOW, {}],
      ['range=1h', NOW - 3_600_000, NOW, {}],
      ['from=2026-10-10&to=2026-10-20', Date.UTC(2026, 9, 10), Date.UTC(2026, 9, 21), {}],
      ['from=2026-10-31T10:00:00Z&to=2026-11-01T09:30:00%2B01:00', Date.UTC(2026, 9, 31, 10), Date.UTC(2026, 10, 1, 8, 30), {}],
      ['from=2026-11-01', Date.UTC(2026, 10, 1), NOW, {}],
      ['range=30d&provider=openai&provider=google', NOW - 30 * DAY, NOW, { provider: ['openai', 'google'] }],
      ['range=30d&model=gpt-4o,claude-sonnet-4-20250514&team=core', NOW - 30 * DAY, NOW, { model: ['gpt-4o', 'claude-sonnet-4-20250514'], team: ['core'] }],
      ['range=30d&project=search&feature=chat,summarize', NOW - 30 * DAY, NOW, { project: ['search'], feature: ['chat', 'summarize'] }],
      [`range=7d&user=${USERS[1]}`, NOW - 7 * DAY, NOW, { user: USERS[1] }],
    ];
    for (const [q, from, to, f] of cases) {
      const { status, body } = await get(`/api/usage/log?${q}`);
      expect(status, q).toBe(200);
      const want = inRange(from, to, f);
      if (q !== 'range=1h') expect(want.length, `${q} selects some rows`).toBeGreaterThan(0);
      expect(body, q).toMatchObject({ startDate: new Date(from).toISOString(), endDate: new Date(to).toISOString(), currency: 'USD', total: want.length, page: 1, page_size: 50 });
      expect(body.pages, q).toBe(Math.ceil(want.length / 50));
      expectSum(body.totals, sum(want), q);
      expect(body.rows, q).toEqual(sorted(want, 'time', 'desc').slice(0, 50).map(expectedRow));
    }
  });

  it('log: every sort and order pages stably: the pages concatenate to the whole sorted set, no row twice', async () => {
    const want = inRange(NOW - 30 * DAY, NOW);
    for (const sort of LOG_SORT_COLUMNS) {
      for (const order of ['asc', 'desc'] as const) {
        const { first, rows: got } = await allPages(`range=30d&sort=${sort}&order=${order}`, 37);
        expect(first).toMatchObject({ sort, order, total: want.length, pages: Math.ceil(want.length / 37) });
        expect(new Set(got.map((r) => r.date)).size, `${sort} ${order}: no row twice`).toBe(want.length);
        expect(got, `${sort} ${order}`).toEqual(sorted(want, sort, order).map(expectedRow));
      }
    }
    // A page past the end is empty, not an error.
    const past = await get('/api/usage/log?range=30d&page=1000');
    expect(past.status).toBe(200);
    expect(past.body.rows).toEqual([]);
  });

  it('log CSV: the export (format=csv or Accept: text/csv) equals the JSON rows, formulas neutralised', async () => {
    const q = 'range=30d&sort=cost&order=desc&provider=openai,anthropic';
    const json = await allPages(q, 500);
    const byFormat = await get(`/api/usage/log?${q}&format=csv`);
    const byAccept = await get(`/api/usage/log?${q}`, { ...auth, Accept: 'text/csv' });
    expect(byFormat.status).toBe(200);
    expect(byFormat.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(byFormat.headers.get('content-disposition')).toMatch(/^attachment; filename="tokenscope-usage-[\dT-]+Z\.csv"$/);
    expect(byAccept.text).toBe(byFormat.text);
    const [header, ...lines] = parseCsv(byFormat.text);
    expect(header).toEqual(['Date', 'Project', 'Provider', 'Model', 'Feature', 'Team', 'Input', 'Output', 'Total', 'Cost (USD)', 'Status']);
    expect(lines.length).toBe(json.rows.length);
    expect(lines.length).toBeGreaterThan(EXPORT_PAGE * 3); // several store pages were streamed
    lines.forEach((l, i) => {
      const r = json.rows[i];
      const project = r.project === null ? '' : /^[=+\-@]/.test(r.project) ? `'${r.project}` : r.project;
      expect(l.slice(0, 9), `line ${i}`).toEqual([r.date, project, r.provider, r.model, r.feature ?? '', r.team ?? '', String(r.input), String(r.output), String(r.total)]);
      if (r.cost === null) expect(l[9]).toBe('');
      else expect(Math.abs(Number(l[9]) - r.cost), `line ${i} cost`).toBeLessThan(1e-6);
      expect(l[10]).toBe(r.status);
    });
    expect(lines.some((l) => l[1] === `'=HYPERLINK("http://evil.example")`), 'a formula cell is prefixed').toBe(true);
    expect(byFormat.text).not.toMatch(/(^|,)=HYPERLINK/m);
    // The export's sum is the log's total.
    const csvCost = lines.reduce((a, l) => a + (l[9] === '' ? 0 : Number(l[9])), 0);
    expect(Math.abs(csvCost - json.first.totals.cost)).toBeLessThan(CENT);
  });

  it('sessions: per-session totals and the active-session count equal the rows, in every sort', async () => {
    const want = inRange(NOW - 7 * DAY, NOW).filter((r) => r.session !== undefined);
    const bySession = new Map<string, StoredRequest[]>();
    for (const r of want) bySession.set(r.session!, [...(bySession.get(r.session!) ?? []), r]);
    const first = await get('/api/usage/sessions?range=7d&page_size=5');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ sort: 'cost', order: 'desc', active_sessions: bySession.size, total: bySession.size, pages: Math.ceil(bySession.size / 5) });
    for (const sort of ['cost', 'requests', 'tokens', 'last'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const got: any[] = [];
        for (let page = 1; page <= first.body.pages; page++) got.push(...(await get(`/api/usage/sessions?range=7d&page_size=5&page=${page}&sort=${sort}&order=${order}`)).body.rows);
        expect(new Set(got.map((s) => s.session)).size, `${sort} ${order}`).toBe(bySession.size);
        const key = (s: any) => (sort === 'cost' ? s.cost : sort === 'requests' ? s.requests : sort === 'tokens' ? s.total : Date.parse(s.last));
        for (let i = 1; i < got.length; i++) expect((key(got[i]) - key(got[i - 1])) * (order === 'asc' ? 1 : -1), `${sort} ${order} at ${i}`).toBeGreaterThanOrEqual(0);
        for (const s of got) {
          const mine = bySession.get(s.session)!;
          expectSum(s, sum(mine), s.session);
          expect(s.first).toBe(new Date(Math.min(...mine.map((r) => r.timestampMs))).toISOString());
          expect(s.last).toBe(new Date(Math.max(...mine.map((r) => r.timestampMs))).toISOString());
        }
      }
    }
    const filtered = await get('/api/usage/sessions?range=30d&provider=anthropic&page_size=500');
    const anthropic = new Set(inRange(NOW - 30 * DAY, NOW, { provider: ['anthropic'] }).filter((r) => r.session).map((r) => r.session));
    expect(filtered.body.active_sessions).toBe(anthropic.size);
  });

  it('users/:pseudonym: totals, by model and by day equal the rows; unknown 404, malformed 400', async () => {
    const user = USERS[2];
    const want = inRange(NOW - 30 * DAY, NOW, { user });
    const r = await get(`/api/usage/users/${user}?range=30d`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user, period: '30d', currency: 'USD' });
    expectSum(r.body.totals, sum(want), 'user totals');
    const models = new Map<string, StoredRequest[]>();
    const days = new Map<string, StoredRequest[]>();
    for (const x of want) {
      models.set(`${x.provider}/${x.model}`, [...(models.get(`${x.provider}/${x.model}`) ?? []), x]);
      const day = new Date(x.timestampMs).toISOString().slice(0, 10);
      days.set(day, [...(days.get(day) ?? []), x]);
    }
    expect(r.body.byModel.length).toBe(models.size);
    for (const m of r.body.byModel) expectSum(m, sum(models.get(`${m.provider}/${m.model}`)!), m.model);
    expect(r.body.byModel.map((m: any) => m.cost)).toEqual([...r.body.byModel.map((m: any) => m.cost)].sort((a, b) => b - a));
    expect(r.body.byDay.map((d: any) => d.day)).toEqual([...days.keys()].sort());
    for (const d of r.body.byDay) expectSum(d, sum(days.get(d.day)!), d.day);

    const unknown = await get(`/api/usage/users/${pseudonymize(HASH_KEY, 'nobody')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_user');
    for (const bad of ['ABCDEF0123456789', 'abc', `${user}0`, 'alice@example.com']) {
      const b = await get(`/api/usage/users/${encodeURIComponent(bad)}`);
      expect(b.status, bad).toBe(400);
      expect(b.body).toMatchObject({ error: 'invalid_parameter', parameter: 'pseudonym' });
      expect(b.text).not.toContain(bad);
    }
  });

  it('answers 400 naming the parameter, never repeating its value', async () => {
    const S = 'SECRETVALUE';
    const bad: Array<[string, string, RegExp]> = [
      [`/api/usage/log?range=${S}`, 'range', /^range: expected one of 1h, 24h, 7d, 30d$/],
      [`/api/usage/log?from=${S}`, 'from', /from: expected YYYY-MM-DD/],
      ['/api/usage/log?from=2026-02-30', 'from', /from: no such date/],
      ['/api/usage/log?to=2026-11-01', 'from', /from: required with to/],
      ['/api/usage/log?range=7d&from=2026-11-01', 'range', /give range or from\/to, not both/],
      ['/api/usage/log?from=2026-11-02&to=2026-11-01', 'to', /must end after from/],
      ['/api/usage/log?page=0', 'page', /page: expected a page from 1/],
      [`/api/usage/log?page=${S}`, 'page', /page: expected a page, a whole number/],
      ['/api/usage/log?page_size=501', 'page_size', /page_size: expected a page size from 1 to 500/],
      [`/api/usage/log?sort=${S}`, 'sort', /sort: expected one of time, provider, project, model, feature, team, input, output, total, cost/],
      ['/api/usage/log?order=up', 'order', /order: expected one of asc, desc/],
      ['/api/usage/log?format=xml', 'format', /format: expected one of json, csv/],
      ['/api/usage/log?format=csv&page=2', 'page', /not used with CSV/],
      [`/api/usage/log?user=${S}`, 'user', /user: expected a pseudonym/],
      ['/api/usage/log?range=7d&range=30d', 'range', /given 2 times/],
      ['/api/usage/log?provider=', 'provider', /provider: expected one or more values/],
      [`/api/usage/log?providers=${S}`, 'providers', /unknown parameter "providers" for \/api\/usage\/log; accepted: range, from, to, provider, model, project, team, feature, page, page_size, order, sort, user, session, format/],
      [`/api/usage/sessions?sort=${S}`, 'sort', /sort: expected one of cost, requests, tokens, last/],
      [`/api/usage/sessions?format=csv`, 'format', /unknown parameter "format"/],
      [`/api/usage/users/${USERS[0]}?page=1`, 'page', /unknown parameter "page"/],
    ];
    for (const [path, parameter, message] of bad) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ error: 'invalid_parameter', parameter });
      expect(r.body.message, path).toMatch(message);
      expect(r.text, path).not.toContain(S);
    }
    const post = await fetch(`${api.url}/api/usage/log`, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a missing or wrong token with 401 on every endpoint, DELETE included, and deletes nothing', async () => {
    const before = await store.totals({ fromMs: 0, toMs: 8.64e15 });
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
      for (const path of ['/api/usage/log', '/api/usage/log?format=csv', '/api/usage/sessions', `/api/usage/users/${USERS[0]}`]) {
        const r = await get(path, headers);
        expect(r.status, path).toBe(401);
        expect(r.body.error).toBe('unauthorized');
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="tokenscope"/);
      }
      const del = await fetch(`${api.url}/api/usage/users/${USERS[0]}`, { method: 'DELETE', headers });
      expect(del.status).toBe(401);
      // The store's disabled answer is behind the token too.
      expect((await get('/api/usage/log', headers, off.url)).status).toBe(401);
    }
    expect(await store.totals({ fromMs: 0, toMs: 8.64e15 })).toEqual(before);
  });

  it('store failures answer 503 with a scrubbed message; no store configured answers 404 saying how to turn it on', async () => {
    for (const path of ['/api/usage/log?range=7d', '/api/usage/log?format=csv', '/api/usage/sessions', `/api/usage/users/${USERS[0]}`]) {
      const r = await get(path, auth, down.url);
      expect(r.status, path).toBe(503);
      expect(r.body.error).toBe('store_unavailable');
      expect(r.text).not.toContain(dir); // no file path
      expect(r.text).not.toMatch(/SELECT|database connection|pool/i); // no SQL, no driver text
      expect(r.text).not.toContain('127.0.0.1'); // no server address
    }
    const off404 = await get('/api/usage/sessions', auth, off.url);
    expect(off404.status).toBe(404);
    expect(off404.body).toEqual({ error: 'request_store_disabled', message: 'the usage log, sessions and per-user usage need the request store: no request store configured; start the exporter with --store' });
    // The Prometheus half still answers its own paths behind the store router (here: Prometheus is down).
    expect((await get('/api/usage/summary?range=7d')).status).toBe(502);
    expect((await get('/api/usage/nothing')).body.error).toBe('not_found');
  });

  // Last: it changes the store.
  it('DELETE users/:pseudonym erases that user everywhere and reports the rows deleted', async () => {
    const user = USERS[3];
    const ofUser = rows.filter((r) => r.user === user);
    const sessionsBefore = (await get('/api/usage/sessions?range=30d&page_size=500')).body;
    const del = await fetch(`${api.url}/api/usage/users/${user}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ user, deleted: ofUser.length });
    expect(ofUser.length).toBeGreaterThan(10);

    expect((await get(`/api/usage/users/${user}`)).status).toBe(404);
    const log = await get(`/api/usage/log?from=2026-01-01&user=${user}`);
    expect(log.body.total).toBe(0);
    const rest = rows.filter((r) => r.user !== user);
    const all = await get('/api/usage/log?range=30d');
    expectSum(all.body.totals, sum(rest.filter((r) => matches(r, { fromMs: NOW - 30 * DAY, toMs: NOW }))), 'after erasure');
    const csv = await get(`/api/usage/log?from=2026-01-01&format=csv`);
    expect(parseCsv(csv.text).length - 1).toBe(rest.length - 2);
    const sessionsAfter = (await get('/api/usage/sessions?range=30d&page_size=500')).body;
    const remaining = new Set(rest.filter((r) => r.session && matches(r, { fromMs: NOW - 30 * DAY, toMs: NOW })).map((r) => r.session));
    expect(sessionsAfter.active_sessions).toBe(remaining.size);
    // The erased user's sessions lost their cost (what is left of them is requests without a user).
    expect(sessionsAfter.rows.reduce((a: number, s: any) => a + s.cost, 0)).toBeLessThan(sessionsBefore.rows.reduce((a: number, s: any) => a + s.cost, 0) - 0.01);
    for (const s of sessionsAfter.rows) expectSum(s, sum(rest.filter((r) => r.session === s.session && matches(r, { fromMs: NOW - 30 * DAY, toMs: NOW }))), s.session);
    // Erasing again finds nothing: idempotent.
    const again = await fetch(`${api.url}/api/usage/users/${user}`, { method: 'DELETE', headers: auth });
    expect(await again.json()).toEqual({ user, deleted: 0 });
  });
});
