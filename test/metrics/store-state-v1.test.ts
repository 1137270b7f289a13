// A state file written before the cost histogram moved to (provider, model) restores exactly. The
// fixture is a snapshot and the exposition that exporter rendered from it (store state version 1:
// 7 request tuples, two of them the caps' "other" tuples, 4 provider/model pairs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import { UsageStore, type StoreStateV1 } from '../../exporter/src/store/usage-store.js';
import { parseExposition, sum, type Sample } from '../support/exposition.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'store-state-v1.json'), 'utf8')) as { catalog: string; limits: { request: number; provider_model: number }; state: StoreStateV1 };
const before = parseExposition(readFileSync(join(FIXTURES, 'store-state-v1.prom'), 'utf8'));
const catalog = parseCatalog(fixture.catalog);

function restored(): UsageStore {
  const s = new UsageStore(catalog, fixture.limits);
  s.restore(JSON.parse(JSON.stringify(fixture.state)) as StoreStateV1);
  return s;
}

const tupleOf = (x: Sample) => ({ provider: x.labels.provider, model: x.labels.model, feature: x.labels.feature, team: x.labels.team });
const requestTuples = before.filter((x) => x.name === 'ai_requests_total' && x.labels.status === 'success').map(tupleOf);
const oldPairs = new Set(fixture.state.providerModels.map(([v]) => v.join('/')));
/** The (provider, model) histogram a request tuple's cost buckets join: its own pair, or (provider, other) where that pair had folded. */
const pairOf = (t: { provider: string; model: string }) => (oldPairs.has(`${t.provider}/${t.model}`) ? { provider: t.provider, model: t.model } : { provider: t.provider, model: 'other' });

describe('restoring a version 1 store state', () => {
  it('keeps every request tuple counter, and its spend as ai_cost_dollars_total', () => {
    const s = restored();
    expect(s.repairedSeries).toBe(0);
    const after = parseExposition(s.render());
    expect(requestTuples).toHaveLength(7);
    for (const t of requestTuples) {
      for (const status of ['success', 'error']) expect(sum(after, 'ai_requests_total', { ...t, status }), JSON.stringify(t)).toBe(sum(before, 'ai_requests_total', { ...t, status }));
      for (const n of ['input', 'output', 'cache_read', 'cache_write']) expect(sum(after, `ai_tokens_${n}_total`, t)).toBe(sum(before, `ai_tokens_${n}_total`, t));
      // Reasoning and estimates: the same where the tuple had some, no series where it had none.
      for (const n of ['reasoning', 'estimated']) {
        const old = sum(before, `ai_tokens_${n}_total`, t);
        expect(after.filter((x) => x.name === `ai_tokens_${n}_total` && JSON.stringify(tupleOf(x)) === JSON.stringify(t)).map((x) => x.value)).toEqual(old > 0 ? [old] : []);
      }
      expect(sum(after, 'ai_cost_dollars_total', t)).toBe(sum(before, 'ai_request_cost_dollars_sum', t));
      expect(sum(after, 'ai_revenue_dollars_total', t)).toBe(sum(before, 'ai_revenue_dollars_total', t));
    }
    expect(after.filter((x) => x.name === 'ai_request_cost_dollars_sum' && x.labels.feature !== undefined)).toEqual([]);
  });

  it("adds each tuple's cost buckets, sum and count to its (provider, model) histogram", () => {
    const after = parseExposition(restored().render());
    const expected = new Map<string, number>();
    for (const x of before.filter((y) => y.name.startsWith('ai_request_cost_dollars_'))) {
      const p = pairOf(tupleOf(x));
      const k = JSON.stringify([x.name, p.provider, p.model, x.labels.le ?? '']);
      expected.set(k, (expected.get(k) ?? 0) + x.value);
    }
    const got = new Map(after.filter((x) => x.name.startsWith('ai_request_cost_dollars_')).map((x) => [JSON.stringify([x.name, x.labels.provider, x.labels.model, x.labels.le ?? '']), x.value]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, v] of expected) expect(got.get(k), k).toBeCloseTo(v, 12);
    // Per provider, spend and priced requests are exactly what they were.
    for (const provider of ['openai', 'anthropic']) {
      expect(sum(after, 'ai_request_cost_dollars_sum', { provider })).toBeCloseTo(sum(before, 'ai_request_cost_dollars_sum', { provider }), 12);
      expect(sum(after, 'ai_request_cost_dollars_count', { provider })).toBe(sum(before, 'ai_request_cost_dollars_count', { provider }));
    }
    // The pair that had folded (openai/gpt-4.1) now has its cost in (openai, other), where its latency went.
    expect(sum(after, 'ai_request_cost_dollars_count', { provider: 'openai', model: 'other' })).toBeGreaterThan(0);
  });

  it('keeps latency, errors, unpriced, projects, breakers and the health counters', () => {
    const after = parseExposition(restored().render());
    const same = (name: string) => {
      const rows = before.filter((x) => x.name === name);
      expect(rows.length, name).toBeGreaterThan(0);
      for (const x of rows) expect(sum(after, name, x.labels), `${name}${JSON.stringify(x.labels)}`).toBe(x.value);
    };
    for (const h of ['ai_request_duration_seconds', 'ai_time_to_first_token_seconds']) for (const s of ['_bucket', '_sum', '_count']) same(h + s);
    for (const n of ['ai_unpriced_requests_total', 'ai_project_requests_total', 'ai_project_tokens_total', 'ai_project_cost_dollars_total', 'ai_circuit_breaker_state', 'ai_circuit_breaker_failures', 'ai_exporter_series_folded_total', 'ai_exporter_label_overflow_total', 'ai_exporter_last_event_timestamp_seconds']) same(n);
    for (const x of before.filter((y) => y.name === 'ai_request_errors_total' && y.value > 0)) expect(sum(after, 'ai_request_errors_total', x.labels)).toBe(x.value);
    expect(sum(after, 'ai_request_errors_total')).toBe(sum(before, 'ai_request_errors_total'));
  });

  it('is saved as version 2 and restores from that unchanged, and counting goes on', () => {
    const s = restored();
    const v2 = s.snapshot();
    expect(v2.version).toBe(2);
    const again = new UsageStore(catalog, fixture.limits);
    again.restore(JSON.parse(JSON.stringify(v2)));
    expect(again.repairedSeries).toBe(0);
    expect(again.render()).toBe(s.render());
    const t = requestTuples.find((x) => x.model === 'gpt-4o-mini')!;
    const cost = sum(parseExposition(again.render()), 'ai_cost_dollars_total', t);
    again.recordRequest(
      { kind: 'request', timestampMs: 1_760_000_500_000, ...t, project: 'web', tokens: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, latencySeconds: 1, status: 'success' },
      { costUsd: 0.125, revenueUsd: 0, priced: true },
    );
    const x = parseExposition(again.render());
    expect(sum(x, 'ai_cost_dollars_total', t)).toBeCloseTo(cost + 0.125, 12);
    expect(sum(x, 'ai_request_cost_dollars_bucket', { provider: t.provider, model: t.model, le: '0.25' }) - sum(x, 'ai_request_cost_dollars_bucket', { provider: t.provider, model: t.model, le: '0.1' })).toBe(
      sum(before, 'ai_request_cost_dollars_bucket', { ...t, le: '0.25' }) - sum(before, 'ai_request_cost_dollars_bucket', { ...t, le: '0.1' }) + 1,
    );
  });

  it('counts a malformed version 1 entry as repaired and keeps the rest', () => {
    const st = JSON.parse(JSON.stringify(fixture.state)) as StoreStateV1;
    st.requests[0][1][8] = null as unknown as number; // its cost sum
    st.providerModels[0][1].pop(); // one number short
    const s = new UsageStore(catalog, fixture.limits);
    s.restore(st);
    expect(s.repairedSeries).toBe(2);
    expect(s.requests.size).toBe(6);
  });
});
