// Absurd values and a restart, through the real CLI: 1e308 costs and 2^53 token counts are rejected
// by field, the state file written at the stop holds only finite numbers, and a state file an older
// exporter wrote with `null` for +Inf is repaired on start instead of breaking every scrape.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Parses as Prometheus would: status 1 is a parse error; 3 only lint notes (prom-client's own process series). */
function expectParseable(text: string): void {
  const r = promtool(text);
  expect(r.output).not.toMatch(/parsing error|error while linting/);
  expect([0, 3]).toContain(r.status);
  // Lint notes, if any, concern prom-client's process metrics only.
  for (const l of r.output.split('\n').filter(Boolean)) expect(l).toMatch(/^(nodejs|process)_/);
}

const event = (extra: Record<string, unknown>) => ({ timestamp: '2025-06-01T12:00:00Z', provider: 'openai', feature: 'chat', team: 'a', output_tokens: 1, ...extra });

describe('poisoned values and a restart', () => {
  it('keeps every counter finite across a restart and repairs a state file holding null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-poison-'));
    const stateFile = join(dir, 'state.json');
    const args = (port: number) => ['serve', '--port', String(port), '--state-file', stateFile, '--state-interval', '50', '--no-request-log'];

    const port1 = await freePort();
    const first = startProcess(process.execPath, [CLI, ...args(port1)]);
    try {
      await waitFor('exporter up', async () => (await fetch(`http://127.0.0.1:${port1}/healthz`)).ok, 30_000, 50);
      const body = [
        event({ model: 'mystery-model', input_tokens: 10, cost_usd: 1e308 }),
        event({ model: 'mystery-model', input_tokens: 10, cost_usd: 1e308 }),
        event({ model: 'gpt-4o', input_tokens: 9007199254740991 }),
        event({ model: 'mystery-model', input_tokens: 10, cost_usd: 0.5 }),
        event({ model: 'gpt-4o', input_tokens: 1000 }),
      ];
      const res = await fetch(`http://127.0.0.1:${port1}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const out = (await res.json()) as { accepted: number; rejected: Array<{ index: number; reason: string; message: string }> };
      expect(out.accepted).toBe(2);
      expect(out.rejected.map((r) => [r.index, r.reason, r.message.split(':')[0]])).toEqual([
        [0, 'invalid_field', 'cost_usd'],
        [1, 'invalid_field', 'cost_usd'],
        [2, 'invalid_field', 'input_tokens'],
      ]);
      expect(JSON.stringify(out)).not.toMatch(/1e\+?308|9007199254740991/);
      // With durable state /metrics shows what the next checkpoint covers: wait for it.
      const text = await waitFor('the batch on /metrics', async () => {
        const t = await (await fetch(`http://127.0.0.1:${port1}/metrics`)).text();
        return sum(parseExposition(t), 'ai_requests_total', { model: 'mystery-model' }) > 0 ? t : undefined;
      }, 10_000, 20);
      expectParseable(text);
      expect(sum(parseExposition(text), 'ai_request_cost_dollars_sum', { model: 'mystery-model' })).toBe(0.5);
    } finally {
      await first.stop('SIGTERM'); // a graceful stop writes the state
    }

    const saved = readFileSync(stateFile, 'utf8');
    const state = JSON.parse(saved);
    const numbers = JSON.stringify([state.pipeline.store.requests, state.pipeline.store.providerModels, state.pipeline.store.projects]);
    expect(numbers).not.toContain('null');

    // What an exporter without the add-path checks wrote after the two 1e308 costs: +Inf as null.
    const poisoned = state.pipeline.store.requests.find(([v]: [string[]]) => v[1] === 'mystery-model');
    poisoned[1][8] = null;
    state.pipeline.store.lastEventSeconds = null;
    writeFileSync(stateFile, JSON.stringify(state));

    const port2 = await freePort();
    const second = startProcess(process.execPath, [CLI, ...args(port2)]);
    try {
      const text = await waitFor('restarted exporter', async () => {
        const r = await fetch(`http://127.0.0.1:${port2}/metrics`);
        return r.ok ? r.text() : undefined;
      }, 30_000, 50);
      expectParseable(text);
      expect(text).not.toMatch(/ (null|NaN|[+-]Inf)$/m);
      const x = parseExposition(text);
      expect(sum(x, 'ai_exporter_state_repaired_series_total')).toBe(2);
      expect(sum(x, 'ai_requests_total', { model: 'gpt-4o' })).toBe(1); // the healthy series is kept
      expect(sum(x, 'ai_requests_total', { model: 'mystery-model' })).toBe(0); // the poisoned one restarts at 0
      expect(second.output()).toMatch(/state file held values no counter can have/);
    } finally {
      await second.stop();
    }
  }, 90_000);
});
