// The memoised pricer must agree with a plain, uncached calcPrice: same model lookup, same price at
// the request's time, same tiers, same cache and reasoning rules. Random but seeded token vectors.
import { calcPrice, findProvider, type MatchLogic } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import type { Catalog } from '../../catalog/src/schema.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { GenaiModel } from '../../exporter/src/pricing/genai.js';
import { relClose, request, rng } from './helpers.js';

const catalog = loadCatalog();

/** The reference: one calcPrice per request, as the pricer would do without memoisation. */
function reference(c: Catalog, rec: RequestRecord): number | null {
  const pricingId = c.providers.find((p) => p.slug === rec.provider)?.pricing_id;
  const t = rec.tokens;
  const r = calcPrice(
    {
      input_tokens: t.input,
      cache_read_tokens: t.cacheRead,
      cache_write_tokens: t.cacheWrite,
      output_tokens: t.output,
      output_reasoning_tokens: t.reasoning,
    },
    rec.model,
    { providerId: pricingId, timestamp: new Date(rec.timestampMs) },
  );
  return r ? r.total_price : null;
}

const T0 = Date.UTC(2024, 0, 1);
const T1 = Date.UTC(2027, 0, 1);

/** A consistent random request: cache within input, reasoning within output, some near the 200k tier. */
function randomRequest(next: () => number, provider: string, model: string): RequestRecord {
  const int = (max: number): number => Math.floor(next() * (max + 1));
  const shape = next();
  const input = shape < 0.15 ? 200_000 + int(2) - 1 : shape < 0.3 ? int(1_000_000) : int(250_000);
  const cacheRead = next() < 0.5 ? int(input) : 0;
  const cacheWrite = next() < 0.3 ? int(input - cacheRead) : 0;
  const output = next() < 0.1 ? 0 : int(50_000);
  const reasoning = next() < 0.4 ? int(output) : 0;
  return request(provider, model, T0 + Math.floor(next() * (T1 - T0)), { input, cacheRead, cacheWrite, output, reasoning });
}

describe('memoised price() equals uncached calcPrice', () => {
  const genaiModels = catalog.models.filter((m) => !m.prices);

  it('for every catalog model genai-prices knows, over a few hundred random vectors each', () => {
    const pricer = new Pricer(catalog);
    const next = rng(20250610);
    let compared = 0;
    for (const m of genaiModels) {
      for (let i = 0; i < 300; i++) {
        const rec = randomRequest(next, m.provider, m.id);
        const want = reference(catalog, rec);
        expect(want, `${m.provider}/${m.id} resolves in genai-prices`).not.toBeNull();
        const got = pricer.price(rec);
        if (!relClose(got.costUsd, want!)) {
          expect.fail(`${m.provider}/${m.id} ${JSON.stringify(rec.tokens)} @${new Date(rec.timestampMs).toISOString()}: ${got.costUsd} vs ${want}`);
        }
        expect(got.source).toBe('genai-prices');
        compared++;
      }
    }
    expect(compared).toBe(genaiModels.length * 300);
  });

  it('around price-change instants: start dates and time-of-day bounds', () => {
    const pricer = new Pricer(catalog);
    const next = rng(7);
    const instants = [
      Date.UTC(2025, 5, 10) - 1,
      Date.UTC(2025, 5, 10),
      Date.UTC(2025, 6, 1, 0, 29, 59, 999),
      Date.UTC(2025, 6, 1, 0, 30),
      Date.UTC(2025, 6, 1, 16, 29, 59, 999),
      Date.UTC(2025, 6, 1, 16, 30),
    ];
    for (const m of genaiModels) {
      for (const at of instants) {
        // Out of time order on purpose: the time-of-day memo must not carry a price across seconds.
        for (let i = 0; i < 5; i++) {
          const rec = { ...randomRequest(next, m.provider, m.id), timestampMs: at };
          expect(relClose(pricer.price(rec).costUsd, reference(catalog, rec)!), `${m.provider}/${m.id} @${at}`).toBe(true);
        }
      }
    }
  });

  it('for every model of every catalog provider in genai-prices (fast path never falls back)', () => {
    // Broader than the catalog: any model a log may name. Request it by an id its match rule accepts.
    const next = rng(42);
    const providers = catalog.providers.filter((p) => p.pricing_id);
    const pricer = new Pricer(catalog);
    const kinds: Record<string, number> = {};
    let compared = 0;
    for (const p of providers) {
      for (const info of findProvider({ providerId: p.pricing_id })?.models ?? []) {
        const name = [info.id, ...literals(info.match)].find((n) => calcPrice({ input_tokens: 1 }, n, { providerId: p.pricing_id })?.model.id === info.id);
        if (!name) continue;
        const g = GenaiModel.resolve(p.pricing_id!, name);
        kinds[g!.kind] = (kinds[g!.kind] ?? 0) + 1;
        for (let i = 0; i < 10; i++) {
          const rec = randomRequest(next, p.slug, name);
          const want = reference(catalog, rec)!;
          const got = pricer.price(rec).costUsd;
          if (!relClose(got, want)) expect.fail(`${p.slug}/${name} ${JSON.stringify(rec.tokens)} @${rec.timestampMs}: ${got} vs ${want}`);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
    expect(kinds.direct ?? 0).toBe(0);
    expect(kinds.conditional).toBeGreaterThan(10);
  });
});

describe('the catalog', () => {
  it('prices every model it lists (catalog prices or genai-prices)', () => {
    const pricer = new Pricer(catalog);
    const unpriced = catalog.models
      .filter((m) => !pricer.price(request(m.provider, m.id, Date.now(), { input: 1000, output: 100 })).priced)
      .map((m) => `${m.provider}/${m.id}`);
    expect(unpriced).toEqual([]);
  });
});

function literals(m: MatchLogic): string[] {
  if ('or' in m) return m.or.flatMap(literals);
  if ('and' in m) return m.and.flatMap(literals);
  if ('equals' in m) return [m.equals];
  if ('starts_with' in m) return [m.starts_with];
  return [];
}
