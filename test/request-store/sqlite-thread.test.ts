// SQLite's insert worker as a program uses it: close() must hold the process open until the worker
// has closed the database. waitAsync alone keeps nothing alive, so a script (or the end of a
// shutdown, once the server is gone) exited with close() never settled and the code after it
// never ran.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite insert worker', () => {
  it('close() settles with nothing else keeping the process alive; the row is committed', async () => {
    const file = join(dir, 'alone.db');
    const mod = pathToFileURL(join(REPO_ROOT, 'dist/exporter/src/request-store/sqlite.js')).href;
    const script = `
      const { SqliteRequestStore } = await import(${JSON.stringify(mod)});
      const store = new SqliteRequestStore(${JSON.stringify(file)}, { insertThread: true });
      const n = await store.insert([{ key: 'id:one', timestampMs: 1, provider: 'openai', model: 'gpt-4o', status: 'success', inputTokens: 3,
        outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.5, revenueUsd: 0, priced: true, usageUnknown: false }]);
      await store.close();
      process.stdout.write('closed ' + n);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stdout).toBe('closed 1');
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT key, cost_nusd FROM requests').all()).toEqual([{ key: 'id:one', cost_nusd: 500_000_000 }]);
    db.close();
  }, 90_000);
});
