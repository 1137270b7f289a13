// One contract, both backends: the embedded SQLite file and a real PostgreSQL started for the
// suite. Every query is checked against a reference computed here from the rows themselves, and
// the two backends against each other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { LOG_SORT_COLUMNS, type RequestFilter, type RequestStore, type SessionQuery, type StoredRequest } from '../../exporter/src/request-store/types.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { HOUR, T0, makeRows, matches, referenceSort, referenceTotals } from './fixture.js';

const ROWS = makeRows(600);
const ALL: RequestFilter = { fromMs: T0 - HOUR, toMs: T0 + 100 * HOUR };

interface Backend {
  name: 'sqlite' | 'sqlite-thread' | 'postgres';
  open(): Promise<RequestStore & { appliedMigrations(): number[] | Promise<number[]> }>;
}

let pgServer: PgServer | undefined;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-store-contract-'));
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let dbn = 0;
const backends: Backend[] = [
  { name: 'sqlite', open: async () => new SqliteRequestStore(join(dir, `s${dbn++}.db`)) },
  { name: 'sqlite-thread', open: async () => new SqliteRequestStore(join(dir, `t${dbn++}.db`), { insertThread: true }) },
  { name: 'postgres', open: async () => PostgresRequestStore.open(await pgServer!.createDatabase(`c${dbn++}`)) },
];

/** Every page of a query, concatenated. */
async function allPages(s: RequestStore, q: Omit<Parameters<RequestStore['log']>[0], 'page' | 'pageSize'>, pageSize: number) {
  const keys: string[] = [];
  let total = -1;
  for (let page = 1; ; page++) {
    const p = await s.log({ ...q, page, pageSize });
    total = p.total;
    keys.push(...p.rows.map((r) => r.key));
    if (p.rows.length < pageSize) break;
  }
  return { keys, total };
}

function group(rows: StoredRequest[], by: (r: StoredRequest) => string | undefined) {
  const m = new Map<string, StoredRequest[]>();
  for (const r of rows) {
    const k = by(r);
    if (k === undefined) continue;
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

describe.each(backends)('request store contract: $name', (b) => {
  let s: Awaited<ReturnType<Backend['open']>>;
  beforeAll(async () => {
    s = await b.open();
    // In batches, as the writer does; the last batch repeats rows of the first.
    expect(await s.insert(ROWS.slice(0, 250))).toBe(250);
    expect(await s.insert([...ROWS.slice(250), ...ROWS.slice(0, 10)])).toBe(ROWS.length - 250);
  }, 60_000);
  afterAll(async () => s?.close());

  it('is idempotent on the key: a batch seen before stores nothing, a duplicate inside a batch is stored once', async () => {
    expect(await s.insert(ROWS)).toBe(0);
    const extra: StoredRequest = { ...ROWS[0], key: 'id:only-once', timestampMs: T0 + 99 * HOUR, user: 'only-once-user' };
    expect(await s.insert([extra, extra, { ...extra, costUsd: 5 }])).toBe(1);
    const t = await s.totals({ fromMs: T0 + 99 * HOUR, toMs: T0 + 100 * HOUR });
    expect(t.requests).toBe(1);
    expect(t.costUsd).toBe(extra.costUsd); // the first row with the key wins, a later one changes nothing
    expect(await s.eraseUser('nobody-has-this')).toBe(0);
    await s.deleteBefore(T0 - 2 * HOUR);
    expect((await s.log({ ...ALL, page: 1, pageSize: 1, sort: 'time', order: 'asc' })).total).toBe(ROWS.length + 1);
    // Put the table back to the fixture for the next tests.
    expect(await s.eraseUser('only-once-user')).toBe(1);
  });

  it('returns rows as they were written', async () => {
    const p = await s.log({ ...ALL, page: 1, pageSize: ROWS.length, sort: 'time', order: 'asc' });
    const byKey = new Map(p.rows.map((r) => [r.key, r]));
    for (const r of ROWS) expect(byKey.get(r.key)).toEqual(r);
  });

  it('stores any text as data: quotes, backslashes, braces, commas, "NULL", empty strings', async () => {
    const odd = ['say "hi"', 'back\\slash', '{a,b}', 'NULL', '', 'tab\there', '中文 ☃', "it's", '\\"'];
    const rows: StoredRequest[] = odd.map((v, i) => ({
      ...ROWS[i], key: `id:odd-${v}-${i}`, requestId: v, timestampMs: T0 + 98 * HOUR, provider: v, model: `${v}m`, project: v, team: v, feature: v, user: 'odd-user', errorType: v,
    }));
    expect(await s.insert(rows)).toBe(rows.length);
    const got = await s.log({ fromMs: T0 + 98 * HOUR, toMs: T0 + 99 * HOUR, page: 1, pageSize: 50, sort: 'time', order: 'asc' });
    expect(new Map(got.rows.map((r) => [r.key, r]))).toEqual(new Map(rows.map((r) => [r.key, r])));
    expect((await s.totals({ fromMs: T0, toMs: T0 + 100 * HOUR, project: [''] })).requests).toBe(1);
    expect(await s.eraseUser('odd-user')).toBe(rows.length);
  });

  it.each(LOG_SORT_COLUMNS.flatMap((c) => [[c, 'asc'], [c, 'desc']] as const))('pages sorted by %s %s: stable, ties broken by key, no row twice', async (sort, order) => {
    const want = referenceSort(ROWS, sort, order).map((r) => r.key);
    const got = await allPages(s, { ...ALL, sort, order }, 37);
    expect(got.total).toBe(ROWS.length);
    expect(got.keys).toEqual(want);
  });

  const filters: Array<[string, RequestFilter]> = [
    ['a time range (half-open)', { fromMs: T0 + 5 * HOUR, toMs: T0 + 9 * HOUR }],
    ['providers', { ...ALL, provider: ['openai', 'über'] }],
    ['model and project', { ...ALL, model: ['gpt-4o'], project: ['search'] }],
    ['team and feature', { ...ALL, team: ['core'], feature: ['chat', 'summarise'] }],
    ['a user', { ...ALL, user: ROWS.find((r) => r.user)!.user }],
    ['a session in a range', { fromMs: T0, toMs: T0 + 24 * HOUR, session: ROWS.find((r) => r.session)!.session }],
    ['an API key', { ...ALL, apiKey: ROWS.find((r) => r.apiKey)!.apiKey }],
    ['an empty list', { ...ALL, provider: [] }],
  ];

  it.each(filters)('filters by %s, and totals it to the nano-dollar', async (_name, f) => {
    const want = ROWS.filter((r) => matches(r, f));
    const got = await allPages(s, { ...f, sort: 'cost', order: 'desc' }, 50);
    expect(got.total).toBe(want.length);
    expect(got.keys).toEqual(referenceSort(want, 'cost', 'desc').map((r) => r.key));
    const t = await s.totals(f);
    expect(t).toEqual(referenceTotals(want));
    // And to the cent against a plain float sum of the rows' costs.
    expect(Math.round(t.costUsd * 100)).toBe(Math.round(want.reduce((a, r) => a + r.costUsd, 0) * 100));
  });

  it('the range is half-open: a row at fromMs is in, a row at toMs is out', async () => {
    const at = ROWS[5].timestampMs;
    const inAt = ROWS.filter((r) => r.timestampMs === at).length;
    expect(inAt).toBeGreaterThan(0);
    expect((await s.totals({ fromMs: at, toMs: at + 1 })).requests).toBe(inAt);
    expect((await s.totals({ fromMs: at - HOUR, toMs: at })).requests).toBe(ROWS.filter((r) => r.timestampMs === at - HOUR).length);
  });

  it.each(['cost', 'requests', 'tokens', 'last'] as const)('sessions sorted by %s: per-session totals, pages, count', async (sort) => {
    const f = { fromMs: T0, toMs: T0 + 40 * HOUR, provider: ['openai', 'anthropic', 'google'] };
    const groups = group(ROWS.filter((r) => matches(r, f)), (r) => r.session);
    const ref = [...groups].map(([session, rs]) => ({
      session,
      ...referenceTotals(rs),
      tokens: rs.reduce((a, r) => a + r.inputTokens + r.outputTokens, 0),
      firstMs: Math.min(...rs.map((r) => r.timestampMs)),
      lastMs: Math.max(...rs.map((r) => r.timestampMs)),
    }));
    const val = (x: (typeof ref)[number]) => (sort === 'cost' ? Math.round(x.costUsd * 1e9) : sort === 'requests' ? x.requests : sort === 'tokens' ? x.tokens : x.lastMs);
    ref.sort((a, b) => val(b) - val(a) || (a.session < b.session ? 1 : -1));
    const got: unknown[] = [];
    let total = 0;
    for (let page = 1; page <= 10; page++) {
      const q: SessionQuery = { ...f, page, pageSize: 4, sort, order: 'desc' };
      const r = await s.sessions(q);
      total = r.total;
      got.push(...r.rows);
      if (r.rows.length < 4) break;
    }
    expect(total).toBe(ref.length);
    expect(got).toEqual(ref.map(({ tokens: _t, ...rest }) => rest));
  });

  it.each(['user', 'apiKey'] as const)('subjects by %s: one total per pseudonym with a request in the range', async (kind) => {
    const f = { fromMs: T0 + 2 * HOUR, toMs: T0 + 30 * HOUR };
    const groups = group(ROWS.filter((r) => matches(r, f)), (r) => (kind === 'user' ? r.user : r.apiKey));
    const got = await s.subjects(kind, f.fromMs, f.toMs);
    expect(got.length).toBe(groups.size);
    for (const g of got) expect(g).toEqual({ subject: g.subject, ...referenceTotals(groups.get(g.subject)!) });
    // Most expensive first.
    for (let i = 1; i < got.length; i++) expect(got[i - 1].costUsd).toBeGreaterThanOrEqual(got[i].costUsd);
  });

  it('rejects bad queries naming the field, never running them', async () => {
    await expect(s.log({ ...ALL, page: 0, pageSize: 10, sort: 'time', order: 'asc' })).rejects.toThrow(/page must be/);
    await expect(s.log({ ...ALL, page: 1, pageSize: 10, sort: 'time; DROP TABLE requests' as never, order: 'asc' })).rejects.toThrow(/sort must be/);
    await expect(s.log({ ...ALL, page: 1, pageSize: 10, sort: 'time', order: 'sideways' as never })).rejects.toThrow(/order must be/);
    await expect(s.totals({ fromMs: Number.NaN, toMs: 1 })).rejects.toThrow(/fromMs and toMs/);
    // A value is a bound parameter: quotes in it are data.
    expect((await s.totals({ ...ALL, provider: ["openai' OR '1'='1"] })).requests).toBe(0);
  });

  it('erases a user: every row of the pseudonym and nothing else', async () => {
    const victim = ROWS.find((r) => r.user)!.user!;
    const n = ROWS.filter((r) => r.user === victim).length;
    expect(await s.eraseUser(victim)).toBe(n);
    expect((await s.totals({ ...ALL, user: victim })).requests).toBe(0);
    expect((await s.totals(ALL)).requests).toBe(ROWS.length - n);
    expect(await s.eraseUser(victim)).toBe(0);
    await s.insert(ROWS.filter((r) => r.user === victim)); // back, for the tests after this one
  });

  it('retention deletes rows before the instant and keeps the rest', async () => {
    const cut = T0 + 20 * HOUR;
    const old = ROWS.filter((r) => r.timestampMs < cut).length;
    expect(old).toBeGreaterThan(0);
    expect(await s.deleteBefore(cut)).toBe(old);
    expect(await s.totals(ALL)).toEqual(referenceTotals(ROWS.filter((r) => r.timestampMs >= cut)));
    expect(await s.deleteBefore(cut)).toBe(0);
    await s.insert(ROWS);
  });

  it('migrations re-run at open are a no-op and keep the rows', async () => {
    expect(await s.appliedMigrations()).toEqual([1]);
    const reopened = b.name !== 'postgres' ? new SqliteRequestStore((s as SqliteRequestStore).path) : undefined;
    if (reopened) {
      expect(reopened.appliedMigrations()).toEqual([1]);
      expect((await reopened.totals(ALL)).requests).toBe(ROWS.length);
      await reopened.close();
    }
  });
});

describe('request store: both backends agree', () => {
  it('returns identical pages, totals, sessions and subjects', async () => {
    const [a, p] = await Promise.all([backends[0].open(), backends[2].open()]);
    try {
      await a.insert(ROWS);
      await p.insert(ROWS);
      for (const sort of LOG_SORT_COLUMNS) {
        const q = { ...ALL, provider: ['openai', 'Zeta', 'über', 'google'], page: 2, pageSize: 25, sort, order: 'desc' as const };
        expect(await p.log(q)).toEqual(await a.log(q));
      }
      expect(await p.totals(ALL)).toEqual(await a.totals(ALL));
      const sq: SessionQuery = { ...ALL, page: 1, pageSize: 100, sort: 'cost', order: 'asc' };
      expect(await p.sessions(sq)).toEqual(await a.sessions(sq));
      expect(await p.subjects('user', ALL.fromMs, ALL.toMs)).toEqual(await a.subjects('user', ALL.fromMs, ALL.toMs));
    } finally {
      await Promise.all([a.close(), p.close()]);
    }
  }, 60_000);
});

describe('PostgreSQL migrations under concurrent starts', () => {
  it('two replicas opening an empty database at once apply each migration once', async () => {
    const url = await pgServer!.createDatabase('race');
    const stores = await Promise.all([PostgresRequestStore.open(url), PostgresRequestStore.open(url), PostgresRequestStore.open(url)]);
    try {
      for (const st of stores) expect(await st.appliedMigrations()).toEqual([1]);
      expect(await stores[0].insert(ROWS.slice(0, 5))).toBe(5);
      expect(await stores[1].insert(ROWS.slice(0, 5))).toBe(0);
    } finally {
      await Promise.all(stores.map((st) => st.close()));
    }
  }, 60_000);
});
