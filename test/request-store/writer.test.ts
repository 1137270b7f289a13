// The writer against a real PostgreSQL that goes away: batches are retried with backoff, pending
// rows stay bounded and the excess is counted as dropped, rows queued at a checkpoint survive in
// the journal, and everything pending is written once the database is back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import type { PriceResult } from '../../exporter/src/pricing/pricer.js';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { pseudonymizer } from '../../exporter/src/log/pseudonym.js';
import { registerStoreMetrics } from '../../exporter/src/request-store/serve.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { StoreWriter } from '../../exporter/src/request-store/writer.js';
import { parseExposition, sum } from '../support/exposition.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { waitFor } from '../support/ports.js';

const T0 = Date.UTC(2025, 0, 1);
const PRICE: PriceResult = { costUsd: 0.001, revenueUsd: 0, source: 'catalog', priced: true };
const rec = (i: number): RequestRecord => ({
  kind: 'request', timestampMs: T0 + i, provider: 'openai', model: 'gpt-4o', requestId: `r-${i}`, userId: `user-${i % 3}`,
  tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, status: 'success',
});
const ALL = { fromMs: 0, toMs: T0 + 1e9 };
const pseudonym = (id: string) => `p-${id}`;
const KEY = 'writer-test-key';

let server: PgServer;
let dir: string;
beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-writer-'));
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A real outage for one database: no new connections, existing ones terminated. */
async function setConnections(url: string, allow: boolean) {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  const db = new URL(url).pathname.slice(1);
  await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS ${allow}`);
  if (!allow) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
  await admin.end();
}

describe('StoreWriter', () => {
  it('batches off the hot path: request() writes nothing synchronously, the interval flush does', async () => {
    const store = new SqliteRequestStore(join(dir, 'batch.db'));
    const w = new StoreWriter(store, { pseudonym, flushIntervalMs: 50, batchRows: 1000 });
    for (let i = 0; i < 10; i++) w.request(rec(i), PRICE);
    expect(w.pending).toBe(10);
    expect((await store.totals(ALL)).requests).toBe(0);
    await waitFor('the interval flush', async () => w.pending === 0, 5000, 10);
    expect((await store.totals(ALL)).requests).toBe(10);
    expect((await store.log({ ...ALL, page: 1, pageSize: 1, sort: 'time', order: 'asc' })).rows[0].user).toBe('p-user-0');
    await w.close();
    await store.close();
  });

  it.each([
    { how: 'rows', insertThread: false, keyed: {} },
    // As serve runs it: raw records encoded as counted, written by the insert worker's own connection.
    { how: 'raw records on the insert worker', insertThread: true, keyed: { pseudonym: pseudonymizer(KEY), pseudonymKey: KEY } },
  ])('survives a database outage ($how): retries with backoff, bounds and counts what it drops, journals at a checkpoint, catches up', async ({ insertThread, keyed }) => {
    const url = await server.createDatabase(`outage_${insertThread}`);
    const journal = join(dir, `journal-${insertThread}.json`);
    const errors: string[] = [];
    const store = await PostgresRequestStore.open(url, { onError: (m) => errors.push(m), insertThread });
    const w = new StoreWriter(store, { pseudonym, flushIntervalMs: 20, batchRows: 100, maxPendingRows: 500, backoffMs: 20, maxBackoffMs: 200, journalPath: journal, onError: (m) => errors.push(m), ...keyed });
    const registry = new Registry();
    registerStoreMetrics(registry, w);
    for (let i = 0; i < 300; i++) w.request(rec(i), PRICE);
    await waitFor('first rows', async () => w.pending === 0, 10_000, 10);
    expect(w.stats.written).toBe(300);

    await setConnections(url, false);
    for (let i = 300; i < 1000; i++) w.request(rec(i), PRICE);
    await waitFor('failed writes', async () => w.stats.writeErrors >= 3, 10_000, 10);
    expect(w.pending).toBe(500); // bounded
    expect(w.stats.dropped).toBe(200); // 700 offered, 500 kept
    const m = parseExposition(await registry.metrics());
    expect(sum(m, 'ai_exporter_store_pending_rows')).toBe(500);
    expect(sum(m, 'ai_exporter_store_dropped_rows_total')).toBe(200);
    expect(sum(m, 'ai_exporter_store_write_errors_total')).toBe(w.stats.writeErrors);
    expect(sum(m, 'ai_exporter_store_last_write_timestamp_seconds')).toBeGreaterThan(0);

    // A checkpoint while down: the pending rows go to the journal; a new writer (a restart) re-queues them.
    w.checkpoint();
    await w.close(100);
    await setConnections(url, true);
    const store2 = await PostgresRequestStore.open(url, { insertThread });
    const w2 = new StoreWriter(store2, { pseudonym, flushIntervalMs: 20, batchRows: 100, journalPath: journal, ...keyed });
    expect(w2.pending).toBe(500);
    await waitFor('catch-up', async () => w2.pending === 0, 10_000, 10);
    w2.checkpoint(); // nothing pending: the journal is removed
    const { existsSync } = await import('node:fs');
    expect(existsSync(journal)).toBe(false);
    const t = await store2.totals(ALL);
    expect(t.requests).toBe(800);
    expect(t.costUsd).toBeCloseTo(0.8, 9);
    const users = await store2.subjects('user', ALL.fromMs, ALL.toMs);
    expect(users.map((u) => u.subject).sort()).toEqual(['user-0', 'user-1', 'user-2'].map(keyed.pseudonym ?? pseudonym).sort());
    expect(errors.some((e) => /write failed; retrying/.test(e))).toBe(true);
    await w2.close();
    await store2.close();
    await store.close().catch(() => {});
  }, 60_000);

  it('one batch of a group fails, the others commit: only that one is sent again, and no row is counted as a duplicate', async () => {
    const url = await server.createDatabase('partial_group');
    const real = await PostgresRequestStore.open(url, { insertThread: true });
    // A fault-injecting wrapper around the real store: the third batch's first write is refused
    // before it reaches the database (PostgreSQL writes each batch in its own statement, so the
    // group's other batches commit).
    let calls = 0;
    const sent: number[] = [];
    const store = {
      insertEncoded: (b: Parameters<typeof real.insertEncoded>[0]) => {
        sent.push(b.n);
        return ++calls === 3 ? Promise.reject(new Error('injected failure')) : real.insertEncoded(b);
      },
      insert: (rows: Parameters<typeof real.insert>[0]) => real.insert(rows),
    } as unknown as PostgresRequestStore;
    const w = new StoreWriter(store, { pseudonym: pseudonymizer(KEY), pseudonymKey: KEY, flushIntervalMs: 20, batchRows: 100, backoffMs: 20 });
    const registry = new Registry();
    registerStoreMetrics(registry, w);
    for (let i = 0; i < 800; i++) w.request(rec(i), PRICE);
    await waitFor('every row written', async () => w.pending === 0, 10_000, 10);
    // Eight batches at once, then the failed one alone.
    expect(sent).toEqual([...Array(8).fill(100), 100]);
    expect(w.stats).toMatchObject({ written: 800, duplicates: 0, writeErrors: 1 });
    const m = parseExposition(await registry.metrics());
    expect(sum(m, 'ai_exporter_store_rows_written_total')).toBe(800);
    expect(sum(m, 'ai_exporter_store_duplicate_rows_total')).toBe(0);
    expect((await real.totals(ALL)).requests).toBe(800);
    await w.close();
    await real.close();
  }, 60_000);

  it('a batch checkpoints stored while its own insert() was out is not sent again when that insert() fails, its rows new once', async () => {
    const real = new SqliteRequestStore(join(dir, 'checkpoint-inflight.db'));
    // A fault-injecting wrapper around the real store: the first insert() is held, then refused
    // (as SQLite's worker refuses a batch when another process holds the lock past busy_timeout);
    // synchronous writes, which a checkpoint makes, go through.
    let refuse: (e: Error) => void = () => {};
    let calls = 0;
    const store = {
      insertEncoded: (b: Parameters<typeof real.insertEncoded>[0]) =>
        ++calls === 1 ? new Promise<number>((_, reject) => (refuse = reject)) : real.insertEncoded(b),
      insertEncodedSync: (b: Parameters<typeof real.insertEncodedSync>[0]) => real.insertEncodedSync(b),
      insertSync: (rows: Parameters<typeof real.insertSync>[0]) => real.insertSync(rows),
      insert: (rows: Parameters<typeof real.insert>[0]) => real.insert(rows),
    } as unknown as SqliteRequestStore;
    const w = new StoreWriter(store, { pseudonym: pseudonymizer(KEY), pseudonymKey: KEY, flushIntervalMs: 20, batchRows: 100, backoffMs: 20 });
    for (let i = 0; i < 100; i++) w.request(rec(i), PRICE);
    await waitFor('the batch in flight', async () => calls === 1, 5000, 5);
    // Two checkpoints while it is out: the first stores the rows, the second finds them stored.
    w.checkpoint();
    w.checkpoint();
    expect((await real.totals(ALL)).requests).toBe(100);
    refuse(new Error('injected: database is locked'));
    await waitFor('the batch answered', async () => w.pending === 0, 5000, 5);
    await new Promise((r) => setTimeout(r, 100)); // a retry, if one were made, would be under way
    expect(calls).toBe(1);
    expect(w.stats).toMatchObject({ written: 100, duplicates: 0 });
    await w.close();
    await real.close();
  });

  it('a store that throws instead of rejecting fails that write, which is retried', async () => {
    const real = new SqliteRequestStore(join(dir, 'sync-throw.db'));
    // A fault-injecting wrapper around the real store: its first write throws synchronously.
    let calls = 0;
    const store = {
      insertEncoded: (b: Parameters<typeof real.insertEncoded>[0]) => {
        if (++calls === 1) throw new Error('injected synchronous failure');
        return real.insertEncoded(b);
      },
      insert: (rows: Parameters<typeof real.insert>[0]) => real.insert(rows),
    } as unknown as SqliteRequestStore;
    const w = new StoreWriter(store, { pseudonym: pseudonymizer(KEY), pseudonymKey: KEY, flushIntervalMs: 20, batchRows: 50, backoffMs: 20 });
    for (let i = 0; i < 50; i++) w.request(rec(i), PRICE);
    await waitFor('the retry', async () => w.pending === 0, 5000, 5);
    expect(w.stats).toMatchObject({ written: 50, duplicates: 0, writeErrors: 1 });
    await w.close();
    await real.close();
  });

  it('close() writes what is pending before it returns', async () => {
    const store = new SqliteRequestStore(join(dir, 'close.db'));
    const w = new StoreWriter(store, { pseudonym, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i++) w.request(rec(i), PRICE);
    await w.close();
    expect((await store.totals(ALL)).requests).toBe(1234);
    w.request(rec(5000), PRICE); // after close: ignored, never half-written
    expect(w.pending).toBe(0);
    await store.close();
  });

  it('backlog(): a reader waits while more than the threshold is queued, until half is left; never while the store fails', async () => {
    const store = new SqliteRequestStore(join(dir, 'backlog.db'));
    const w = new StoreWriter(store, { pseudonym, flushIntervalMs: 60_000, batchRows: 100 });
    expect(w.backlog(1000)).toBeUndefined();
    for (let i = 0; i < 3000; i++) w.request(rec(i), PRICE);
    const wait = w.backlog(1000);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(w.pending).toBeLessThanOrEqual(500);
    await w.close();
    expect((await store.totals(ALL)).requests).toBe(3000);
    await store.close();

    // A store that fails: counting must not wait on it.
    const broken = new SqliteRequestStore(join(dir, 'broken.db'));
    await broken.close();
    const wb = new StoreWriter(broken, { pseudonym, flushIntervalMs: 5, batchRows: 100, backoffMs: 60_000 });
    for (let i = 0; i < 3000; i++) wb.request(rec(i), PRICE);
    await waitFor('a failed write', async () => wb.stats.writeErrors > 0, 5_000, 5);
    expect(wb.backlog(1000)).toBeUndefined();
    await wb.close(50).catch(() => {});
  });
});

