// Every provider shape in one mixed stream: the exposition's totals equal the synthetic truth,
// token by token and to the cent.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { expectedCost } from '../support/expected-cost.js';
import { parseExposition, sum } from '../support/exposition.js';
import { makeTruths, render, shapeFor, totals } from '../support/traffic.js';

describe('ingest totals across every log shape', () => {
  const catalog = loadCatalog();
  const truths = makeTruths(6000, { seed: 7 });
  const pipeline = new Pipeline(catalog);
  truths.forEach((t, i) => {
    const r = pipeline.ingestLine(render(t, shapeFor(t, i)), 'file');
    if (!r.ok) throw new Error(`line ${i} (${shapeFor(t, i)}) rejected: ${r.message}`);
  });
  const samples = parseExposition(new MetricsRenderer(pipeline, { processMetrics: false }).renderUsage());
  const want = totals(truths);

  it('counts every request and every failure', () => {
    expect(sum(samples, 'ai_requests_total')).toBe(want.requests);
    expect(sum(samples, 'ai_requests_total', { status: 'error' })).toBe(want.errors);
    expect(sum(samples, 'ai_request_errors_total')).toBe(want.errors);
  });

  it('keeps each provider’s token semantics (input includes cache, output includes reasoning)', () => {
    expect(sum(samples, 'ai_tokens_input_total')).toBe(want.input);
    expect(sum(samples, 'ai_tokens_output_total')).toBe(want.output);
    expect(sum(samples, 'ai_tokens_cache_read_total')).toBe(want.cacheRead);
    expect(sum(samples, 'ai_tokens_cache_write_total')).toBe(want.cacheWrite);
    for (const provider of ['openai', 'anthropic', 'google']) {
      const p = truths.filter((t) => t.provider === provider);
      expect(sum(samples, 'ai_tokens_input_total', { provider })).toBe(p.reduce((a, t) => a + t.input, 0));
      expect(sum(samples, 'ai_tokens_output_total', { provider })).toBe(p.reduce((a, t) => a + t.output, 0));
    }
  });

  it('prices the stream to the cent, per model', () => {
    const total = truths.reduce((a, t) => a + expectedCost(catalog, t), 0);
    expect(sum(samples, 'ai_request_cost_dollars_sum')).toBeCloseTo(total, 6);
    for (const model of new Set(truths.map((t) => t.model))) {
      const m = truths.filter((t) => t.model === model).reduce((a, t) => a + expectedCost(catalog, t), 0);
      expect(sum(samples, 'ai_request_cost_dollars_sum', { model })).toBeCloseTo(m, 6);
      // The spend counter on the full label set adds up to the same per model.
      expect(sum(samples, 'ai_cost_dollars_total', { model })).toBeCloseTo(m, 6);
    }
    expect(sum(samples, 'ai_unpriced_requests_total')).toBe(0);
  });
});
