// What a label tuple costs Prometheus, by exact arithmetic on a known store: which series each
// kind of traffic adds, and that sampleCount() is the number of samples render() writes.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { COST_BUCKETS_DOLLARS } from '../../exporter/src/store/buckets.js';
import { UsageStore } from '../../exporter/src/store/usage-store.js';
import { parseExposition, type Sample } from '../support/exposition.js';

const YAML = `
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://x.example", pricing_id: openai }
slo:
  global: { availability: 0.99, latency_p95_seconds: 12, error_rate: 0.01 }
limits:
  dedupe_window_seconds: 60
`;
const PRICED = parseCatalog(`${YAML}customer_pricing:\n  markup: 0.5\n`);
const UNPRICED = parseCatalog(YAML);

function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    kind: 'request', timestampMs: 1_760_000_000_000, provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'a', project: 'web',
    tokens: { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, latencySeconds: 1.5, status: 'success', ...over,
  };
}
const price = { costUsd: 0.01, revenueUsd: 0.015, priced: true };

const samples = (s: UsageStore) => parseExposition(s.render());
const ofTuple = (x: Sample[], feature: string) => x.filter((y) => y.labels.feature === feature).map((y) => `${y.name}${y.labels.status ? `{${y.labels.status}}` : ''}`);

describe('samples per label tuple', () => {
  it('is 8 for plain successful traffic with customer pricing, 7 without: outcomes, 4 token counters, spend, revenue', () => {
    const withRevenue = new UsageStore(PRICED);
    withRevenue.recordRequest(rec(), price);
    expect(ofTuple(samples(withRevenue), 'chat')).toEqual([
      'ai_requests_total{success}', 'ai_requests_total{error}',
      'ai_tokens_input_total', 'ai_tokens_output_total', 'ai_tokens_cache_read_total', 'ai_tokens_cache_write_total',
      'ai_cost_dollars_total', 'ai_revenue_dollars_total',
    ]);
    const without = new UsageStore(UNPRICED);
    without.recordRequest(rec(), { ...price, revenueUsd: 0 });
    expect(ofTuple(samples(without), 'chat')).toHaveLength(7);
    expect(ofTuple(samples(without), 'chat')).not.toContain('ai_revenue_dollars_total');
  });

  it('adds reasoning and estimate counters only to the tuples that report them', () => {
    const s = new UsageStore(PRICED);
    s.recordRequest(rec({ feature: 'plain' }), price);
    s.recordRequest(rec({ feature: 'thinks', tokens: { input: 10, output: 50, cacheRead: 0, cacheWrite: 0, reasoning: 40 } }), price);
    s.recordRequest(rec({ feature: 'estimates', estimatedInputTokens: 900 }), price);
    const x = samples(s);
    expect(ofTuple(x, 'plain')).toHaveLength(8);
    expect(ofTuple(x, 'thinks')).toHaveLength(9);
    expect(ofTuple(x, 'thinks')).toContain('ai_tokens_reasoning_total');
    expect(ofTuple(x, 'estimates')).toContain('ai_tokens_estimated_total');
    expect(x.filter((y) => y.name === 'ai_tokens_reasoning_total').map((y) => [y.labels.feature, y.value])).toEqual([['thinks', 40]]);
  });

  it('gives a (provider, model) pair the cost histogram, its latencies, the provider-attributable error types and unpriced', () => {
    const s = new UsageStore(PRICED);
    s.recordRequest(rec({ ttftSeconds: 0.3 }), price);
    const latency = s.latencyBuckets.length + 3;
    const pair = samples(s).filter((y) => y.labels.model === 'gpt-4o' && y.labels.feature === undefined);
    expect(pair).toHaveLength(COST_BUCKETS_DOLLARS.length + 3 + 2 * latency + 4 + 1);
    expect(pair.filter((y) => y.name === 'ai_request_errors_total').map((y) => y.labels.error_type)).toEqual(['timeout', 'rate_limit', 'server_error', 'other']);
    // A caller-side failure type appears once it happens.
    s.recordRequest(rec({ status: 'error', errorType: 'content_filter' }), { costUsd: 0, revenueUsd: 0, priced: true });
    expect(samples(s).filter((y) => y.name === 'ai_request_errors_total' && y.value > 0).map((y) => y.labels.error_type)).toEqual(['content_filter']);
  });

  it('sampleCount() is exactly the number of samples rendered', () => {
    const s = new UsageStore(PRICED);
    for (let i = 0; i < 30; i++) {
      s.recordRequest(
        rec({
          model: ['gpt-4o', 'gpt-4o-mini', 'o3'][i % 3], feature: `f${i % 5}`, team: `t${i % 4}`, project: `p${i % 2}`,
          tokens: { input: 100, output: 10, cacheRead: i % 2 ? 5 : 0, cacheWrite: 0, reasoning: i % 7 === 0 ? 3 : 0 },
          estimatedInputTokens: i % 11 === 0 ? 90 : undefined, ttftSeconds: i % 3 === 0 ? 0.2 : undefined, latencySeconds: i % 4 === 0 ? undefined : 1,
          status: i % 6 === 5 ? 'error' : 'success', errorType: i % 12 === 5 ? 'auth_error' : 'timeout',
        }),
        price,
      );
    }
    s.recordBreaker({ kind: 'breaker', timestampMs: 1_760_000_000_000, provider: 'openai', state: 'open', failureCount: 3 });
    expect(s.sampleCount()).toBe(samples(s).length);
    expect(s.sampleCount()).toBeGreaterThan(100);
  });
});
