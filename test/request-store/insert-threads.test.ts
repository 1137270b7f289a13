// The request store's insert workers (SQLite's and PostgreSQL's) as a program uses them, in a child
// node started with flags of its own:
// - close() must hold the process open until the worker has closed its database: waitAsync alone
//   keeps nothing alive, so a script exited with close() never settled;
// - the parent's flags are not the worker's: --input-type=module made its CommonJS source ESM, and
//   per-process flags such as --max-old-space-size made the Worker constructor throw, so `node
//   --max-old-space-size=4096 … serve` failed at start;
// - close() with inserts still out: their answers unref'd the worker while close() waited for it
//   to end, so the process could exit with close() unsettled;
// - a worker that dies while insertSync() blocks the thread (a checkpoint) must end the wait: no
//   event can run then, so it blocked for good;
// - waiting for answers must cost nothing per insert once answered: each insert() used to leave a
//   reaction on the worker's exit promise, ~300 bytes an insert for the life of the process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';
import { startPostgres, type PgServer } from '../support/postgres.js';

const run = promisify(execFile);
/** What a script run in a child `node` (ESM, with `flags` besides) writes to stdout. */
async function node(script: string, timeout: number, flags: string[] = []): Promise<string> {
  return (await run(process.execPath, ['--input-type=module', ...flags, '-e', script], { cwd: REPO_ROOT, timeout })).stdout;
}
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-insert-threads-'));
let pgServer: PgServer;
beforeAll(async () => {
  pgServer = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const dist = (m: string) => JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist/exporter/src/request-store', m)).href);
const ROW = `(i) => ({ key: 'id:' + i, timestampMs: 1 + i, provider: 'openai', model: 'gpt-4o', status: 'success', inputTokens: 3,
  outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.5, revenueUsd: 0, priced: true, usageUnknown: false })`;
const backends = [
  { name: 'SQLite', open: (target: string) => `new (await import(${dist('sqlite.js')})).SqliteRequestStore(${JSON.stringify(target)}, { insertThread: true })` },
  { name: 'PostgreSQL', open: (target: string) => `await (await import(${dist('postgres.js')})).PostgresRequestStore.open(${JSON.stringify(target)}, { insertThread: true })` },
];

async function target(backend: string, name: string): Promise<string> {
  return backend === 'SQLite' ? join(dir, `${name}.db`) : pgServer.createDatabase(name);
}

async function storedKeys(backend: string, t: string): Promise<Array<{ key: string; cost_nusd: number }>> {
  if (backend === 'SQLite') {
    const db = new Database(t, { readonly: true });
    try {
      return db.prepare('SELECT key, cost_nusd FROM requests ORDER BY key').all() as Array<{ key: string; cost_nusd: number }>;
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: t });
  await c.connect();
  try {
    return (await c.query('SELECT key, cost_nusd::float8 AS cost_nusd FROM requests ORDER BY key')).rows;
  } finally {
    await c.end();
  }
}

describe('SQLite insert worker that dies', () => {
  it('insertSync() (a state checkpoint) throws instead of blocking for good', async () => {
    const file = join(dir, 'dies.db');
    // A message the worker cannot read kills it with an uncaught error; the write after it, in the
    // same turn, blocks this thread, where no 'error' or 'exit' event can run.
    const script = `
      const { SqliteRequestStore } = await import(${dist('sqlite.js')});
      const { encodeBatch } = await import(${dist('batch.js')});
      const store = new SqliteRequestStore(${JSON.stringify(file)}, { insertThread: true });
      const thread = store.thread;
      thread.worker.ref(); // kept alive through the kill, whatever the thread refs meanwhile
      await thread.started;
      thread.port.postMessage(null);
      try {
        thread.insertSync(encodeBatch([(${ROW})(1)]));
        process.stdout.write('written');
      } catch (e) {
        process.stdout.write('threw: ' + e.message);
      }`;
    const stdout = await node(script, 20_000);
    expect(stdout).toBe('threw: request store writer thread ended');
  }, 30_000);
});

describe('SQLite insert worker start', () => {
  it('opened through openRequestStore, a checkpoint can write synchronously at once', async () => {
    const file = join(dir, 'ready.db');
    // A worker starts only while its parent's event loop runs: a synchronous write before that blocked for good.
    const script = `
      const { openRequestStore } = await import(${dist('open.js')});
      const store = await openRequestStore({ kind: 'sqlite', path: ${JSON.stringify(file)} });
      const n = store.insertSync([(${ROW})(1)]);
      await store.close();
      process.stdout.write('written ' + n);`;
    const stdout = await node(script, 20_000);
    expect(stdout).toBe('written 1');
  }, 30_000);

  it('a worker that cannot start rejects started, naming the error', async () => {
    const file = join(dir, 'no-schema.db');
    // No migrations applied: the worker's statements cannot be prepared.
    const script = `
      const { SqliteInsertThread } = await import(${dist('sqlite-thread.js')});
      const thread = new SqliteInsertThread(${JSON.stringify(file)}, 5000, -2000);
      thread.worker.ref();
      process.stdout.write(await thread.started.then(() => 'started', (e) => 'rejected: ' + e.message));`;
    const stdout = await node(script, 20_000);
    expect(stdout).toBe('rejected: request store writer thread failed: SQLITE_ERROR: no such table: requests');
  }, 30_000);
});

describe.each(backends)('$name insert worker', ({ name, open }) => {
  it.each([
    { flags: '', db: 'flags_none' },
    { flags: '--max-old-space-size=512', db: 'flags_heap' },
    { flags: '--expose-gc', db: 'flags_gc' },
  ])('starts under node --input-type=module $flags, and close() settles with nothing else keeping the process alive', async ({ flags: given, db }) => {
    const flags = given.split(' ').filter(Boolean);
    const t = await target(name, db);
    const script = `
      const store = ${open(t)};
      const n = await store.insert([(${ROW})(1)]);
      await store.close();
      process.stdout.write('closed ' + n);`;
    const stdout = await node(script, 60_000, flags);
    expect(stdout).toBe('closed 1');
    expect(await storedKeys(name, t)).toEqual([{ key: 'id:1', cost_nusd: 500_000_000 }]);
  }, 90_000);

  it('close() with inserts still out settles after them, their rows committed', async () => {
    const t = await target(name, 'close_outstanding');
    // Not awaited before close(): their answers arrive while close() waits for the worker to end.
    const script = `
      const store = ${open(t)};
      const row = ${ROW};
      const out = [store.insert([row(1)]), store.insert([row(2), row(3)])];
      await store.close();
      process.stdout.write('closed ' + (await Promise.all(out)).join(','));`;
    const stdout = await node(script, 60_000);
    expect(stdout).toBe('closed 1,2');
    expect((await storedKeys(name, t)).map((r) => r.key)).toEqual(['id:1', 'id:2', 'id:3']);
  }, 90_000);

  it('answered inserts leave nothing behind (heap flat over 10,000 inserts)', async () => {
    const t = await target(name, 'heap');
    const script = `
      const store = ${open(t)};
      const row = ${ROW};
      const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
      let i = 0;
      for (; i < 3000; i++) await store.insert([row(i)]);
      const before = heap();
      for (; i < 13000; i++) await store.insert([row(i)]);
      const grown = heap() - before;
      await store.close();
      process.stdout.write(JSON.stringify({ grown }));`;
    const stdout = await node(script, 120_000, ['--expose-gc']);
    const { grown } = JSON.parse(stdout) as { grown: number };
    // ~300 bytes an insert before (3 MB here); what remains is noise.
    expect(grown).toBeLessThan(1_000_000);
    expect((await storedKeys(name, t)).length).toBe(13000);
  }, 150_000);
});
