// Pricing details (TokenCounts' optional cacheWrite1h / inputAudio / cacheReadAudio / outputAudio):
// hand-computed prices, the clamping rules, and agreement with calcPrice given genai-prices' own
// usage units (cache_write_1h_tokens, input_audio_tokens, cache_audio_read_tokens, output_audio_tokens).
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { relClose, request, rng, testCatalog } from './helpers.js';

const catalog = loadCatalog();
const pricer = new Pricer(catalog);

describe('hand-computed', () => {
  it('prices Anthropic 1-hour cache writes at their own genai-prices rate', () => {
    // claude-sonnet-4: $3/M in, $3.75/M 5-minute write, $6/M 1-hour write, $15/M out.
    // 1000 uncached × 3 + 1000 (5m) × 3.75 + 3000 (1h) × 6 + 0 output = 3000 + 3750 + 18000 = 24,750 $/M
    const r = pricer.price(request('anthropic', 'claude-sonnet-4-20250514', '2025-09-01', { input: 5000, cacheWrite: 4000, cacheWrite1h: 3000 }));
    expect(r.costUsd).toBeCloseTo(0.02475, 15);
  });

  it('prices 1-hour writes at 2x input where the price data has no 1-hour price (catalog prices, revenue too)', () => {
    const c = testCatalog(`providers:
  - { slug: anthropic, name: Anthropic, color: "#D97757", status: active, docs_url: "https://docs.anthropic.com", pricing_id: anthropic }
models:
  - { id: claude-custom, provider: anthropic, family: claude, prices: { input: 2.0, output: 10.0, cache_write: 2.5 } }
customer_pricing:
  markup: 0
  models:
    claude-custom: { input: 4.0, output: 20.0 }
`);
    const p = new Pricer(c);
    // cost: 1000 uncached × 2 + 1000 (5m) × 2.5 + 2000 (1h) × (2 × 2) = 2000 + 2500 + 8000 = 12,500 $/M
    // revenue: 1000 × 4 + 1000 × 4 (cache_write defaults to input) + 2000 × (2 × 4) = 4000 + 4000 + 16000 = 24,000 $/M
    const r = p.price(request('anthropic', 'claude-custom', '2025-09-01', { input: 4000, cacheWrite: 3000, cacheWrite1h: 2000 }));
    expect(r.costUsd).toBeCloseTo(0.0125, 15);
    expect(r.revenueUsd).toBeCloseTo(0.024, 15);
  });

  it('prices OpenAI realtime audio, cached audio included', () => {
    // gpt-realtime: $4/M text in, $0.40/M cached text, $32/M audio in, $0.40/M cached audio, $16/M text out, $64/M audio out.
    // input 10,000 = 2,000 cached (500 of it audio) + 8,000 uncached (3,000 of it audio):
    // 5000 × 4 + 1500 × 0.4 + 3000 × 32 + 500 × 0.4 + 200 × 16 + 800 × 64 = 20000 + 600 + 96000 + 200 + 3200 + 51200 = 171,200 $/M
    const r = pricer.price(
      request('openai', 'gpt-realtime', '2025-09-01', { input: 10_000, cacheRead: 2_000, inputAudio: 3_500, cacheReadAudio: 500, output: 1_000, outputAudio: 800 }),
    );
    expect(r.costUsd).toBeCloseTo(0.1712, 15);
  });

  it('prices audio as text for a model without audio prices', () => {
    // gpt-4o-mini: $0.15/M in, $0.60/M out, for audio too. 1000 × 0.15 + 100 × 0.6 = 210 $/M
    const r = pricer.price(request('openai', 'gpt-4o-mini', '2025-09-01', { input: 1000, inputAudio: 600, output: 100, outputAudio: 50 }));
    expect(r.costUsd).toBeCloseTo(0.00021, 15);
  });

  it('clamps inconsistent details instead of failing: a detail never exceeds its part, totals rise to cover them', () => {
    // gemini-2.5-flash: $0.30/M text, $1/M audio, $2.50/M out. inputAudio 2000 > input 1000 → input raised to 2000,
    // all of it audio: 2000 × 1 + 0 output = 2,000 $/M. cacheWrite1h without cache writes is dropped.
    const r = pricer.price(request('google', 'gemini-2.5-flash', '2025-09-01', { input: 1000, inputAudio: 2000, cacheWrite1h: 500 }));
    expect(r.costUsd).toBeCloseTo(0.002, 15);
    expect(r.priced).toBe(true);
  });
});

/** calcPrice with genai-prices' own detail units: the reference for the memoised pricer. */
function reference(rec: RequestRecord, pricingId: string): number | null {
  const t = rec.tokens;
  const r = calcPrice(
    {
      input_tokens: t.input,
      cache_read_tokens: t.cacheRead,
      cache_write_tokens: t.cacheWrite,
      cache_write_1h_tokens: t.cacheWrite1h ?? 0,
      input_audio_tokens: t.inputAudio ?? 0,
      cache_audio_read_tokens: t.cacheReadAudio ?? 0,
      output_tokens: t.output,
      output_audio_tokens: t.outputAudio ?? 0,
      output_reasoning_tokens: t.reasoning,
    },
    rec.model,
    { providerId: pricingId, timestamp: new Date(rec.timestampMs) },
  );
  return r ? r.total_price : null;
}

describe('memoised price() equals calcPrice with detail units', () => {
  it('for every model of the catalog providers that prices audio or 1-hour writes', () => {
    const next = rng(1117);
    const int = (max: number): number => Math.floor(next() * (max + 1));
    let compared = 0;
    for (const p of catalog.providers.filter((x) => x.pricing_id)) {
      for (const info of findProvider({ providerId: p.pricing_id })?.models ?? []) {
        const prices = Array.isArray(info.prices) ? info.prices.map((c) => c.prices) : [info.prices];
        const has1h = prices.every((mp) => mp.cache_write_1h_mtok !== undefined);
        const audio = prices.some((mp) => mp.input_audio_mtok !== undefined || mp.output_audio_mtok !== undefined);
        if (!has1h && !audio) continue;
        if (!calcPrice({ input_tokens: 1 }, info.id, { providerId: p.pricing_id })) continue;
        for (let i = 0; i < 50; i++) {
          const input = int(300_000);
          const cacheRead = int(input);
          const cacheWrite = int(input - cacheRead);
          const cacheReadAudio = audio ? int(cacheRead) : 0;
          const inputAudio = audio ? cacheReadAudio + int(input - cacheRead - cacheWrite) : 0;
          const output = int(20_000);
          const reasoning = int(output);
          const rec = request(p.slug, info.id, Date.UTC(2025, 0, 1) + int(600) * 86_400_000, {
            input, cacheRead, cacheWrite, output, reasoning,
            cacheWrite1h: has1h ? int(cacheWrite) : 0,
            inputAudio,
            cacheReadAudio,
            outputAudio: audio ? int(output - reasoning) : 0,
          });
          const want = reference(rec, p.pricing_id!);
          if (want === null) continue;
          const got = pricer.price(rec).costUsd;
          if (!relClose(got, want, 1e-9)) expect.fail(`${p.slug}/${info.id} ${JSON.stringify(rec.tokens)}: ${got} vs ${want}`);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
