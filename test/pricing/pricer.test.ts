// Hand-computed prices. Every expected cost is worked out in the comment above it from the
// published per-million prices, so a wrong number here is a wrong price, not a wrong test.
import { describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { request, testCatalog } from './helpers.js';

const catalog = loadCatalog();
const pricer = new Pricer(catalog);
const cost = (...args: Parameters<typeof request>): number => pricer.price(request(...args)).costUsd;

const PROVIDERS = `providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://platform.openai.com/docs", pricing_id: openai }
  - { slug: ollama, name: Ollama, color: "#8C8C8C", status: active, docs_url: "https://ollama.com" }
`;

describe('genai-prices models', () => {
  it('prices OpenAI gpt-4o with cache read and reasoning', () => {
    // gpt-4o: $2.50/M input, $1.25/M cached input, $10/M output (reasoning is output).
    // 1000 uncached × $2.50/M + 200 cached × $1.25/M + 300 output (50 of it reasoning) × $10/M
    //   = 0.0025 + 0.00025 + 0.003 = 0.00575
    const r = pricer.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1200, cacheRead: 200, output: 300, reasoning: 50 }));
    expect(r.costUsd).toBeCloseTo(0.00575, 15);
    expect(r).toMatchObject({ source: 'genai-prices', priced: true });
  });

  it('prices Anthropic claude-sonnet-4 with cache read and cache write', () => {
    // claude-sonnet-4: $3/M input, $0.30/M cache read, $3.75/M cache write (5-minute), $15/M output.
    // 10,000 input = 2,000 uncached + 6,000 cache read + 2,000 cache write:
    // 2000 × 3 + 6000 × 0.30 + 2000 × 3.75 + 1000 output × 15 = 6000 + 1800 + 7500 + 15000 = 30,300 $/M
    //   = 0.0303
    expect(
      cost('anthropic', 'claude-sonnet-4-20250514', '2025-07-01', { input: 10_000, cacheRead: 6_000, cacheWrite: 2_000, output: 1_000 }),
    ).toBeCloseTo(0.0303, 15);
  });

  it('prices Gemini 2.5 Pro at the long-context tier above 200k prompt tokens', () => {
    // ≤200k prompt: $1.25/M input, $0.125/M cached, $10/M output.
    // 80,000 uncached × 1.25 + 20,000 cached × 0.125 + 5,000 output × 10 = 100,000 + 2,500 + 50,000 $/M = 0.1525
    expect(cost('google', 'gemini-2.5-pro', '2025-07-01', { input: 100_000, cacheRead: 20_000, output: 5_000 })).toBeCloseTo(0.1525, 15);
    // >200k prompt: $2.50/M input, $0.25/M cached, $15/M output, on ALL tokens of the request.
    // 200,000 uncached × 2.5 + 50,000 cached × 0.25 + 5,000 output × 15 = 500,000 + 12,500 + 75,000 $/M = 0.5875
    expect(cost('google', 'gemini-2.5-pro', '2025-07-01', { input: 250_000, cacheRead: 50_000, output: 5_000 })).toBeCloseTo(0.5875, 15);
    // The tier starts strictly above 200k: 200,000 × 1.25 = 0.25, but 200,001 × 2.5 = 0.5000025.
    expect(cost('google', 'gemini-2.5-pro', '2025-07-01', { input: 200_000 })).toBeCloseTo(0.25, 15);
    expect(cost('google', 'gemini-2.5-pro', '2025-07-01', { input: 200_001 })).toBeCloseTo(0.5000025, 15);
  });

  it('prices o3 at the price in force at the request time (cut on 2025-06-10)', () => {
    // Before: $10/M input, $40/M output: 10,000 × 10 + 2,000 × 40 = 100,000 + 80,000 $/M = 0.18
    const tokens = { input: 10_000, output: 2_000, reasoning: 1_500 };
    expect(cost('openai', 'o3', '2025-06-09T23:59:59.999Z', tokens)).toBeCloseTo(0.18, 15);
    // From 2025-06-10T00:00Z: $2/M input, $8/M output: 10,000 × 2 + 2,000 × 8 = 20,000 + 16,000 $/M = 0.036
    expect(cost('openai', 'o3', '2025-06-10T00:00:00Z', tokens)).toBeCloseTo(0.036, 15);
    expect(cost('openai', 'o3', '2025-06-09T12:00:00Z', tokens)).toBeCloseTo(0.18, 15);
  });

  it('prices DeepSeek by time of day (peak 00:30-16:30 UTC)', () => {
    // Peak: $0.27/M input, $1.10/M output: 1M × 0.27 + 1M × 1.10 = 1.37
    const tokens = { input: 1_000_000, output: 1_000_000 };
    expect(cost('deepseek', 'deepseek-chat', '2025-07-01T16:29:59.999Z', tokens)).toBeCloseTo(1.37, 12);
    // Off-peak (16:30 onwards): $0.135/M input, $0.55/M output: 0.135 + 0.55 = 0.685
    expect(cost('deepseek', 'deepseek-chat', '2025-07-01T16:30:00.000Z', tokens)).toBeCloseTo(0.685, 12);
    expect(cost('deepseek', 'deepseek-chat', '2025-07-02T00:29:59.000Z', tokens)).toBeCloseTo(0.685, 12);
    expect(cost('deepseek', 'deepseek-chat', '2025-07-02T00:30:00.000Z', tokens)).toBeCloseTo(1.37, 12);
  });

  it('uses a reasoning price and per-request fees when genai-prices has them', () => {
    // sonar-deep-research: $2/M input, $8/M output, $3/M reasoning.
    // 1,000 input × 2 + 1,000 non-reasoning output × 8 + 2,000 reasoning × 3 = 2,000 + 8,000 + 6,000 $/M = 0.016
    expect(cost('perplexity', 'sonar-deep-research', '2025-07-01', { input: 1_000, output: 3_000, reasoning: 2_000 })).toBeCloseTo(0.016, 15);
    // sonar: $1/M input, $1/M output, $12 per 1000 requests: 1000 × 1 + 1000 × 1 $/M + 12/1000 = 0.002 + 0.012 = 0.014
    expect(cost('perplexity', 'sonar', '2025-07-01', { input: 1_000, output: 1_000 })).toBeCloseTo(0.014, 15);
  });

  it('matches OpenRouter-style ids under the openrouter provider, and Azure', () => {
    // openai/gpt-4o on OpenRouter: $2.50/M input, $10/M output: 1,000 × 2.5 + 100 × 10 = 3,500 $/M = 0.0035
    expect(cost('openrouter', 'openai/gpt-4o', '2025-07-01', { input: 1_000, output: 100 })).toBeCloseTo(0.0035, 15);
    // Azure gpt-4o at OpenAI's price: same 0.0035.
    expect(cost('azure', 'gpt-4o', '2025-07-01', { input: 1_000, output: 100 })).toBeCloseTo(0.0035, 15);
    // OpenAI's own price list does not know the prefixed id.
    expect(pricer.price(request('openai', 'openai/gpt-4o', '2025-07-01', { input: 1_000 })).priced).toBe(false);
  });

  it('clamps inconsistent token counts instead of failing', () => {
    // Cache larger than input: input is raised to cache read + write (parts can't exceed the whole).
    // gpt-4o: 500 cached × $1.25/M = 0.000625
    expect(cost('openai', 'gpt-4o', '2025-07-01', { input: 100, cacheRead: 500 })).toBeCloseTo(0.000625, 15);
    // Negative or NaN counts are 0.
    expect(cost('openai', 'gpt-4o', '2025-07-01', { input: -5, output: Number.NaN })).toBe(0);
  });

  it('prices a request with an invalid timestamp at the current price', () => {
    // o3 today: $2/M input: 1,000 × 2 = 0.002 (calcPrice itself would throw on an invalid Date).
    expect(cost('openai', 'o3', Number.NaN, { input: 1_000 })).toBeCloseTo(0.002, 15);
  });
});

describe('catalog prices', () => {
  it('prices a self-hosted ollama model from the catalog', () => {
    // llama3.1:70b: $0.20/M input and output; cache read defaults to the input price.
    // 4,000 uncached × 0.20 + 1,000 cached × 0.20 + 1,000 output × 0.20 = 1,200 $/M = 0.0012
    const r = pricer.price(request('ollama', 'llama3.1:70b', '2025-07-01', { input: 5_000, cacheRead: 1_000, output: 1_000 }));
    expect(r.costUsd).toBeCloseTo(0.0012, 15);
    expect(r).toMatchObject({ source: 'catalog', priced: true });
  });

  it('lets catalog prices override genai-prices', () => {
    const c = testCatalog(`${PROVIDERS}
models:
  - { id: gpt-4o, provider: openai, family: gpt-4o, prices: { input: 1.0, output: 4.0, cache_read: 0.5 } }
`);
    const p = new Pricer(c);
    // 1,000 uncached × 1.0 + 200 cached × 0.5 + 300 output × 4.0 = 1,000 + 100 + 1,200 $/M = 0.0023 (not genai's 0.00575)
    const r = p.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_200, cacheRead: 200, output: 300 }));
    expect(r.costUsd).toBeCloseTo(0.0023, 15);
    expect(r.source).toBe('catalog');
    // No cache_write price: writes cost the input price. 600 uncached × 1.0 + 400 written × 1.0 = 0.001
    expect(p.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_000, cacheWrite: 400 })).costUsd).toBeCloseTo(0.001, 15);
    // Other models of the provider still come from genai-prices: gpt-4o-mini 1M input × $0.15/M = 0.15
    const mini = p.price(request('openai', 'gpt-4o-mini', '2025-07-01', { input: 1_000_000 }));
    expect(mini.source).toBe('genai-prices');
    expect(mini.costUsd).toBeCloseTo(0.15, 15);
  });

  it('applies a catalog price override to the dated snapshots and prefixed ids of its model, not to a longer name', () => {
    const c = testCatalog(`${PROVIDERS}
models:
  - { id: gpt-4o, provider: openai, family: gpt-4o, prices: { input: 1.0, output: 4.0 } }
`);
    const p = new Pricer(c);
    // 1M input × $1/M = 1 for every id the catalog name covers (catalog/model-match.ts).
    for (const id of ['gpt-4o-2024-08-06', 'openai/gpt-4o', 'GPT-4o-20240806']) {
      const r = p.price(request('openai', id, '2025-07-01', { input: 1_000_000 }));
      expect(r, id).toMatchObject({ source: 'catalog', priced: true });
      expect(r.costUsd, id).toBeCloseTo(1, 12);
    }
    // gpt-4o-mini is another model: genai-prices' $0.15/M.
    const mini = p.price(request('openai', 'gpt-4o-mini-2024-07-18', '2025-07-01', { input: 1_000_000 }));
    expect(mini.source).toBe('genai-prices');
    expect(mini.costUsd).toBeCloseTo(0.15, 12);
  });
});

describe('unpriced models', () => {
  it('reports an unknown model once, and uses the reported cost only then', () => {
    const onUnpriced = vi.fn();
    const p = new Pricer(catalog, { onUnpriced });
    for (let i = 0; i < 100; i++) {
      const r = p.price(request('openai', 'gpt-imaginary', '2025-07-01', { input: 1_000 }));
      expect(r).toEqual({ costUsd: 0, revenueUsd: 0, source: 'none', priced: false });
    }
    // The writer's cost (e.g. a gateway's response_cost) stands in, but the request is still unpriced.
    // Revenue follows the markup: 0.42 × 1.35 = 0.567
    const reported = p.price(request('openai', 'gpt-imaginary', '2025-07-01', { input: 1_000 }, { reportedCostUsd: 0.42 }));
    expect(reported).toMatchObject({ costUsd: 0.42, source: 'reported', priced: false });
    expect(reported.revenueUsd).toBeCloseTo(0.567, 15);
    expect(onUnpriced).toHaveBeenCalledTimes(1);
    expect(onUnpriced).toHaveBeenCalledWith('openai', 'gpt-imaginary');
    expect(p.unpricedModels()).toEqual([{ provider: 'openai', model: 'gpt-imaginary' }]);
  });

  it('ignores a reported cost when the model is priced', () => {
    // gpt-4o: 1,000 × $2.50/M = 0.0025, whatever the log says.
    const r = pricer.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_000 }, { reportedCostUsd: 99 }));
    expect(r).toMatchObject({ source: 'genai-prices', priced: true });
    expect(r.costUsd).toBeCloseTo(0.0025, 15);
  });

  it('treats unknown providers and self-hosted models without catalog prices as unpriced', () => {
    const onUnpriced = vi.fn();
    const p = new Pricer(catalog, { onUnpriced });
    // "acme" is not in the catalog: no guessing a provider from the model name, even for gpt-4o.
    expect(p.price(request('acme', 'gpt-4o', '2025-07-01', { input: 1_000 })).priced).toBe(false);
    // ollama has no pricing_id, so only catalog prices count.
    expect(p.price(request('ollama', 'mystery:7b', '2025-07-01', { input: 1_000 })).priced).toBe(false);
    // Invalid reported costs are ignored.
    expect(p.price(request('acme', 'x', '2025-07-01', { input: 1 }, { reportedCostUsd: -1 })).source).toBe('none');
    expect(p.price(request('acme', 'y', '2025-07-01', { input: 1 }, { reportedCostUsd: Number.NaN })).source).toBe('none');
    expect(onUnpriced.mock.calls).toEqual([
      ['acme', 'gpt-4o'],
      ['ollama', 'mystery:7b'],
      ['acme', 'x'],
      ['acme', 'y'],
    ]);
  });

  it('still warns once after the bounded cache is dropped', () => {
    const onUnpriced = vi.fn();
    const p = new Pricer(catalog, { onUnpriced });
    // 12,000 distinct models overflow the 10k cache (cleared) and the 1,000-entry unpriced list (capped).
    for (let i = 0; i < 12_000; i++) p.price(request('acme', `m${i}`, '2025-07-01', { input: 1 }));
    p.price(request('acme', 'm0', '2025-07-01', { input: 1 }));
    expect(onUnpriced).toHaveBeenCalledTimes(1_000);
    expect(p.unpricedModels()).toHaveLength(1_000);
    // Priced models resolve again after the clear.
    expect(p.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_000 })).costUsd).toBeCloseTo(0.0025, 15);
  });
});

describe('failed requests', () => {
  it('cost nothing, earn nothing, and are never unpriced', () => {
    const onUnpriced = vi.fn();
    const p = new Pricer(catalog, { onUnpriced });
    for (const model of ['gpt-4o', 'gpt-imaginary']) {
      const r = p.price(request('openai', model, '2025-07-01', { input: 50_000, output: 1_000 }, { status: 'error', reportedCostUsd: 3 }));
      expect(r).toEqual({ costUsd: 0, revenueUsd: 0, source: 'none', priced: true });
    }
    expect(onUnpriced).not.toHaveBeenCalled();
  });
});

describe('revenue', () => {
  it('applies the catalog markup', () => {
    // gpt-4o cost 0.00575 (see above) × (1 + 0.35) = 0.0077625
    const r = pricer.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_200, cacheRead: 200, output: 300, reasoning: 50 }));
    expect(r.revenueUsd).toBeCloseTo(0.0077625, 15);
  });

  it('uses a per-model customer price over the markup', () => {
    // Customer price for gpt-4o-mini: $0.30/M input (cache read defaults to it), $1.20/M output.
    // 6,000 uncached × 0.30 + 4,000 cached × 0.30 + 2,000 output × 1.20 = 1,800 + 1,200 + 2,400 $/M = 0.0054
    // Our cost (genai-prices $0.15 / $0.075 cached / $0.60): 6,000 × 0.15 + 4,000 × 0.075 + 2,000 × 0.6 = 900 + 300 + 1,200 $/M = 0.0024
    const r = pricer.price(request('openai', 'gpt-4o-mini', '2025-07-01', { input: 10_000, cacheRead: 4_000, output: 2_000 }));
    expect(r.revenueUsd).toBeCloseTo(0.0054, 15);
    expect(r.costUsd).toBeCloseTo(0.0024, 15);
  });

  it('is zero without customer_pricing', () => {
    const p = new Pricer(testCatalog(PROVIDERS));
    const r = p.price(request('openai', 'gpt-4o', '2025-07-01', { input: 1_000 }));
    expect(r.costUsd).toBeCloseTo(0.0025, 15);
    expect(r.revenueUsd).toBe(0);
  });

  it('prices customer cache writes at cache_write, or the input price', () => {
    const p = new Pricer(
      testCatalog(`${PROVIDERS}
customer_pricing:
  markup: 0.5
  models:
    llama3: { input: 1.0, output: 2.0, cache_write: 3.0 }
models:
  - { id: llama3, provider: ollama, family: llama, prices: { input: 0.1, output: 0.1 } }
`),
    );
    // Revenue: 500 uncached × 1 + 200 cache read × 1 (defaults to input) + 300 cache write × 3 + 100 output × 2
    //   = 500 + 200 + 900 + 200 = 1,800 $/M = 0.0018
    const r = p.price(request('ollama', 'llama3', '2025-07-01', { input: 1_000, cacheRead: 200, cacheWrite: 300, output: 100 }));
    expect(r.revenueUsd).toBeCloseTo(0.0018, 15);
    // Cost: 1,100 tokens × $0.1/M = 0.00011
    expect(r.costUsd).toBeCloseTo(0.00011, 15);
  });
});

describe('priceTable', () => {
  const rows = pricer.priceTable(Date.parse('2025-07-01T12:00:00Z'));
  const of = (provider: string, model: string): Record<string, number> =>
    Object.fromEntries(rows.filter((r) => r.provider === provider && r.model === model).map((r) => [r.tokenType, r.dollarsPerMillion]));

  it('lists catalog and genai-prices prices, omitting missing token types', () => {
    expect(of('openai', 'gpt-4o')).toEqual({ input: 2.5, output: 10, cache_read: 1.25 });
    expect(of('anthropic', 'claude-sonnet-4-20250514')).toEqual({ input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 });
    expect(of('ollama', 'llama3.1:70b')).toEqual({ input: 0.2, output: 0.2 });
    // Tiered: the base (first-tier) price.
    expect(of('google', 'gemini-2.5-pro')).toEqual({ input: 1.25, output: 10, cache_read: 0.125 });
    // Conditional: the price in force at that time (after the o3 cut; DeepSeek peak at 12:00 UTC).
    expect(of('openai', 'o3')).toEqual({ input: 2, output: 8, cache_read: 0.5 });
    expect(of('deepseek', 'deepseek-chat')).toEqual({ input: 0.27, output: 1.1, cache_read: 0.07 });
  });

  it('covers every catalog model', () => {
    const models = new Set(rows.map((r) => `${r.provider}/${r.model}`));
    expect([...models].sort()).toEqual(catalog.models.map((m) => `${m.provider}/${m.id}`).sort());
  });
});
