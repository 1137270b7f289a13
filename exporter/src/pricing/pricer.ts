// Prices every request: cost from the catalog or @pydantic/genai-prices at the request's time, and
// revenue from the catalog's customer prices. Runs once per ingested line, so each (provider, model)
// is resolved once into a cached entry and a request then costs a Map lookup and a dot product.
import { findCatalogModel, type Matchable } from '../../../catalog/src/model-match.js';
import type { Catalog, ModelEntry, ProviderEntry, Prices } from '../../../catalog/src/schema.js';
import { defaultClock } from '../clock.js';
import type { RequestRecord, TokenCounts } from '../events/types.js';
import { GenaiModel, type TokenDetail } from './genai.js';
import { detailCost, fromPrices, linearCost, type Coefficients } from './linear.js';
import { priceDataGeneration } from './price-data.js';

export interface PriceResult {
  costUsd: number;
  revenueUsd: number;
  /** 'reported' = the log writer's own cost, used only when nobody can price the model. */
  source: 'catalog' | 'genai-prices' | 'reported' | 'none';
  /** False when we could not price the model (ai_unpriced_requests_total), even if a reported cost was used. */
  priced: boolean;
}

export type TokenType = 'input' | 'output' | 'cache_read' | 'cache_write';

export interface PriceRow {
  provider: string;
  model: string;
  tokenType: TokenType;
  dollarsPerMillion: number;
}

export interface PricerOptions {
  /** Called once per unpriced (provider, model); the caller logs the warning. */
  onUnpriced?: (provider: string, model: string) => void;
}

interface Entry {
  readonly source: 'catalog' | 'genai-prices' | 'none';
  /** Flat price: the common case, priced inline. */
  readonly coeffs: Coefficients | null;
  /** Tiered or time-dependent genai-prices model. */
  readonly genai: GenaiModel | null;
  /** The customer's per-model price for revenue, if the catalog has one. */
  readonly customer: Coefficients | null;
  /** Set once onUnpriced has been considered, so an unpriced model costs no further lookups. */
  warned: boolean;
}

/** Distinct (provider, model) pairs cached before the cache is dropped, so hostile input can't grow memory. */
const MAX_CACHED = 10_000;
/** Distinct unpriced pairs remembered (and warned about); beyond this, new ones go unannounced. */
const MAX_UNPRICED = 1_000;
/** Date's valid range; outside it calcPrice would throw on the timestamp. */
const MAX_TIME_MS = 8.64e15;

/** Token counts as calcPrice accepts them: finite and non-negative (else 0). */
function clean(x: number): number {
  return x > 0 && x < Infinity ? x : 0;
}

/** A record's pricing details, clamped into their parent slices (cleaned cacheRead / cacheWrite). */
function detailOf(t: TokenCounts, cacheRead: number, cacheWrite: number): TokenDetail {
  const cacheReadAudio = Math.min(clean(t.cacheReadAudio ?? 0), cacheRead);
  return {
    cacheWrite1h: Math.min(clean(t.cacheWrite1h ?? 0), cacheWrite),
    inputAudio: Math.max(clean(t.inputAudio ?? 0), cacheReadAudio),
    cacheReadAudio,
    outputAudio: clean(t.outputAudio ?? 0),
  };
}

/** The price of a call with unknown usage: the writer's own cost if it reported one, else 0, and unpriced. */
function unknownUsage(rec: RequestRecord): PriceResult {
  const r = rec.reportedCostUsd;
  const reported = typeof r === 'number' && r >= 0 && r < Infinity;
  return { costUsd: reported ? r : 0, revenueUsd: 0, source: reported ? 'reported' : 'none', priced: false };
}

const lower = (s: string): string => s.trim().toLowerCase();
const pairKey = (provider: string, model: string): string => `${provider}\u0000${model}`;

export class Pricer {
  private readonly onUnpriced?: (provider: string, model: string) => void;
  private readonly providers = new Map<string, ProviderEntry>();
  /** Catalog price overrides by (provider slug, lower-cased model id): genai-prices matches case-insensitively too. */
  private readonly overrides = new Map<string, Prices>();
  /** Catalog models with a price override, by provider slug: for ids an override covers without naming them (dated snapshots, prefixes). */
  private readonly overridden = new Map<string, ModelEntry[]>();
  private readonly customer = new Map<string, Coefficients>();
  private readonly customerNames: Matchable[] = [];
  /** Revenue multiplier on cost when a model has no customer price; 0 without customer_pricing. */
  private readonly markupFactor: number;
  /** provider → model → entry: two lookups, no string building, on the hot path. */
  private cache = new Map<string, Map<string, Entry>>();
  private cached = 0;
  /** The price data the cache was built from (price-data.ts): loading other data empties it. */
  private dataGeneration = priceDataGeneration();
  private readonly unpriced = new Map<string, { provider: string; model: string }>();

  constructor(
    private readonly catalog: Catalog,
    opts: PricerOptions = {},
  ) {
    this.onUnpriced = opts.onUnpriced;
    for (const p of catalog.providers) this.providers.set(p.slug, p);
    for (const m of catalog.models) {
      if (!m.prices) continue;
      this.overrides.set(pairKey(m.provider, lower(m.id)), m.prices);
      let list = this.overridden.get(m.provider);
      if (!list) this.overridden.set(m.provider, (list = []));
      list.push(m);
    }
    const cp = catalog.customer_pricing;
    this.markupFactor = cp ? 1 + cp.markup : 0;
    for (const [model, prices] of Object.entries(cp?.models ?? {})) {
      this.customer.set(model, fromPrices(prices));
      this.customerNames.push({ id: model, match: catalog.models.find((m) => m.match && lower(m.id) === lower(model))?.match });
    }
  }

  price(rec: RequestRecord): PriceResult {
    // A failed request is billed nothing, and is not "unpriced": there is nothing to price.
    if (rec.status === 'error') return { costUsd: 0, revenueUsd: 0, source: 'none', priced: true };
    // A successful call whose source reported no usage: its cost is unknown, not $0 (counted in
    // ai_unpriced_requests_total; the model itself may well be priced, so no warning).
    if (rec.usageUnknown) return unknownUsage(rec);
    const e = this.entry(rec.provider, rec.model);

    // Normalise once so every path sees the same, calcPrice-valid usage: cache tokens are part of
    // input and reasoning part of output, so a total smaller than its parts is raised to them.
    const t = rec.tokens;
    const cacheRead = clean(t.cacheRead);
    const cacheWrite = clean(t.cacheWrite);
    const reasoning = clean(t.reasoning);
    // Pricing details (1-hour cache writes, audio) only when the record has any: each is clamped
    // into the slice it is part of, and totals are raised to cover them.
    const d = t.cacheWrite1h === undefined && t.inputAudio === undefined && t.cacheReadAudio === undefined && t.outputAudio === undefined ? undefined : detailOf(t, cacheRead, cacheWrite);
    let input = clean(t.input);
    const inputParts = cacheRead + cacheWrite + (d ? d.inputAudio - d.cacheReadAudio : 0);
    if (input < inputParts) input = inputParts;
    let output = clean(t.output);
    const outputParts = reasoning + (d ? d.outputAudio : 0);
    if (output < outputParts) output = outputParts;

    let cost = NaN;
    if (e.coeffs) cost = linearCost(e.coeffs, input, cacheRead, cacheWrite, output, reasoning) + (d ? detailCost(e.coeffs, d.cacheWrite1h, d.inputAudio, d.cacheReadAudio, d.outputAudio) : 0);
    else if (e.genai) cost = e.genai.cost(input, cacheRead, cacheWrite, output, reasoning, this.timeOf(rec), d);
    let source: PriceResult['source'] = e.source;
    const priced = cost >= 0; // false for NaN: no price, or calcPrice failed on this usage
    if (!priced) {
      if (!e.warned) {
        e.warned = true;
        this.noteUnpriced(rec.provider, rec.model);
      }
      // The writer's own cost is better than nothing, but only when we cannot price the model at all.
      const reported = rec.reportedCostUsd;
      const useReported = typeof reported === 'number' && reported >= 0 && reported < Infinity;
      cost = useReported ? reported : 0;
      source = useReported ? 'reported' : 'none';
    }
    const revenueUsd = e.customer
      ? linearCost(e.customer, input, cacheRead, cacheWrite, output, reasoning) + (d ? detailCost(e.customer, d.cacheWrite1h, d.inputAudio, d.cacheReadAudio, d.outputAudio) : 0)
      : cost * this.markupFactor;
    return { costUsd: cost, revenueUsd, source, priced };
  }

  /** Every unpriced (provider, model) seen so far (up to 1000), in first-seen order. */
  unpricedModels(): Array<{ provider: string; model: string }> {
    return [...this.unpriced.values()].map((u) => ({ ...u }));
  }

  /**
   * Per-million prices in force now for every catalog model, for ai_model_price_dollars_per_million_tokens:
   * the catalog override, else genai-prices' base (first-tier) price. Token types without a price are omitted.
   */
  priceTable(nowMs: number = defaultClock().now()): PriceRow[] {
    const rows: PriceRow[] = [];
    for (const m of this.catalog.models) {
      const add = (tokenType: TokenType, v: unknown): void => {
        const d = typeof v === 'number' ? v : typeof v === 'object' && v !== null && 'base' in v ? (v as { base: unknown }).base : undefined;
        if (typeof d === 'number' && Number.isFinite(d)) rows.push({ provider: m.provider, model: m.id, tokenType, dollarsPerMillion: d });
      };
      if (m.prices) {
        add('input', m.prices.input);
        add('output', m.prices.output);
        add('cache_read', m.prices.cache_read);
        add('cache_write', m.prices.cache_write);
        continue;
      }
      const g = this.entry(m.provider, m.id).genai;
      const mp = g?.pricesAt(nowMs);
      if (!mp) continue;
      add('input', mp.input_mtok);
      add('output', mp.output_mtok);
      add('cache_read', mp.cache_read_mtok);
      add('cache_write', mp.cache_write_mtok);
    }
    return rows;
  }

  /** Forget resolved models, e.g. after genai-prices' data was updated at runtime. Warnings already given stay given. */
  clearCache(): void {
    this.cache = new Map();
    this.cached = 0;
  }

  private timeOf(rec: RequestRecord): number {
    const ts = rec.timestampMs;
    return ts > -MAX_TIME_MS && ts < MAX_TIME_MS ? ts : defaultClock().now();
  }

  private entry(provider: string, model: string): Entry {
    if (this.dataGeneration !== priceDataGeneration()) {
      this.clearCache();
      this.dataGeneration = priceDataGeneration();
    }
    let byModel = this.cache.get(provider);
    const hit = byModel?.get(model);
    if (hit) return hit;
    if (this.cached >= MAX_CACHED) {
      this.clearCache();
      byModel = undefined;
    }
    if (!byModel) {
      byModel = new Map();
      this.cache.set(provider, byModel);
    }
    const e = this.resolve(provider, model);
    byModel.set(model, e);
    this.cached++;
    return e;
  }

  /** The slow part, once per (provider, model): catalog override, else genai-prices, else unpriced (cached too). */
  private resolve(provider: string, model: string): Entry {
    // Catalog names cover their dated snapshots and prefixed ids (catalog/model-match.ts).
    const customerName = this.customer.has(model) ? model : findCatalogModel(this.customerNames, model)?.id;
    const customer = (customerName === undefined ? undefined : this.customer.get(customerName)) ?? null;
    const none: Entry = { source: 'none', coeffs: null, genai: null, customer, warned: false };
    const slug = this.providers.has(provider) ? provider : lower(provider);
    const p = this.providers.get(slug);
    // A provider the catalog doesn't declare is unpriced: guessing a provider from the model name
    // (calcPrice without providerId) would price a self-hosted "llama" at some cloud's list price.
    if (!p) return none;
    const override = this.overrides.get(pairKey(slug, lower(model))) ?? findCatalogModel(this.overridden.get(slug) ?? [], model)?.prices;
    if (override) return { source: 'catalog', coeffs: fromPrices(override), genai: null, customer, warned: false };
    if (!p.pricing_id) return none;
    const g = GenaiModel.resolve(p.pricing_id, model);
    if (!g) return none;
    return { source: 'genai-prices', coeffs: g.fixed, genai: g, customer, warned: false };
  }

  private noteUnpriced(provider: string, model: string): void {
    const key = pairKey(provider, model);
    if (this.unpriced.has(key) || this.unpriced.size >= MAX_UNPRICED) return;
    this.unpriced.set(key, { provider, model });
    this.onUnpriced?.(provider, model);
  }
}
