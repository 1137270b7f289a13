// `tokenscope serve` with LOKI_URL, as a real process: request lines reach the loopback Loki with
// the right labels while stdout keeps them too, the shipper's health is on /metrics, a user's
// pseudonym from `tokenscope pseudonym` finds their lines, and a stop with Loki hanging is bounded.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { FakeLoki } from './support/fake-loki.js';

const KEY = 'serve-loki-test-key';

let exporter: Proc | undefined;
let loki: FakeLoki | undefined;
afterEach(async () => {
  await exporter?.stop('SIGKILL');
  await loki?.close();
  exporter = loki = undefined;
});

function event(i: number, extra: Record<string, unknown> = {}) {
  return {
    timestamp: new Date().toISOString(), provider: i % 2 ? 'groq' : 'openai', model: i % 2 ? 'llama-3.1-8b-instant' : 'gpt-4o-mini',
    feature: 'chat', team: 'platform', project: 'web', user_id: `alice-${i % 3}@example.com`, session_id: `s-${i}`, request_id: `loki-e2e-${i}`,
    input_tokens: 100, output_tokens: 20, latency_ms: 300, status: 'success', ...extra,
  };
}

async function serve(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  exporter = startProcess('node', [CLI, 'serve', '--port', String(port), '--no-state'], { env: { TOKENSCOPE_HASH_KEY: KEY, LOKI_FLUSH_INTERVAL_MS: '100', ...env } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('exporter', async () => (await fetch(`${url}/healthz`)).ok, 30_000).catch((e) => {
    throw new Error(`${e.message}\n${exporter!.output()}`);
  });
  return url;
}

async function post(url: string, events: unknown[]): Promise<void> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
  expect(res.status).toBe(200);
}

describe('tokenscope serve with LOKI_URL', () => {
  it('ships every request line with labels app/provider/status, keeps stdout, and reports on /metrics', async () => {
    loki = await FakeLoki.start();
    const url = await serve({ LOKI_URL: loki.url, LOKI_TENANT_ID: 'team-a' });
    await post(url, Array.from({ length: 20 }, (_, i) => event(i, i === 3 ? { status: 'error', status_code: 503, input_tokens: 0, output_tokens: 0 } : {})));
    await waitFor('20 lines in Loki', async () => loki!.lines().length === 20, 10_000);

    expect(loki.errors).toEqual([]);
    expect(loki.requests[0].headers['x-scope-orgid']).toBe('team-a');
    const streams = new Set(loki.lines().map((l) => JSON.stringify(l.labels)));
    expect([...streams].sort()).toEqual([
      '{"app":"tokenscope","provider":"groq","status":"error"}',
      '{"app":"tokenscope","provider":"groq","status":"success"}',
      '{"app":"tokenscope","provider":"openai","status":"success"}',
    ]);
    // stdout still carries the same lines (written asynchronously, so they may trail Loki's).
    await waitFor('20 lines on stdout', async () => exporter!.output().match(/"msg":"llm_request"/g)?.length === 20, 10_000);

    const m = parseExposition(await (await fetch(`${url}/metrics`)).text());
    expect(sum(m, 'ai_exporter_loki_lines_sent_total')).toBe(20);
    expect(sum(m, 'ai_exporter_loki_lines_dropped_total')).toBe(0);
    expect(sum(m, 'ai_exporter_loki_queue_lines')).toBe(0);

    // Erasure: the CLI's pseudonym for a user finds exactly that user's lines (7 of 20: i % 3 == 0).
    const p = execFileSync('node', [CLI, 'pseudonym', 'alice-0@example.com'], { env: { ...process.env, TOKENSCOPE_HASH_KEY: KEY }, encoding: 'utf8' }).trim();
    expect(p).toMatch(/^[0-9a-f]{16}$/);
    const hits = loki.lines().filter((l) => l.line.includes(`"${p}"`));
    expect(hits.map((h) => JSON.parse(h.line).request_id).sort()).toEqual([0, 3, 6, 9, 12, 15, 18].map((i) => `loki-e2e-${i}`).sort());
    expect(loki.lines().some((l) => l.line.includes('alice-0@example.com'))).toBe(false);
  });

  it('keeps ingesting when Loki fails, counts it on /metrics, and stops within a bound when Loki hangs', async () => {
    loki = await FakeLoki.start();
    loki.script = Array(50).fill(503);
    const url = await serve({ LOKI_URL: loki.url });
    await post(url, Array.from({ length: 10 }, (_, i) => event(i)));
    await waitFor('a failed push', async () => loki!.requests.length >= 1, 10_000);
    const m = parseExposition(await (await fetch(`${url}/metrics`)).text());
    expect(sum(m, 'ai_requests_total')).toBe(10);
    expect(sum(m, 'ai_exporter_loki_push_failures_total')).toBeGreaterThanOrEqual(1);
    expect(exporter!.output()).toContain('loki push failed; will retry');

    loki.hang = true;
    const t0 = Date.now();
    expect(await exporter!.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
