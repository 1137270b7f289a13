// Cardinality is capped per label tuple, not only per label: 100k distinct (provider, model,
// feature, team) tuples, every value under its own label cap, used to become 2.6M samples.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { MAX_LABEL_LENGTH } from '../../exporter/src/events/ceilings.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { DEFAULT_SERIES_LIMITS, UsageStore } from '../../exporter/src/store/usage-store.js';
import { parseExposition, sum } from '../support/exposition.js';

const catalog = loadCatalog();
const PRICE = { costUsd: 0.001, revenueUsd: 0, priced: true };

function rec(provider: string, model: string, feature: string, team: string): RequestRecord {
  return {
    kind: 'request', timestampMs: 1_760_000_000_000, provider, model, feature, team, project: 'p',
    tokens: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, latencySeconds: 0.5, status: 'success',
  };
}

describe('tuple caps', () => {
  it('folds 100k distinct tuples under the per-label caps into a bounded set of series, and counts the folds', () => {
    const s = new UsageStore(catalog);
    // 10 providers × 10 models × 100 features × 10 teams: each label well under its own cap.
    const providers = catalog.providers.slice(0, 10).map((p) => p.slug);
    let n = 0;
    for (const p of providers) {
      for (let m = 0; m < 10; m++) {
        for (let f = 0; f < 100; f++) for (let t = 0; t < 10; t++, n++) s.recordRequest(rec(p, `${p}-model-${m}`, `feature-${f}`, `team-${t}`), PRICE);
      }
    }
    expect(n).toBe(100_000);
    const { request, provider_model } = DEFAULT_SERIES_LIMITS;
    // At most the cap, plus one (provider, other, other, other) tuple per provider.
    expect(s.requests.size).toBeLessThanOrEqual(request + providers.length);
    expect(s.providerModels.size).toBeLessThanOrEqual(provider_model + providers.length);
    expect(s.sampleCount()).toBeLessThan(100_000);

    const text = s.render();
    expect(text.length).toBeLessThan(16 * 1024 * 1024);
    const x = parseExposition(text);
    // Nothing is lost: every request is counted, per provider exactly.
    expect(sum(x, 'ai_requests_total')).toBe(100_000);
    for (const p of providers) expect(sum(x, 'ai_requests_total', { provider: p })).toBe(10_000);
    expect(sum(x, 'ai_tokens_input_total')).toBe(1_000_000);
    // No single label overflowed; the tuples did, and each folded record is counted.
    expect(sum(x, 'ai_exporter_label_overflow_total')).toBe(0);
    expect(sum(x, 'ai_exporter_series_folded_total', { family: 'request' })).toBe(100_000 - request);
    expect(sum(x, 'ai_requests_total', { model: 'other', feature: 'other', team: 'other' })).toBe(100_000 - request);
    // 100 (provider, model) pairs are within their cap: latency stays per model.
    expect(sum(x, 'ai_exporter_series_folded_total', { family: 'provider_model' })).toBe(0);
    expect(sum(x, 'ai_request_duration_seconds_count', { model: 'other' })).toBe(0);
    expect(sum(x, 'ai_exporter_label_tuples', { family: 'request' })).toBe(s.requests.size);
    expect(sum(x, 'ai_exporter_label_tuples_limit', { family: 'request' })).toBe(request);
  });

  it('takes its caps from the pipeline options and keeps counting series that already exist', () => {
    const p = new Pipeline(catalog, { series: { request: 3, provider_model: 2 } });
    const line = (model: string, feature: string) =>
      JSON.stringify({ timestamp: '2025-06-01T00:00:00Z', provider: 'openai', model, feature, input_tokens: 10, output_tokens: 1, latency_ms: 200 });
    for (const [m, f] of [['a', 'x'], ['a', 'y'], ['b', 'x'], ['c', 'x'], ['a', 'z'], ['a', 'x']]) expect(p.ingestLine(line(m, f), 'http').ok).toBe(true);
    const x = parseExposition(p.store.render());
    expect(sum(x, 'ai_requests_total', { model: 'a', feature: 'x' })).toBe(2);
    expect(sum(x, 'ai_requests_total', { model: 'other', feature: 'other', team: 'other' })).toBe(2); // c/x and a/z
    expect(sum(x, 'ai_exporter_series_folded_total', { family: 'request' })).toBe(2);
    expect(sum(x, 'ai_request_duration_seconds_count', { model: 'other' })).toBe(1); // model c
    expect(sum(x, 'ai_exporter_series_folded_total', { family: 'provider_model' })).toBe(1);
    expect(() => new Pipeline(catalog, { series: { request: 0 } })).toThrow(/positive integer/);
  });

  it('cuts label values to 128 characters before using them: five 1 MB model names make a small scrape', () => {
    const p = new Pipeline(catalog);
    for (let i = 0; i < 5; i++) {
      const model = `${String(i)}${'m'.repeat(1_000_000)}`;
      // An element of a JSON array body (no per-line limit applies there).
      const r = p.ingestObject({ timestamp: '2025-06-01T00:00:00Z', provider: 'openai', model, input_tokens: 1, output_tokens: 1 }, 'http');
      expect(r.ok).toBe(true);
    }
    const text = p.store.render();
    expect(text.length).toBeLessThan(200_000);
    const models = new Set(parseExposition(text).filter((m) => m.name === 'ai_requests_total').map((m) => m.labels.model));
    expect(models.size).toBe(5);
    for (const m of models) expect(m.length).toBe(MAX_LABEL_LENGTH);
  });
});
