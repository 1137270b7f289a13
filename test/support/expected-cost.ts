// Reference cost for a synthetic truth, computed straight from @pydantic/genai-prices (uncached)
// or the catalog's own prices, independently of exporter/src/pricing.
import { calcPrice } from '@pydantic/genai-prices';
import type { Catalog } from '../../catalog/src/schema.js';
import type { Truth } from './traffic.js';

export function expectedCost(catalog: Catalog, t: Truth): number {
  if (t.status === 'error') return 0;
  const m = catalog.models.find((x) => x.provider === t.provider && x.id === t.model);
  if (m?.prices) {
    const p = m.prices;
    const uncached = t.input - t.cacheRead - t.cacheWrite;
    return (uncached * p.input + t.cacheRead * (p.cache_read ?? p.input) + t.cacheWrite * (p.cache_write ?? p.input) + t.output * p.output) / 1e6;
  }
  const providerId = catalog.providers.find((p) => p.slug === t.provider)!.pricing_id!;
  const r = calcPrice({ input_tokens: t.input, cache_read_tokens: t.cacheRead, cache_write_tokens: t.cacheWrite, output_tokens: t.output }, t.model, { providerId, timestamp: new Date(t.timestampMs) });
  if (!r) throw new Error(`reference: no price for ${t.provider}/${t.model}`);
  return r.total_price;
}
