// The request store behind a real `tokenscope serve`: a known log's rows and totals equal the
// file's to the cent, re-reading it stores nothing twice, a restart keeps the rows, a kill -9 in
// the middle of a catch-up loses and repeats nothing, and two replicas share one PostgreSQL.
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import type { RequestStore } from '../../exporter/src/request-store/types.js';
import { sum } from '../support/exposition.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { HASH_KEY, START_MS, knownLog, reference, serve, type KnownLine } from './serve-support.js';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';

const ALL = { fromMs: START_MS - 86_400_000, toMs: START_MS + 3 * 86_400_000 };
let dir: string;
let pgServer: PgServer | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-store-serve-'));
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function expectExact(store: RequestStore, lines: KnownLine[]) {
  const want = reference(lines);
  const t = await store.totals(ALL);
  expect(t.requests).toBe(want.rows);
  expect(t.inputTokens).toBe(want.inputTokens);
  expect(t.outputTokens).toBe(want.outputTokens);
  expect(Math.round(t.costUsd * 100)).toBe(Math.round(want.costUsd * 100));
  expect(Math.abs(t.costUsd - want.costUsd)).toBeLessThan(1e-6);
  // Every request id of the file is there once (the primary key forbids twice).
  const ids = new Set<string>();
  for (let page = 1; ; page++) {
    const p = await store.log({ ...ALL, page, pageSize: 5000, sort: 'time', order: 'asc' });
    for (const r of p.rows) if (r.requestId) ids.add(r.requestId);
    if (p.rows.length < 5000) break;
  }
  expect(ids).toEqual(new Set(lines.map((l) => l.requestId).filter((x) => x !== undefined)));
}

describe('request store behind tokenscope serve (SQLite, the default)', () => {
  it('stores the file exactly, re-reading it stores nothing twice, and a restart keeps the rows', async () => {
    const lines = knownLog(3000, 21);
    const d = join(dir, 'sqlite-basic');
    const file = join(d, 'log', 'a.jsonl');
    rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(d, 'log'), { recursive: true });
    writeFileSync(file, lines.map((l) => l.line).join('\n') + '\n');
    const args = (dataDir: string) => ['--files', join(d, 'log', '*.jsonl'), '--data-dir', dataDir];

    // 1. Default store: requests.db in the data directory, no set-up.
    let s = await serve(args(join(d, 'data')));
    await s.settled(lines.length);
    expect(sum(await s.metrics(), 'ai_exporter_store_rows_written_total')).toBe(lines.length);
    await s.stop('SIGTERM');
    const dbFile = join(d, 'data', 'requests.db');
    expect(statSync(dbFile).mode & 0o777).toBe(0o600);
    let store = new SqliteRequestStore(dbFile);
    await expectExact(store, lines);
    // Users are pseudonyms with the configured key, never the ids.
    const u = pseudonymize(HASH_KEY, 'user-0');
    expect((await store.totals({ ...ALL, user: u })).requests).toBe(lines.filter((_, i) => i % 12 === 0).length);
    expect((await store.totals({ ...ALL, user: 'user-0' })).requests).toBe(0);
    await store.close();

    // 2. A restart appends duplicates of earlier lines (ids and id-less): nothing new is stored.
    s = await serve(args(join(d, 'data')));
    const dups = lines.filter((_, i) => i % 5 === 0).map((l) => l.line);
    appendFileSync(file, dups.join('\n') + '\n');
    await s.settled(lines.length + dups.length);
    await s.stop('SIGTERM');
    store = new SqliteRequestStore(dbFile);
    await expectExact(store, lines);
    await store.close();

    // 3. The whole file read again from the start (a fresh state, the same store file): every key exists.
    s = await serve([...args(join(d, 'data2')), '--store', `sqlite:${dbFile}`]);
    await s.settled(lines.length + dups.length);
    const m = await s.metrics();
    expect(sum(m, 'ai_exporter_store_rows_written_total')).toBe(0);
    expect(sum(m, 'ai_exporter_store_duplicate_rows_total')).toBeGreaterThan(0);
    await s.stop('SIGTERM');
    store = new SqliteRequestStore(dbFile);
    await expectExact(store, lines);
    await store.close();
  }, 240_000);
});

describe.each(['sqlite', 'postgres'] as const)('kill -9 mid-ingest (%s)', (kind) => {
  it('after the restart every row is stored once: none twice, none missing', async () => {
    const n = 40_000;
    const lines = knownLog(n, kind === 'sqlite' ? 31 : 32);
    const d = join(dir, `kill-${kind}`);
    const file = join(d, 'a.jsonl');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d, { recursive: true });
    writeFileSync(file, '');
    const spec = kind === 'sqlite' ? `sqlite:${join(d, 'requests.db')}` : await pgServer!.createDatabase('killtest');
    const args = ['--files', join(d, '*.jsonl'), '--data-dir', join(d, 'data'), '--store', spec];
    // The file grows while the exporter reads it; the kill lands part-way.
    let written = 0;
    const feed = setInterval(() => {
      const k = Math.min(1000, n - written);
      if (k > 0) appendFileSync(file, lines.slice(written, written + k).map((l) => l.line).join('\n') + '\n');
      written += k;
    }, 10);
    try {
      const first = await serve(args);
      try {
        const { waitFor } = await import('../support/ports.js');
        await waitFor('part-way', async () => sum(await first.metrics(), 'ai_exporter_store_rows_written_total') > n / 3, 120_000, 20);
      } finally {
        await first.stop('SIGKILL');
      }
      const second = await serve(args);
      await second.settled(n, 180_000);
      await second.stop('SIGTERM');
    } finally {
      clearInterval(feed);
    }
    const store = kind === 'sqlite' ? new SqliteRequestStore(join(d, 'requests.db')) : await PostgresRequestStore.open(spec);
    try {
      await expectExact(store, lines);
    } finally {
      await store.close();
    }
  }, 300_000);
});

describe('two replicas, one PostgreSQL', () => {
  it('two serve processes reading overlapping files store their union once', async () => {
    const lines = knownLog(4000, 41);
    const a = lines.slice(0, 2600);
    const b = lines.slice(1400);
    const d = join(dir, 'replicas');
    const { mkdirSync } = await import('node:fs');
    for (const x of ['a', 'b']) mkdirSync(join(d, x), { recursive: true });
    writeFileSync(join(d, 'a', 'log.jsonl'), a.map((l) => l.line).join('\n') + '\n');
    writeFileSync(join(d, 'b', 'log.jsonl'), b.map((l) => l.line).join('\n') + '\n');
    const url = await pgServer!.createDatabase('replicas');
    // Started at once: both apply migrations against an empty database under the advisory lock.
    const [ra, rb] = await Promise.all([
      serve(['--files', join(d, 'a', '*.jsonl'), '--data-dir', join(d, 'a', 'data'), '--store', url]),
      serve(['--files', join(d, 'b', '*.jsonl'), '--data-dir', join(d, 'b', 'data'), '--store', url]),
    ]);
    try {
      await Promise.all([ra.settled(a.length), rb.settled(b.length)]);
      const written = sum(await ra.metrics(), 'ai_exporter_store_rows_written_total') + sum(await rb.metrics(), 'ai_exporter_store_rows_written_total');
      expect(written).toBe(lines.length);
    } finally {
      await Promise.all([ra.stop('SIGTERM'), rb.stop('SIGTERM')]);
    }
    const store = await PostgresRequestStore.open(url);
    try {
      await expectExact(store, lines);
      expect(await store.appliedMigrations()).toEqual([1]);
    } finally {
      await store.close();
    }
  }, 240_000);
});
