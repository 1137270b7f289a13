// Against a real Loki, when one is on PATH (`loki`): the project's own loki/loki-config.yaml starts
// it, `tokenscope serve` ships request lines to it, every LogQL query the dashboards run returns what
// the lines say, and a delete request built by `tokenscope pseudonym` hides one user's lines.
// Without a `loki` binary the suite is skipped (CI has none; docs/testing.md says what ran where).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, REPO_ROOT, startProcess, type Proc } from '../support/processes.js';

function onPath(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const LOKI = onPath('loki');
const KEY = 'real-loki-test-key';

interface Panel { title?: string; targets?: Array<{ expr?: string; datasource?: unknown }>; datasource?: unknown; panels?: Panel[] }

/** Every LogQL target of the generated dashboards, by panel title. */
function logqlTargets(): Array<{ title: string; expr: string }> {
  const out: Array<{ title: string; expr: string }> = [];
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  for (const f of walk(join(REPO_ROOT, 'provisioning/dashboards')).filter((f) => f.endsWith('.json'))) {
    const panels: Panel[] = [];
    const collect = (ps: Panel[] = []) => ps.forEach((p) => (panels.push(p), collect(p.panels)));
    collect(JSON.parse(readFileSync(f, 'utf8')).panels);
    for (const p of panels) for (const t of p.targets ?? []) if (t.expr && JSON.stringify(t.datasource ?? p.datasource ?? '').includes('loki')) out.push({ title: p.title ?? '', expr: t.expr });
  }
  return out;
}

/** Grafana's substitution of the dashboards' variables ("All" is `.*`, like the dashboards' allValue). */
const substitute = (expr: string, vars: Record<string, string>) => expr.replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars[name] ?? m);

describe.skipIf(!LOKI)('a real Loki (loki on PATH)', () => {
  let loki: Proc;
  let exporter: Proc;
  let lokiUrl: string;
  let exporterUrl: string;
  let dir: string;
  const start = Date.now();
  let http = 0;
  let grpc = 0;
  const startLoki = () =>
    startProcess(LOKI!, ['-config.file=' + join(REPO_ROOT, 'loki/loki-config.yaml'), '-config.expand-env=true'], {
      // cwd: anything Loki writes outside LOKI_DATA_DIR stays in the temp dir (and is checked below).
      cwd: join(dir, 'cwd'),
      env: { LOKI_LISTEN_ADDRESS: '127.0.0.1', LOKI_PORT: String(http), LOKI_GRPC_PORT: String(grpc), LOKI_DATA_DIR: join(dir, 'loki') },
    });

  async function query(expr: string): Promise<Array<{ stream: Record<string, string>; values: Array<[string, string]> }>> {
    const u = new URL('/loki/api/v1/query_range', lokiUrl);
    u.searchParams.set('query', expr);
    u.searchParams.set('start', String((start - 60_000) * 1e6));
    u.searchParams.set('end', String((Date.now() + 60_000) * 1e6));
    u.searchParams.set('limit', '1000');
    const res = await fetch(u);
    const body = (await res.json()) as { status: string; data: { resultType: string; result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> } };
    if (!res.ok) throw new Error(`Loki ${res.status}: ${JSON.stringify(body)}`);
    expect(body.data.resultType).toBe('streams');
    return body.data.result;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-loki-'));
    mkdirSync(join(dir, 'cwd'));
    [http, grpc] = [await freePort(), await freePort()];
    lokiUrl = `http://127.0.0.1:${http}`;
    loki = startLoki();
    await waitFor('loki ready', async () => (await fetch(`${lokiUrl}/ready`)).ok, 60_000).catch((e) => {
      throw new Error(`${e.message}\n${loki.output()}`);
    });
    const port = await freePort();
    exporterUrl = `http://127.0.0.1:${port}`;
    exporter = startProcess('node', [CLI, 'serve', '--port', String(port), '--no-state'], { env: { TOKENSCOPE_HASH_KEY: KEY, LOKI_URL: lokiUrl, LOKI_FLUSH_INTERVAL_MS: '100' } });
    await waitFor('exporter', async () => (await fetch(`${exporterUrl}/healthz`)).ok, 30_000);
    const events = Array.from({ length: 30 }, (_, i) => ({
      timestamp: new Date(start - (30 - i) * 1000).toISOString(), provider: i % 3 ? 'openai' : 'anthropic', model: i % 3 ? 'gpt-4o-mini' : 'claude-3-5-haiku-20241022',
      feature: i % 2 ? 'chat' : 'search', team: 'platform', user_id: `user-${i % 5}@example.com`, session_id: `s-${i % 7}`, request_id: `real-loki-${i}`,
      latency_ms: 200,
      ...(i % 10 === 4
        ? { status: 'error', status_code: 429, error_type: 'rate_limit', error: 'Rate limit reached for key sk-proj-Abc123def456Ghi789 of ops@example.com', input_tokens: 0, output_tokens: 0 }
        : { status: 'success', input_tokens: 100 + i, output_tokens: 10 }),
    }));
    const res = await fetch(`${exporterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(200);
    await waitFor('30 lines queryable in Loki', async () => (await query('{app="tokenscope"}')).reduce((n, s) => n + s.values.length, 0) === 30, 60_000);
  }, 120_000);

  afterAll(async () => {
    await exporter?.stop('SIGKILL');
    await loki?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the lines under the bounded streams app/provider/status, ids only as pseudonyms, error text scrubbed', async () => {
    const streams = await query('{app="tokenscope"}');
    expect(streams.map((s) => `${s.stream.provider}/${s.stream.status}`).sort()).toEqual(['anthropic/error', 'anthropic/success', 'openai/error', 'openai/success']);
    const lines = streams.flatMap((s) => s.values.map(([, l]) => l));
    expect(lines.join('\n')).not.toMatch(/@example\.com|sk-proj|Abc123def456/);
    expect(lines.every((l) => /"user":"[0-9a-f]{16}"/.test(l))).toBe(true);
  });

  it('answers every dashboard LogQL query: the error table with its parsed fields, the application log with all lines', async () => {
    const targets = logqlTargets();
    expect(targets.map((t) => t.title).sort()).toEqual(['Application Logs', 'Recent Errors Table']);
    for (const t of targets) {
      const all = await query(substitute(t.expr, { provider: '.*', model: '.*', team: '.*', feature: '.*' }));
      const n = all.reduce((k, s) => k + s.values.length, 0);
      if (t.title === 'Recent Errors Table') {
        expect(n).toBe(3);
        for (const s of all) {
          expect(s.stream).toMatchObject({ status: 'error', error_type: 'rate_limit', status_code: '429', team: 'platform' });
          expect(s.stream.request_id).toMatch(/^real-loki-\d+$/);
        }
        // One variable set to one value narrows the table to it.
        const anthropic = await query(substitute(t.expr, { provider: 'anthropic', model: '.*', team: '.*', feature: '.*' }));
        expect(anthropic.reduce((k, s) => k + s.values.length, 0)).toBe(1);
        const search = await query(substitute(t.expr, { provider: '.*', model: '.*', team: '.*', feature: 'search' }));
        expect(search.reduce((k, s) => k + s.values.length, 0)).toBe(3);
      } else {
        expect(n).toBe(30);
      }
    }
  });

  it('hides one user\'s lines after the delete request `tokenscope pseudonym --loki-url` prints', async () => {
    const out = execFileSync('node', [CLI, 'pseudonym', '--loki-url', lokiUrl, 'user-1@example.com'], { env: { ...process.env, TOKENSCOPE_HASH_KEY: KEY }, encoding: 'utf8' });
    const pseudonym = out.split('\n')[0];
    const url = /curl -sS -X POST '([^']+)'/.exec(out)![1];
    expect((await query(`{app="tokenscope"} |= "${pseudonym}"`)).reduce((k, s) => k + s.values.length, 0)).toBe(6);
    const res = await fetch(url, { method: 'POST' });
    expect(res.status).toBe(204);
    // Loki's queriers load delete requests periodically; they hide the lines without waiting for the compactor.
    const listed = (await (await fetch(`${lokiUrl}/loki/api/v1/delete`)).json()) as Array<{ query: string; status: string; start_time: number }>;
    expect(listed.map((d) => d.query)).toEqual([`{app="tokenscope"} |= "${pseudonym}"`]);
    expect(listed[0].start_time).toBe(0);
    // Everything Loki keeps is under its data dir (the volume in compose), nothing in its cwd.
    expect(readdirSync(join(dir, 'cwd'))).toEqual([]);
    // Queriers cache the delete requests for 5 minutes; a restarted Loki reads them afresh (and
    // replays its WAL), so the filter is seen without waiting for the cache.
    await loki.stop('SIGTERM');
    loki = startLoki();
    await waitFor('loki ready again', async () => (await fetch(`${lokiUrl}/ready`)).ok, 60_000);
    await waitFor('the user\'s lines hidden from queries', async () => (await query(`{app="tokenscope"} |= "${pseudonym}"`)).length === 0, 30_000);
    expect((await query('{app="tokenscope"}')).reduce((k, s) => k + s.values.length, 0)).toBe(24);
  });
});
