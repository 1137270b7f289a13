// The rollup (hour and day buckets kept with the rows) against the rows themselves, on SQLite (in
// thread and on the worker) and on a real PostgreSQL: the bucket table equals buckets recomputed
// here from the rows the store should hold, after duplicate inserts, after erasing a user, after
// retention cutting mid-hour, and with two replicas inserting overlapping batches at once; and
// totals over ranges that start and end anywhere (to the millisecond) equal an exact BigInt sum.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import type { RequestFilter, RequestStore, StoredRequest } from '../../exporter/src/request-store/types.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { rng } from '../support/traffic.js';
import { HOUR, T0, matches, referenceTotals } from './fixture.js';

const DAY = 24 * HOUR;

/** Rows at any millisecond over four days; '' is a real label value, distinct from an absent one. */
function rows(n: number, seed: number): StoredRequest[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const priced = r() > 0.15;
    const row: StoredRequest = {
      key: `id:roll-${seed}-${i}`,
      timestampMs: T0 - 7 * HOUR + Math.floor(r() * 4 * DAY),
      provider: pick(['openai', 'anthropic', 'über']),
      model: pick(['a', 'b', 'c']),
      status: 'success',
      inputTokens: Math.floor(r() * 9000),
      outputTokens: Math.floor(r() * 900),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costUsd: priced ? Math.round(r() * 0.05 * 1e9) / 1e9 : 0,
      revenueUsd: 0,
      priced,
      usageUnknown: false,
    };
    const project = pick(['p1', 'p2', '', undefined]);
    if (project !== undefined) row.project = project;
    const team = pick(['t1', '', undefined]);
    if (team !== undefined) row.team = team;
    const feature = pick(['f1', undefined]);
    if (feature !== undefined) row.feature = feature;
    row.user = `u${Math.floor(r() * 6).toString(16).padStart(15, '0')}`;
    return row;
  });
}

/** The buckets the rollup must hold for `rs`, computed here: one per span, start and label set. */
function expectedBuckets(rs: StoredRequest[]): string[] {
  const m = new Map<string, { requests: number; input: number; output: number; nano: bigint; unpriced: number }>();
  for (const r of rs) {
    for (const span of [HOUR, DAY]) {
      const start = Math.floor(r.timestampMs / span) * span;
      const nulls = (r.project === undefined ? 1 : 0) | (r.team === undefined ? 2 : 0) | (r.feature === undefined ? 4 : 0);
      const k = JSON.stringify([span, start, r.provider, r.model, r.project ?? '', r.team ?? '', r.feature ?? '', nulls]);
      const b = m.get(k) ?? { requests: 0, input: 0, output: 0, nano: 0n, unpriced: 0 };
      b.requests++;
      b.input += r.inputTokens;
      b.output += r.outputTokens;
      b.nano += BigInt(Math.round(r.costUsd * 1e9));
      b.unpriced += r.priced ? 0 : 1;
      m.set(k, b);
    }
  }
  return [...m].map(([k, b]) => `${k} ${b.requests} ${b.input} ${b.output} ${b.nano} ${b.unpriced}`).sort();
}

const COLS = 'span_ms, start_ms, provider, model, project, team, feature, nulls, requests, input_tokens, output_tokens, cost_nusd, unpriced';
const asBucket = (x: Record<string, unknown>) =>
  `${JSON.stringify([Number(x.span_ms), Number(x.start_ms), x.provider, x.model, x.project, x.team, x.feature, Number(x.nulls)])} ` +
  `${Number(x.requests)} ${Number(x.input_tokens)} ${Number(x.output_tokens)} ${BigInt(String(x.cost_nusd))} ${Number(x.unpriced)}`;

interface Backend {
  name: string;
  open(): Promise<{ store: RequestStore; buckets(): Promise<string[]>; again(): Promise<RequestStore> }>;
}

let pgServer: PgServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-rollup-'));
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const sqlite = (insertThread: boolean): Backend['open'] => async () => {
  const file = join(dir, `r${n++}.db`);
  return {
    store: new SqliteRequestStore(file, { insertThread }),
    async buckets() {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare(`SELECT ${COLS} FROM requests_rollup`).all() as Array<Record<string, unknown>>).map(asBucket).sort();
      } finally {
        db.close();
      }
    },
    again: async () => new SqliteRequestStore(file, { insertThread }),
  };
};
const backends: Backend[] = [
  { name: 'sqlite', open: sqlite(false) },
  { name: 'sqlite-thread', open: sqlite(true) },
  {
    name: 'postgres',
    open: async () => {
      const url = await pgServer.createDatabase(`r${n++}`);
      return {
        store: await PostgresRequestStore.open(url),
        async buckets() {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            return (await c.query(`SELECT ${COLS} FROM requests_rollup`)).rows.map(asBucket).sort();
          } finally {
            await c.end();
          }
        },
        again: () => PostgresRequestStore.open(url),
      };
    },
  },
];

describe.each(backends)('rollup: $name', (b) => {
  it('equals the rows through duplicates, erasure and a mid-hour retention cut; totals exact for any range', async () => {
    const { store, buckets, again } = await b.open();
    const second = await again(); // a second writer (replica) on the same store
    try {
      const all = rows(3000, 11);
      // Overlapping batches from two writers at once, duplicates inside a batch too.
      const counts = await Promise.all([
        store.insert([...all.slice(0, 1600), all[3], all[3]]),
        second.insert(all.slice(1200, 2400)),
      ]);
      counts.push(await store.insert(all.slice(2000)));
      expect(counts.reduce((a, c) => a + c, 0)).toBe(all.length);
      let held = all;
      expect(await buckets()).toEqual(expectedBuckets(held));

      const r = rng(5);
      const filters: Array<Omit<RequestFilter, 'fromMs' | 'toMs'>> = [
        {}, { provider: ['openai', 'über'] }, { project: [''] }, { project: ['p1'], team: ['t1', ''] }, { feature: ['f1'], model: ['b'] }, { team: [] },
      ];
      const check = async () => {
        for (let k = 0; k < 40; k++) {
          const a = T0 - 8 * HOUR + Math.floor(r() * 4.5 * DAY);
          // Some ranges on hour and day boundaries, most anywhere.
          const from = k % 4 === 0 ? Math.floor(a / DAY) * DAY : k % 4 === 1 ? Math.floor(a / HOUR) * HOUR : a;
          const to = from + (k % 3 === 0 ? Math.floor(r() * 3 * HOUR) : Math.floor(r() * 3 * DAY));
          const f = { fromMs: from, toMs: to, ...filters[k % filters.length] };
          const want = referenceTotals(held.filter((x) => matches(x, f)));
          expect(await store.totals(f), JSON.stringify(f)).toEqual(want);
          expect((await store.log({ ...f, page: 1, pageSize: 5, sort: 'cost', order: 'desc' })).total).toBe(want.requests);
        }
      };
      await check();

      // Erasure takes the user's share out, and a bucket only they filled disappears altogether.
      const victim = all[0].user!;
      const lone: StoredRequest = { ...all[0], key: 'id:lone', timestampMs: T0 + 10 * DAY + 5, provider: 'solo' };
      expect(await store.insert([lone])).toBe(1);
      expect(await store.eraseUser(victim)).toBe(all.filter((x) => x.user === victim).length + 1);
      held = held.filter((x) => x.user !== victim);
      expect(await buckets()).toEqual(expectedBuckets(held));
      expect((await buckets()).some((x) => x.includes('"solo"'))).toBe(false);

      // Retention at an instant inside an hour: the hour's bucket keeps exactly the later rows.
      const cut = T0 + 30 * HOUR + 1234;
      expect(await store.deleteBefore(cut)).toBe(held.filter((x) => x.timestampMs < cut).length);
      held = held.filter((x) => x.timestampMs >= cut);
      expect(await buckets()).toEqual(expectedBuckets(held));
      await check();

      // Rows back (the erased user's and the expired ones): the rollup follows.
      expect(await second.insert(all)).toBe(all.length - held.length);
      held = all;
      expect(await buckets()).toEqual(expectedBuckets(held));
      await check();
    } finally {
      await second.close();
      await store.close();
    }
  }, 120_000);
});

describe('rollup: sqlite-thread, batches committed together', () => {
  it('keeps each batch\'s labels apart: the worker commits queued batches in one transaction, each with its own dictionary', async () => {
    const { store, buckets } = await sqlite(true)();
    try {
      const all = rows(4000, 23);
      // Ten batches posted without waiting: the worker finds them queued and commits them as one
      // group. Each is sorted differently, so the same dictionary index names different labels.
      const orders: Array<(a: StoredRequest, b: StoredRequest) => number> = [
        (a, b) => a.provider.localeCompare(b.provider), (a, b) => b.provider.localeCompare(a.provider),
        (a, b) => a.model.localeCompare(b.model), (a, b) => b.model.localeCompare(a.model), (a, b) => (a.project ?? '~').localeCompare(b.project ?? '~'),
      ];
      const batches = Array.from({ length: 10 }, (_, i) => all.slice(i * 400, (i + 1) * 400).sort(orders[i % orders.length]));
      const counts = await Promise.all(batches.map((b) => store.insert(b)));
      expect(counts.reduce((a, c) => a + c, 0)).toBe(all.length);
      expect(await buckets()).toEqual(expectedBuckets(all));
      for (const provider of ['openai', 'anthropic', 'über']) {
        const f = { fromMs: T0 - DAY, toMs: T0 + 5 * DAY, provider: [provider] };
        expect(await store.totals(f)).toEqual(referenceTotals(all.filter((x) => matches(x, f))));
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe.each([false, true])('rollup: sqlite (insert thread %s), many labels in one transaction', (insertThread) => {
  it('keeps every bucket apart past 1,023 distinct label values (the tuple then keyed as text, not as a number)', async () => {
    const { store, buckets } = await sqlite(insertThread)();
    try {
      // A transaction numbers label values in order of first use (provider, model, project, team,
      // feature), each id 10 bits of the numeric tuple key. The first row takes ids 0 ('x'), 1
      // ('m'), 2 ('T'); 1,021 new features take 3..1023; the last row's feature is id 1024 and its
      // team 'm' is id 1. In ten bits a digit, (team 1, feature 1024) would carry into (team 2,
      // feature 0): the first row's tuple, and the two buckets would add up as one.
      const base = rows(1023, 31)[0];
      const row = (i: number, team: string, feature: string): StoredRequest => {
        const { project: _, ...rest } = base;
        return { ...rest, key: `id:many-${i}`, timestampMs: T0 + i, provider: 'x', model: 'm', team, feature };
      };
      const all = [row(0, 'T', 'x'), ...Array.from({ length: 1021 }, (_, i) => row(i + 1, 'T', `f${i}`)), row(1022, 'm', 'g')];
      expect(await store.insert(all)).toBe(all.length);
      expect(await buckets()).toEqual(expectedBuckets(all));
      expect((await buckets()).some((x) => x.includes('"m","g"'))).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);
});
