import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { UsageStore } from '../../exporter/src/store/usage-store.js';
import { parseExposition, sum } from '../support/exposition.js';

const CATALOG = parseCatalog(`
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://x.example", pricing_id: openai }
  - { slug: groq, name: Groq, color: "#F55036", status: active, docs_url: "https://x.example", pricing_id: groq }
slo:
  global: { availability: 0.99, latency_p95_seconds: 12, error_rate: 0.01 }
limits:
  label_values: { feature: 2 }
  dedupe_window_seconds: 60
`);

function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    kind: 'request', timestampMs: 1_760_000_000_000, provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'a', project: 'p',
    tokens: { input: 100, output: 10, cacheRead: 20, cacheWrite: 0, reasoning: 5 }, latencySeconds: 1.5, status: 'success', ...over,
  };
}

const FREE = { costUsd: 0.25, revenueUsd: 0.5, priced: true };

describe('UsageStore', () => {
  it('folds label values past the cap into "other" and counts every folded record', () => {
    const s = new UsageStore(CATALOG);
    for (const f of ['chat', 'search', 'summarise', 'translate', 'chat', 'translate']) s.recordRequest(rec({ feature: f }), FREE);
    const x = parseExposition(s.render());
    const features = new Set(x.filter((m) => m.name === 'ai_requests_total').map((m) => m.labels.feature));
    expect([...features].sort()).toEqual(['chat', 'other', 'search']);
    expect(sum(x, 'ai_requests_total', { feature: 'other' })).toBe(3);
    expect(sum(x, 'ai_exporter_label_overflow_total', { label: 'feature' })).toBe(3);
    expect(sum(x, 'ai_requests_total')).toBe(6);
  });

  it('puts every SLO latency target into the duration buckets', () => {
    const s = new UsageStore(CATALOG);
    expect(s.latencyBuckets).toContain(12);
    s.recordRequest(rec({ latencySeconds: 11.9 }), FREE);
    s.recordRequest(rec({ latencySeconds: 12.1 }), FREE);
    const x = parseExposition(s.render());
    expect(sum(x, 'ai_request_duration_seconds_bucket', { le: '12' })).toBe(1);
    expect(sum(x, 'ai_request_duration_seconds_bucket', { le: '15' })).toBe(2);
    expect(sum(x, 'ai_request_duration_seconds_count')).toBe(2);
  });

  it('follows breaker events and ignores ones older than the current state', () => {
    const s = new UsageStore(CATALOG);
    const t = 1_760_000_000_000;
    s.recordBreaker({ kind: 'breaker', timestampMs: t, provider: 'groq', state: 'open', failureCount: 12 });
    s.recordBreaker({ kind: 'breaker', timestampMs: t - 5000, provider: 'groq', state: 'closed' });
    let x = parseExposition(s.render());
    expect(sum(x, 'ai_circuit_breaker_state', { provider: 'groq' })).toBe(2);
    expect(sum(x, 'ai_circuit_breaker_failures', { provider: 'groq' })).toBe(12);
    expect(sum(x, 'ai_circuit_breaker_state_since_timestamp_seconds', { provider: 'groq' })).toBe(t / 1000);
    expect(sum(x, 'ai_circuit_breaker_state', { provider: 'openai' })).toBe(0);
    s.recordBreaker({ kind: 'breaker', timestampMs: t + 60_000, provider: 'groq', state: 'half_open' });
    x = parseExposition(s.render());
    expect(sum(x, 'ai_circuit_breaker_state', { provider: 'groq' })).toBe(1);
  });

  it('escapes a hostile breaker provider and counts a folded one as overflow', () => {
    const s = new UsageStore(parseCatalog(`
version: 1
providers: [{ slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://x.example", pricing_id: openai }]
slo: { global: { availability: 0.99, latency_p95_seconds: 12, error_rate: 0.01 } }
limits: { label_values: { provider: 2 } }
`));
    s.recordBreaker({ kind: 'breaker', timestampMs: 1_760_000_000_000, provider: 'evil"} 1\nfoo', state: 'open' });
    s.recordBreaker({ kind: 'breaker', timestampMs: 1_760_000_000_000, provider: 'third', state: 'open' });
    const x = parseExposition(s.render());
    expect(x.filter((m) => m.name === 'ai_circuit_breaker_state').map((m) => m.labels.provider).sort()).toEqual(['evil"} 1\nfoo', 'openai', 'other']);
    expect(sum(x, 'ai_exporter_label_overflow_total', { label: 'provider' })).toBe(1);
  });

  it('restores a snapshot to the same exposition, and keeps counting from there', () => {
    const a = new UsageStore(CATALOG);
    a.recordRequest(rec(), FREE);
    a.recordRequest(rec({ status: 'error', errorType: 'rate_limit', tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }), { costUsd: 0, revenueUsd: 0, priced: true });
    a.recordRequest(rec({ model: 'mystery' }), { costUsd: 0, revenueUsd: 0, priced: false });
    const b = new UsageStore(CATALOG);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.render()).toBe(a.render());
    b.recordRequest(rec(), FREE);
    expect(sum(parseExposition(b.render()), 'ai_requests_total')).toBe(4);
    expect(sum(parseExposition(b.render()), 'ai_unpriced_requests_total', { model: 'mystery' })).toBe(1);
  });

  it('escapes label values and never exports user, session or request ids', () => {
    const s = new UsageStore(CATALOG);
    s.recordRequest(rec({ feature: 'a "quoted"\\feature', userId: 'alice@example.com', sessionId: 'sess-1', requestId: 'req-1' }), FREE);
    const text = s.render();
    expect(text).toContain('feature="a \\"quoted\\"\\\\feature"');
    expect(text).not.toMatch(/alice|sess-1|req-1/);
    expect(parseExposition(text).find((m) => m.name === 'ai_requests_total')!.labels.feature).toBe('a "quoted"\\feature');
  });
});

describe('dedupe through the pipeline', () => {
  it('counts a repeated request_id once within the window and again after it', () => {
    const p = new Pipeline(CATALOG);
    const line = (id: string, ms: number) => JSON.stringify({ timestamp: ms, provider: 'openai', model: 'gpt-4o', input_tokens: 10, output_tokens: 1, request_id: id });
    const t = 1_760_000_000_000;
    expect(p.ingestLine(line('r1', t), 'http')).toEqual({ ok: true });
    expect(p.ingestLine(line('r1', t + 1000), 'http')).toEqual({ ok: true, duplicate: true });
    expect(p.ingestLine(line('r2', t + 2000), 'http')).toEqual({ ok: true });
    // Two full windows later the id is forgotten.
    expect(p.ingestLine(line('r1', t + 130_000), 'http')).toEqual({ ok: true });
    const x = parseExposition(p.store.render() + p.stats.render());
    expect(sum(x, 'ai_requests_total')).toBe(3);
    expect(sum(x, 'ai_exporter_duplicate_requests_total', { source: 'http' })).toBe(1);
    expect(sum(x, 'ai_exporter_lines_total', { source: 'http' })).toBe(4);
  });
});
