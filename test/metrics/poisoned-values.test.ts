// Absurd values must not poison the target: two 1e308 costs used to make a counter +Inf, which
// the state file saved as null, which made every later scrape unparseable. Checked at the add path
// and on restore; the exposition is checked with promtool, as Prometheus would parse it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { genAiAttributesToRecord } from '../../exporter/src/adapters/index.js';
import { loadCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { UsageStore, type StoreState } from '../../exporter/src/store/usage-store.js';
import { parseExposition, sum } from '../support/exposition.js';

const catalog = loadCatalog();

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    kind: 'request', timestampMs: 1_760_000_000_000, provider: 'openai', model: 'mystery-model', feature: 'chat', team: 'a', project: 'p',
    tokens: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, latencySeconds: 1, status: 'success', ...over,
  };
}

describe('the add path', () => {
  it('never lets a counter reach +Inf, NaN or a negative value', () => {
    const s = new UsageStore(catalog);
    const ok = { costUsd: 0.01, revenueUsd: 0, priced: true };
    expect(s.recordRequest(rec(), ok)).toBe(true);
    expect(s.recordRequest(rec(), { costUsd: 1e308, revenueUsd: 0, priced: false })).toBe(false);
    expect(s.recordRequest(rec(), { costUsd: 1e308, revenueUsd: 0, priced: false })).toBe(false);
    expect(s.recordRequest(rec(), { costUsd: NaN, revenueUsd: 0, priced: true })).toBe(false);
    expect(s.recordRequest(rec(), { costUsd: 0.01, revenueUsd: -1, priced: true })).toBe(false);
    expect(s.recordRequest(rec({ tokens: { input: 2 ** 53 - 1, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }), ok)).toBe(false);
    expect(s.recordRequest(rec({ latencySeconds: Infinity }), ok)).toBe(false);
    expect(s.recordAggregate(rec({ tokens: { input: NaN, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }), ok, 3)).toBe(false);
    expect(s.recordAggregate(rec(), ok, 2, { buckets: new Array(s.latencyBuckets.length + 1).fill(0), sum: Infinity, count: 2 })).toBe(false);
    const text = s.render();
    expect(text).not.toMatch(/ (\+Inf|-Inf|NaN|null)$/m);
    const x = parseExposition(text);
    expect(sum(x, 'ai_requests_total')).toBe(1);
    expect(sum(x, 'ai_exporter_invalid_values_dropped_total')).toBe(8);
    expect(promtool(text)).toEqual({ status: 0, output: '' });
  });

  it('rejects 1e308 costs and 2^53 token counts at the pipeline, by field, without their values', () => {
    const p = new Pipeline(catalog);
    const line = (extra: Record<string, unknown>) =>
      JSON.stringify({ timestamp: '2025-06-01T00:00:00Z', provider: 'openai', model: 'mystery-model', input_tokens: 10, output_tokens: 1, ...extra });
    const a = p.ingestLine(line({ cost_usd: 1e308 }), 'http');
    const b = p.ingestLine(line({ cost_usd: 1e308 }), 'http');
    const c = p.ingestLine(line({ input_tokens: 9007199254740991 }), 'http');
    for (const o of [a, b, c]) expect(o.ok).toBe(false);
    expect(a).toMatchObject({ reason: 'invalid_field', message: expect.stringMatching(/^cost_usd: over the ceiling of \$10000 per request/) });
    expect(c).toMatchObject({ reason: 'invalid_field', message: expect.stringMatching(/^input_tokens: over the ceiling of 100000000 tokens/) });
    expect(JSON.stringify([a, b, c])).not.toMatch(/1e\+?308|9007199254740991/);
    // Derived totals obey them too: Anthropic's input + cache counts, and an OTLP span whose
    // exclusive input gets its cache reads added (each part under the ceiling, the sum over it).
    const anthropic = JSON.stringify({
      timestamp: '2025-06-01T00:00:00Z', provider: 'anthropic',
      response: { type: 'message', model: 'claude-sonnet-4-20250514', usage: { input_tokens: 60_000_000, cache_read_input_tokens: 60_000_000, output_tokens: 1 } },
    });
    expect(p.ingestLine(anthropic, 'file')).toMatchObject({ ok: false, reason: 'invalid_field', message: expect.stringMatching(/^tokens\.input: over the ceiling/) });
    const span = genAiAttributesToRecord({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 50_000_000, 'gen_ai.usage.cache_read.input_tokens': 60_000_000, 'gen_ai.usage.output_tokens': 1 }, { startMs: Date.UTC(2025, 5, 1) });
    expect(p.ingestRecord(span, 'otlp')).toMatchObject({ ok: false, reason: 'invalid_field', message: expect.stringMatching(/^tokens\.input: over the ceiling/) });
    expect(p.ingestLine(line({ cost_usd: 0.5 }), 'http').ok).toBe(true);
    const x = parseExposition(p.store.render() + p.stats.render());
    expect(sum(x, 'ai_request_cost_dollars_sum')).toBe(0.5);
    expect(sum(x, 'ai_exporter_rejected_lines_total', { reason: 'invalid_field' })).toBe(5);
  });
});

describe('restoring a damaged state', () => {
  function damaged(): { state: StoreState; good: UsageStore } {
    const good = new UsageStore(catalog);
    const price = { costUsd: 0.25, revenueUsd: 0, priced: true };
    good.recordRequest(rec({ model: 'gpt-4o', feature: 'kept' }), price);
    good.recordRequest(rec({ model: 'gpt-4o', feature: 'poisoned' }), price);
    good.recordRequest(rec({ model: 'o3', feature: 'kept' }), price);
    const state = JSON.parse(JSON.stringify(good.snapshot())) as StoreState;
    // What the old exporter wrote for +Inf, and other values no counter can hold.
    const poisoned = state.requests.find(([v]) => v[2] === 'poisoned')!;
    poisoned[1][8] = null as unknown as number; // costSum
    const o3 = state.providerModels.find(([v]) => v[1] === 'o3')!;
    o3[1][0] = 'Infinity' as unknown as number; // durSum
    state.projects[0][1][3] = -1; // cost
    state.lastEventSeconds = null as unknown as number;
    return { state, good };
  }

  it('resets the bad series, keeps the rest, counts the repair, and renders an exposition promtool accepts', () => {
    const { state } = damaged();
    const s = new UsageStore(catalog);
    s.restore(state);
    expect(s.repairedSeries).toBe(4);
    const text = s.render();
    expect(text).not.toMatch(/ (null|NaN|\+Inf|-Inf|-1)$/m);
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    const x = parseExposition(text);
    expect(sum(x, 'ai_requests_total', { feature: 'kept' })).toBe(2);
    expect(sum(x, 'ai_requests_total', { feature: 'poisoned' })).toBe(0);
    expect(sum(x, 'ai_request_duration_seconds_count', { model: 'gpt-4o' })).toBe(2);
    expect(sum(x, 'ai_request_duration_seconds_count', { model: 'o3' })).toBe(0);
    expect(sum(x, 'ai_exporter_state_repaired_series_total')).toBe(4);
    // Counting goes on, the reset series from 0.
    s.recordRequest(rec({ model: 'gpt-4o', feature: 'poisoned' }), { costUsd: 1, revenueUsd: 0, priced: true });
    expect(sum(parseExposition(s.render()), 'ai_cost_dollars_total', { feature: 'poisoned' })).toBe(1);
  });

  it('repairs damaged ingest counters through the pipeline too', () => {
    const p = new Pipeline(catalog);
    p.ingestLine('{"not":"an event"}', 'file');
    const st = JSON.parse(JSON.stringify(p.snapshot()));
    st.stats.lines = st.stats.lines.map(([k, v]: [string, number]) => [k, k === 'file' ? null : v]);
    const q = new Pipeline(catalog);
    q.restore(st);
    expect(q.store.repairedSeries).toBe(1);
    const text = q.store.render() + q.stats.render();
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    expect(sum(parseExposition(text), 'ai_exporter_rejected_lines_total', { source: 'file' })).toBe(1);
  });
});
