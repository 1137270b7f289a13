// Price data loaded in-process (loadPriceData, as --prices-file and createTracker({ pricesFile }) do):
// the Pricer's memoised models follow the loaded data, every price key the installed genai-prices
// knows is applied (per-request fees included), and a rejected file changes nothing.
// genai-prices keeps its data module-wide; vitest gives this file its own module instance.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { beforeAll, describe, expect, it } from 'vitest';
import { activePriceData, checkPriceData, loadPriceData, PriceDataError } from '../../exporter/src/pricing/price-data.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { request, testCatalog } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-price-data-'));
let bundled: Provider[];
const copy = (): Provider[] => JSON.parse(JSON.stringify(bundled)) as Provider[];
const model = (data: Provider[], provider: string, id: string) => data.find((p) => p.id === provider)!.models.find((m) => m.id === id)!;
const file = (name: string, data: unknown): string => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(data));
  return f;
};

const catalog = testCatalog(`providers:
  - { slug: deepseek, name: DeepSeek, color: "#4D6BFE", status: active, docs_url: "https://api-docs.deepseek.com", pricing_id: deepseek }
models:
  - { id: deepseek-chat, provider: deepseek, family: deepseek }
`);
// Off-peak for the bundled data's time-of-day prices, so only the file's flat price applies below.
const at = '2026-11-01T20:00:00Z';

beforeAll(async () => {
  bundled = (await waitForUpdate())!;
});

describe('loadPriceData', () => {
  it('makes a Pricer built earlier drop its memoised models', () => {
    const pricer = new Pricer(catalog);
    // Bundled off-peak: $0.135/M input → 1M input = $0.135.
    expect(pricer.price(request('deepseek', 'deepseek-chat', at, { input: 1_000_000 })).costUsd).toBeCloseTo(0.135, 12);
    const d = copy();
    model(d, 'deepseek', 'deepseek-chat').prices = { input_mtok: 0.56, cache_read_mtok: 0.07, output_mtok: 1.68 };
    loadPriceData(file('new.json', d));
    expect(activePriceData().source).toBe('file');
    expect(pricer.price(request('deepseek', 'deepseek-chat', at, { input: 1_000_000 })).costUsd).toBeCloseTo(0.56, 12);
    // ai_model_price_dollars_per_million_tokens follows too.
    expect(pricer.priceTable().find((r) => r.model === 'deepseek-chat' && r.tokenType === 'input')?.dollarsPerMillion).toBe(0.56);
  });

  it('charges per-request prices once per request, as genai-prices does', () => {
    // $5 per 1000 requests = $0.005 a request, plus 1,000 input × $0.56/M = $0.00056.
    const d = copy();
    model(d, 'deepseek', 'deepseek-chat').prices = { input_mtok: 0.56, output_mtok: 1.68, requests_kcount: 5 };
    loadPriceData(file('per-request.json', d));
    const pricer = new Pricer(catalog);
    expect(pricer.price(request('deepseek', 'deepseek-chat', at, { input: 1000 })).costUsd).toBeCloseTo(0.00556, 12);
    expect(pricer.price(request('deepseek', 'deepseek-chat', at, { input: 0 })).costUsd).toBeCloseTo(0.005, 12);
  });

  it('accepts the audio and tool price keys genai-prices knows, and names those it does not', () => {
    const d = copy();
    model(d, 'deepseek', 'deepseek-chat').prices = {
      input_mtok: 1,
      cache_read_mtok: 0.5,
      output_mtok: 2,
      input_audio_mtok: 40,
      output_audio_mtok: 80,
      cache_audio_read_mtok: 2.5,
      web_searches_kcount: 10,
    };
    expect(checkPriceData(JSON.stringify(d)).unknownPriceKeys).toEqual([]);
    model(d, 'deepseek', 'deepseek-chat').prices = { input_mtok: 1, output_mtok: 2, hologram_mtok: 3 };
    expect(checkPriceData(JSON.stringify(d)).unknownPriceKeys).toEqual(['hologram_mtok']);
    const { warnings } = loadPriceData(file('unknown-key.json', d));
    expect(warnings).toEqual([expect.stringMatching(/does not know the price keys hologram_mtok; those prices are ignored/)]);
  });

  it('keeps the data it had when a file is rejected', () => {
    const d = copy();
    model(d, 'deepseek', 'deepseek-chat').prices = { input_mtok: 0.7, output_mtok: 1 };
    const good = file('good.json', d);
    loadPriceData(good);
    const before = activePriceData();
    const bad = copy();
    model(bad, 'deepseek', 'deepseek-chat').prices = { input_mtok: -1, output_mtok: 1 };
    expect(() => loadPriceData(file('negative.json', bad))).toThrow(PriceDataError);
    expect(() => loadPriceData(file('negative.json', bad))).toThrow(/genai-prices cannot use these prices: Invalid price value for input_mtok/);
    expect(activePriceData()).toEqual(before);
    expect(new Pricer(catalog).price(request('deepseek', 'deepseek-chat', at, { input: 1_000_000 })).costUsd).toBeCloseTo(0.7, 12);
  });

  it('checks the bundled data as it checks a file', () => {
    expect(checkPriceData(JSON.stringify(bundled)).unknownPriceKeys).toEqual([]);
  });
});
