// The store's command-line surface with real processes: a generated pseudonym key kept in the
// data directory (stable across restarts, mode 0600), `tokenscope erase`, retention at start, and
// --no-state meaning no store unless one is asked for.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { CLI, REPO_ROOT } from '../support/processes.js';
import { makeRows } from './fixture.js';
import { NOW, START_MS, knownLog, serve } from './serve-support.js';

const run = promisify(execFile);
const ALL = { fromMs: 0, toMs: Date.UTC(2030, 0, 1) };
let dir: string;
beforeAll(() => {
  dir = '';
  dir = join(tmpdir(), `tokenscope-store-cli-${process.pid}`);
  mkdirSync(dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, TOKENSCOPE_NOW: NOW, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  delete e.TOKENSCOPE_HASH_KEY;
  return run(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: e });
}

describe('pseudonym key and erase', () => {
  it('keeps a generated key in the data directory, and erase finds it to delete one user', async () => {
    const d = join(dir, 'erase');
    mkdirSync(join(d, 'log'), { recursive: true });
    const lines = knownLog(600, 51);
    writeFileSync(join(d, 'log', 'a.jsonl'), lines.slice(0, 300).map((l) => l.line).join('\n') + '\n');
    const args = ['--files', join(d, 'log', '*.jsonl'), '--data-dir', join(d, 'data')];
    let s = await serve(args, { TOKENSCOPE_HASH_KEY: undefined });
    await s.settled(300);
    await s.stop('SIGTERM');
    const keyFile = join(d, 'data', 'hash.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);

    // A restart reuses the key: the same user has the same pseudonym in rows from both runs.
    writeFileSync(join(d, 'log', 'b.jsonl'), lines.slice(300).map((l) => l.line).join('\n') + '\n');
    s = await serve(args, { TOKENSCOPE_HASH_KEY: undefined });
    await s.settled(600);
    await s.stop('SIGTERM');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    const db = join(d, 'data', 'requests.db');
    let store = new SqliteRequestStore(db);
    const u3 = pseudonymize(key, 'user-3');
    const mine = lines.filter((_, i) => i % 12 === 3);
    expect((await store.totals({ ...ALL, user: u3 })).requests).toBe(mine.length);
    expect((await store.subjects('user', ALL.fromMs, ALL.toMs)).length).toBe(12);
    await store.close();

    const { stdout } = await cli(['erase', '--user', 'user-3', '--data-dir', join(d, 'data'), '--loki-url', 'http://127.0.0.1:3100']);
    expect(stdout).toContain(`user pseudonym: ${u3}`);
    expect(stdout).toContain(`deleted ${mine.length} rows`);
    const url = new URL(/curl -sS -X POST '([^']+)'/.exec(stdout)![1]);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:3100/loki/api/v1/delete');
    expect(url.searchParams.get('query')).toBe(`{app="tokenscope"} |= "${u3}"`);
    expect(stdout).not.toContain('user-3');
    store = new SqliteRequestStore(db);
    expect((await store.totals({ ...ALL, user: u3 })).requests).toBe(0);
    expect((await store.totals(ALL)).requests).toBe(600 - mine.length);
    await store.close();
  }, 120_000);

  it('erase without any key says how to give one, and deletes nothing', async () => {
    const d = join(dir, 'nokey');
    mkdirSync(d, { recursive: true });
    const err = await cli(['erase', '--user', 'someone@example.com', '--data-dir', d]).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/no pseudonymisation key: pass --hash-key-file or set TOKENSCOPE_HASH_KEY/);
    expect(err?.stderr).not.toContain('someone@example.com');
    expect(existsSync(join(d, 'requests.db'))).toBe(false);
  });
});

describe('serve store options', () => {
  it('retention deletes rows older than --store-retention-days at start (by the injected clock)', async () => {
    const d = join(dir, 'retention');
    mkdirSync(d, { recursive: true });
    const db = join(d, 'data', 'requests.db');
    const nowMs = Date.parse(NOW);
    // Rows around the cut: 30 days before NOW.
    const rows = makeRows(200, 3).map((r, i) => ({ ...r, timestampMs: nowMs - (i % 60) * 86_400_000 - 1 }));
    const pre = new SqliteRequestStore(db);
    await pre.insert(rows);
    await pre.close();
    const s = await serve(['--data-dir', join(d, 'data'), '--store-retention-days', '30']);
    const { waitFor } = await import('../support/ports.js');
    const keep = rows.filter((r) => r.timestampMs >= nowMs - 30 * 86_400_000).length;
    expect(keep).toBeGreaterThan(0);
    expect(keep).toBeLessThan(rows.length);
    await waitFor('retention to run', async () => {
      const st = new SqliteRequestStore(db);
      try {
        return (await st.totals(ALL)).requests === keep;
      } finally {
        await st.close();
      }
    }, 30_000, 100);
    await s.stop('SIGTERM');
  }, 60_000);

  it('--no-state keeps no store unless one is named; bad --store values are refused without echoing them', async () => {
    const d = join(dir, 'nostate');
    mkdirSync(d, { recursive: true });
    const s = await serve(['--no-state'], { HOME: d, XDG_STATE_HOME: d });
    const m = await s.metrics();
    expect(m.some((x) => x.name.startsWith('ai_exporter_store_'))).toBe(false);
    await s.stop('SIGTERM');
    expect(existsSync(join(d, 'tokenscope'))).toBe(false);
    const bad = await cli(['serve', '--port', '0', '--no-state', '--store', 'mysql://root:hunter2@db/x']).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    expect(bad?.stderr).toMatch(/--store must be sqlite, sqlite:\/path\/file\.db, postgres:\/\/\.\.\., postgresql:\/\/\.\.\. or none/);
    expect(bad?.stderr).not.toContain('hunter2');
    const help = await cli(['serve', '--help']);
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/--store <spec> .* with --no-state the default is none/);
    expect(START_MS).toBeLessThan(Date.parse(NOW));
  }, 60_000);
});
