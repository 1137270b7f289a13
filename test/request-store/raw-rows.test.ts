// SQLite's writer hot path queues raw records and lets the insert worker build the rows (keys,
// keyed pseudonyms, nano-dollars). Those rows must equal what toStoredRequest() builds on the main
// thread (the journal's and PostgreSQL's path): the same pseudonyms as log/pseudonym.ts, the same
// idempotency keys with and without request ids, so a journaled row and the same line re-read by
// the worker are one row.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { pseudonymizer } from '../../exporter/src/log/pseudonym.js';
import type { PriceResult } from '../../exporter/src/pricing/pricer.js';
import { BatchBuilder, decodeBatch } from '../../exporter/src/request-store/batch.js';
import { toStoredRequest } from '../../exporter/src/request-store/row.js';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import type { RequestStore } from '../../exporter/src/request-store/types.js';
import { StoreWriter } from '../../exporter/src/request-store/writer.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { rng } from '../support/traffic.js';
import { T0 } from './fixture.js';

const KEY = 'raw-rows-test-key';

function records(n: number): Array<[RequestRecord, PriceResult]> {
  const r = rng(3);
  return Array.from({ length: n }, (_, i) => {
    const rec: RequestRecord = {
      kind: 'request', timestampMs: T0 + Math.floor(r() * 86_400_000), provider: i % 2 ? 'openai' : 'anthropic', model: `m-${i % 3}`,
      tokens: { input: Math.floor(r() * 5000), output: Math.floor(r() * 900), cacheRead: i % 5, cacheWrite: 0, reasoning: i % 7 },
      status: i % 9 === 0 ? 'error' : 'success',
    };
    if (i % 3 !== 0) rec.requestId = `req-${i}`; // every third is keyed by its content
    if (i % 4 !== 0) rec.userId = `user-${i % 17}@example.com`;
    if (i % 2 === 0) rec.sessionId = `session-${i % 29}`;
    if (i % 5 === 0) rec.apiKey = `sk-${i % 3}`;
    if (i % 6 !== 0) rec.project = `p${i % 4}`;
    if (i % 8 === 1) rec.team = 'core';
    // Values an array literal must quote: quotes, backslashes, commas, braces, the word NULL, ''.
    if (i % 14 === 5) rec.project = i % 28 === 5 ? 'p"q\\r,{x}' : 'NULL';
    if (i % 15 === 7) rec.userId = i % 30 === 7 ? 'u "o\\ne"' : '';
    if (i % 16 === 9) rec.model = 'm,{"}';
    if (i % 9 === 0) rec.errorType = 'rate_limit';
    if (i % 3 === 1) rec.latencySeconds = Math.round(r() * 4000) / 1000;
    if (i % 10 === 3) rec.ttftSeconds = 0.25;
    if (i % 11 === 0) rec.usageUnknown = true;
    const price: PriceResult = { costUsd: r() * 0.03, revenueUsd: i % 4 === 0 ? r() * 0.05 : 0, source: 'catalog', priced: i % 13 !== 0 };
    return [rec, price];
  });
}

let dir: string;
let pgServer: PgServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-raw-rows-'));
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const backends: Array<{ name: string; open: () => Promise<RequestStore> }> = [
  { name: 'sqlite', open: async () => new SqliteRequestStore(join(dir, 'raw-false.db'), { insertThread: false }) },
  { name: 'sqlite, insert thread', open: async () => new SqliteRequestStore(join(dir, 'raw-true.db'), { insertThread: true }) },
  // PostgreSQL builds the rows' array literals from the batch's columns at write time (pg-arrays.ts).
  { name: 'postgres', open: async () => PostgresRequestStore.open(await pgServer.createDatabase('raw_rows')) },
  { name: 'postgres, insert thread', open: async () => PostgresRequestStore.open(await pgServer.createDatabase('raw_rows_thread'), { insertThread: true }) },
];

describe.each(backends)('rows built from raw records ($name)', ({ open }) => {
  it('equal toStoredRequest(): keys, pseudonyms, costs; the main-thread rows are then all duplicates', async () => {
    const store = await open();
    const pseudonym = pseudonymizer(KEY);
    const w = new StoreWriter(store, { pseudonym, pseudonymKey: KEY, flushIntervalMs: 20, batchRows: 300 });
    const recs = records(1500);
    for (const [rec, price] of recs) w.request(rec, price);
    w.checkpoint(); // part written synchronously, as inside a state checkpoint
    for (const [rec, price] of records(40)) w.request(rec, price); // the same lines again
    await w.close();
    expect(w.stats.written).toBe(recs.length);
    expect(w.stats.duplicates).toBe(40);

    const want = recs.map(([rec, price]) => toStoredRequest(rec, price, pseudonym));
    const got = await store.log({ fromMs: 0, toMs: T0 + 2 * 86_400_000, page: 1, pageSize: 5000, sort: 'time', order: 'asc' });
    const byKey = new Map(got.rows.map((r) => [r.key, r]));
    expect(byKey.size).toBe(want.length);
    for (const r of want) expect(byKey.get(r.key)).toEqual(r);
    expect(want.filter((r) => r.key.startsWith('h:')).length).toBe(500);
    expect(want.some((r) => r.user === pseudonym('user-1@example.com'))).toBe(true);
    // Rows built on the main thread (a journal's, PostgreSQL's) are the same rows: nothing new.
    expect(await store.insert(want)).toBe(0);
    await store.close();
  });
});

describe.each(backends.filter((b) => b.name.includes('thread')))('columns reused ($name)', ({ open }) => {
  it('a written batch\'s shared columns, refilled for later batches, never change a row already sent', async () => {
    const store = await open();
    const pseudonym = pseudonymizer(KEY);
    const w = new StoreWriter(store, { pseudonym, pseudonymKey: KEY, flushIntervalMs: 5, batchRows: 50 });
    const recs = records(3000).map(([rec, price], i): [RequestRecord, PriceResult] => [{ ...rec, requestId: `reuse-${i}` }, price]);
    // In chunks with pauses: batches are answered in between, so their columns come back and are refilled.
    for (let i = 0; i < recs.length; i += 250) {
      for (const [rec, price] of recs.slice(i, i + 250)) w.request(rec, price);
      await new Promise((r) => setTimeout(r, 15));
    }
    await w.close(20_000);
    expect(w.stats.written).toBe(recs.length);
    const want = recs.map(([rec, price]) => toStoredRequest(rec, price, pseudonym));
    const got = await store.log({ fromMs: 0, toMs: T0 + 2 * 86_400_000, page: 1, pageSize: 10_000, sort: 'time', order: 'asc' });
    // The store holds the first test's rows too (same database): these are the id:reuse- ones.
    const mine = got.rows.filter((r) => r.key.startsWith('id:reuse-'));
    expect(new Map(mine.map((r) => [r.key, r]))).toEqual(new Map(want.map((r) => [r.key, r])));
    await store.close();
  }, 60_000);
});

describe('raw records on the main thread', () => {
  it('decodeBatch() builds the rows toStoredRequest() does, from full and partial batches', () => {
    const pseudonym = pseudonymizer(KEY);
    const recs = records(700);
    const want = recs.map(([rec, price]) => toStoredRequest(rec, price, pseudonym));
    const got: unknown[] = [];
    for (let i = 0; i < recs.length; i += 300) {
      const b = new BatchBuilder(300, KEY);
      for (const [rec, price] of recs.slice(i, i + 300)) b.addRecord(rec, price);
      got.push(...decodeBatch(b.seal(), pseudonym));
    }
    expect(got).toEqual(want);
  });

  it.each([false, true])('a checkpoint while SQLite is locked journals them as those rows; they are stored once when it frees (insert thread: %s)', async (insertThread) => {
    const file = join(dir, `locked-${insertThread}.db`);
    const journalPath = join(dir, `locked-${insertThread}.journal.json`);
    const store = new SqliteRequestStore(file, { insertThread, busyTimeoutMs: 20 });
    const pseudonym = pseudonymizer(KEY);
    const lock = new Database(file);
    lock.exec('BEGIN EXCLUSIVE'); // another process holding the write lock
    const w = new StoreWriter(store, { pseudonym, pseudonymKey: KEY, flushIntervalMs: 60_000, batchRows: 300, backoffMs: 20, maxBackoffMs: 40, journalPath });
    const recs = records(1000);
    for (const [rec, price] of recs) w.request(rec, price);
    await new Promise((r) => setTimeout(r, 50)); // full batches are tried (and fail) meanwhile
    w.checkpoint();
    expect(existsSync(journalPath)).toBe(true);
    const want = recs.map(([rec, price]) => toStoredRequest(rec, price, pseudonym));
    const journaled = (JSON.parse(readFileSync(journalPath, 'utf8')) as { rows: unknown[] }).rows;
    expect(new Set(journaled.map((r) => JSON.stringify(r)))).toEqual(new Set(want.map((r) => JSON.stringify(r))));
    expect(journaled.length).toBe(want.length);
    expect(w.stats.writeErrors).toBeGreaterThan(0);

    lock.exec('ROLLBACK');
    lock.close();
    await w.close(20_000);
    expect(w.stats.written).toBe(recs.length);
    expect(existsSync(journalPath)).toBe(false);
    const got = await store.log({ fromMs: 0, toMs: T0 + 2 * 86_400_000, page: 1, pageSize: 5000, sort: 'time', order: 'asc' });
    expect(new Map(got.rows.map((r) => [r.key, r]))).toEqual(new Map(want.map((r) => [r.key, r])));
    // A restart that found the journal would re-queue the same rows: all duplicates.
    expect(await store.insert(want)).toBe(0);
    await store.close();
  }, 60_000);
});

