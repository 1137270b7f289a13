// The catalog series for observed model ids (exporter/src/exposition/catalog-series.ts), on a real
// pipeline and renderer: snapshot and prefixed ids a catalog model of the same provider covers get
// that model's ai_model_info and price rows; other ids none; never more than the store's
// (provider, model) tuples, which the series cap bounds.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const line = (provider: string, model: string, i = 0) =>
  JSON.stringify({ timestamp: new Date(T0 + i * 1000).toISOString(), provider, model, feature: 'chat', team: 'search', input_tokens: 100, output_tokens: 10, status: 'success', status_code: 200 });

const rows = (text: string, metric: string) => text.split('\n').filter((l) => l.startsWith(`${metric}{`));

describe('catalog rows for observed model ids', () => {
  it('covered ids get the entry\'s family and prices; uncovered and other-provider ids get none; re-rendered as tuples appear', () => {
    const p = new Pipeline(loadCatalog());
    const r = new MetricsRenderer(p, { processMetrics: false });
    const before = r.renderCatalog();
    for (const [prov, model] of [['openai', 'gpt-4o-2024-08-06'], ['openai', 'openai/gpt-4o'], ['openai', 'gpt-4o'], ['openai', 'gpt-5-unknown'], ['groq', 'gpt-4o-2024-08-06']]) {
      expect(p.ingestLine(line(prov, model), 'http').ok).toBe(true);
    }
    const after = r.renderCatalog();
    const info = rows(after, 'ai_model_info');
    // Every catalog row is still there, plus one per covered observed id.
    expect(info.slice(0, rows(before, 'ai_model_info').length)).toEqual(rows(before, 'ai_model_info'));
    const extra = info.slice(rows(before, 'ai_model_info').length);
    expect(extra.map((l) => /model="([^"]*)",family="([^"]*)"/.exec(l)!.slice(1))).toEqual([['gpt-4o-2024-08-06', 'gpt-4o'], ['openai/gpt-4o', 'gpt-4o']]);
    const price = (text: string, model: string) =>
      rows(text, 'ai_model_price_dollars_per_million_tokens').filter((l) => l.includes(`provider="openai",model="${model}",`)).map((l) => l.replace(`model="${model}"`, 'model=M'));
    expect(price(after, 'gpt-4o').length).toBeGreaterThan(0);
    expect(price(after, 'gpt-4o-2024-08-06')).toEqual(price(after, 'gpt-4o'));
    expect(price(after, 'openai/gpt-4o')).toEqual(price(after, 'gpt-4o'));
    expect(after).not.toContain('model="gpt-5-unknown"');
    expect(rows(after, 'ai_model_info').filter((l) => l.includes('provider="groq",model="gpt-4o'))).toEqual([]);
  });

  it('is bounded by the (provider, model) tuple cap', () => {
    const p = new Pipeline(loadCatalog(), { series: { provider_model: 5 } });
    const r = new MetricsRenderer(p, { processMetrics: false });
    const base = rows(r.renderCatalog(), 'ai_model_info').length;
    for (let i = 0; i < 50; i++) p.ingestLine(line('openai', `gpt-4o-2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + Math.floor(i / 12)).padStart(2, '0')}`, i), 'http');
    expect(rows(r.renderCatalog(), 'ai_model_info').length - base).toBe(5);
  });
});
