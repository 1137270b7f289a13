// One genai-prices model, resolved once and priced without calling calcPrice per request.
//
// calcPrice looks the model up among hundreds (tens of µs), then validates and splits usage on
// every call (~5-10 µs even with a one-model provider). Its price is piecewise linear in the token
// counts, so we ask calcPrice itself for the pieces once and evaluate them with a dot product:
//   - a flat price (plain numbers) is one set of coefficients, derived by calling calcPrice with
//     unit usage vectors on a one-model provider carrying exactly that price;
//   - a tiered price (TieredPrices, e.g. gemini-2.5-pro above 200k prompt tokens) is flat within
//     each band of total input tokens, so it becomes one set of coefficients per band;
//   - start-date conditional prices (e.g. o3 from 2025-06-10) are constant between start dates, so
//     each time segment gets its own (flat or banded) form, picked by comparing the timestamp;
//   - time-of-day prices (e.g. deepseek off-peak) are constant within a UTC second when their
//     bounds are whole seconds, so the form for the last second seen is memoised.
// Which price is in force is always asked of calcPrice (never re-implemented), and every resolved
// model is checked against a plain calcPrice before use; anything that fails the check is priced
// by calcPrice directly.
import { calcPrice, type ConditionalPrice, type ModelPrice, type Provider, type TieredPrices, type Usage } from '@pydantic/genai-prices';
import { linearCost, type Coefficients } from './linear.js';

/** genai-prices usage keys: input_tokens is ALL input (cache included); output_tokens includes reasoning. */
function usage(input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): Usage {
  return {
    input_tokens: input,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: output,
    // Passed so the rare model with its own reasoning price (perplexity sonar-deep-research) gets it;
    // for every other model calcPrice prices reasoning as the output it is part of.
    output_reasoning_tokens: reasoning,
  };
}

const ZERO_USAGE = usage(0, 0, 0, 0, 0);
const PROBE_ID = 'tokenscope-probe';
const M = 1e6;

/** Per-band coefficients; band j applies when total input exceeds exactly j of the thresholds. */
interface Form {
  readonly thresholds: readonly number[];
  readonly bands: readonly Coefficients[];
}

function formCost(f: Form, input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): number {
  const th = f.thresholds;
  let j = 0;
  // calcPrice switches tier when input_tokens > tier.start (strictly).
  while (j < th.length && input > th[j]) j++;
  return linearCost(f.bands[j], input, cacheRead, cacheWrite, output, reasoning);
}

function isTiered(v: ModelPrice[string]): v is TieredPrices {
  return typeof v === 'object' && v !== null;
}

/** The tier price in force at `input` total input tokens, by calcPrice's rule (last tier with start < input). */
function tierPrice(t: TieredPrices, input: number): number {
  let price = t.base;
  for (const tier of [...t.tiers].sort((a, b) => a.start - b.start)) if (input > tier.start) price = tier.price;
  return price;
}

/** Coefficients of a flat price, measured by calcPrice on unit usage vectors (so its unit rules apply). */
function flatCoefficients(providerId: string, prices: ModelPrice): Coefficients {
  const probe: Provider = {
    id: providerId,
    name: providerId,
    api_pattern: '(?!)',
    models: [{ id: PROBE_ID, match: { equals: PROBE_ID }, prices }],
  };
  const f = (u: Usage): number => {
    const r = calcPrice(u, PROBE_ID, { provider: probe });
    if (!r) throw new Error('probe model did not resolve');
    return r.total_price;
  };
  const k0 = f(ZERO_USAGE); // per-request fees (e.g. perplexity requests_kcount)
  return {
    perRequest: k0,
    uncached: f(usage(M, 0, 0, 0, 0)) - k0,
    cacheRead: f(usage(M, M, 0, 0, 0)) - k0,
    cacheWrite: f(usage(M, 0, M, 0, 0)) - k0,
    output: f(usage(0, 0, 0, M, 0)) - k0,
    reasoning: f(usage(0, 0, 0, M, M)) - k0,
  };
}

/** A price as bands of flat coefficients: one band for a flat price, one per tier range otherwise. */
function formOf(providerId: string, prices: ModelPrice): Form {
  const starts = new Set<number>();
  for (const v of Object.values(prices)) if (isTiered(v)) for (const t of v.tiers) starts.add(t.start);
  const thresholds = [...starts].sort((a, b) => a - b);
  const bands: Coefficients[] = [];
  for (let j = 0; j <= thresholds.length; j++) {
    // Any input in band j selects the same tiers; tier starts are integers, so start + 1 is inside.
    const at = j === 0 ? 0 : thresholds[j - 1] + 1;
    const flat: ModelPrice = {};
    for (const [k, v] of Object.entries(prices)) flat[k] = isTiered(v) ? tierPrice(v, at) : v;
    bands.push(flatCoefficients(providerId, flat));
  }
  return { thresholds, bands };
}

type Strategy =
  | { kind: 'fixed'; form: Form }
  | { kind: 'dated'; starts: number[]; forms: Form[] }
  | { kind: 'time-of-day' }
  | { kind: 'direct' };

export class GenaiModel {
  /** Coefficients when the price never varies (flat, unconditional): the pricer's fastest path. */
  readonly fixed: Coefficients | null;
  private readonly strategy: Strategy;
  /** The model alone under its provider, so calcPrice needn't search the whole price list. */
  private readonly single: Provider;
  private readonly forms = new Map<ModelPrice, Form>();
  private lastSecond = NaN;
  private lastForm: Form | null = null;

  private constructor(
    readonly providerId: string,
    private readonly modelId: string,
    resolved: NonNullable<ReturnType<typeof calcPrice>>,
  ) {
    // fallback_model_providers dropped: the model is already found (e.g. azure → openai's gpt-4o).
    this.single = { ...resolved.provider, models: [resolved.model], fallback_model_providers: undefined };
    this.strategy = this.plan(resolved.model.prices);
    if (!this.agreesWithCalcPrice()) this.strategy = { kind: 'direct' };
    const s = this.strategy;
    this.fixed = s.kind === 'fixed' && s.form.thresholds.length === 0 ? s.form.bands[0] : null;
  }

  /** Null when genai-prices does not know the model under this provider id. */
  static resolve(providerId: string, modelId: string): GenaiModel | null {
    try {
      const r = calcPrice(ZERO_USAGE, modelId, { providerId });
      return r ? new GenaiModel(providerId, modelId, r) : null;
    } catch {
      return null; // a model whose price data calcPrice rejects is as good as unknown
    }
  }

  /** How this model is priced; 'direct' (a calcPrice per request) only when the fast path failed its self-check. */
  get kind(): Strategy['kind'] {
    return this.strategy.kind;
  }

  /** Dollars, or NaN if calcPrice fails on this usage. Arguments are normalised token counts. */
  cost(input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number, timestampMs: number): number {
    const s = this.strategy;
    switch (s.kind) {
      case 'fixed':
        return formCost(s.form, input, cacheRead, cacheWrite, output, reasoning);
      case 'dated': {
        let j = 0;
        while (j < s.starts.length && timestampMs >= s.starts[j]) j++;
        return formCost(s.forms[j], input, cacheRead, cacheWrite, output, reasoning);
      }
      case 'time-of-day': {
        const second = Math.floor(timestampMs / 1000);
        if (second !== this.lastSecond || !this.lastForm) {
          const mp = this.pricesAt(timestampMs);
          if (!mp) return NaN;
          this.lastForm = this.formFor(mp);
          this.lastSecond = second;
        }
        return formCost(this.lastForm, input, cacheRead, cacheWrite, output, reasoning);
      }
      case 'direct':
        return this.calc(usage(input, cacheRead, cacheWrite, output, reasoning), timestampMs);
    }
  }

  /** The model's price in force at a time (what calcPrice would use), or null. */
  pricesAt(timestampMs: number): ModelPrice | null {
    try {
      return calcPrice(ZERO_USAGE, this.modelId, { provider: this.single, timestamp: new Date(timestampMs) })?.model_price ?? null;
    } catch {
      return null;
    }
  }

  /** Uncached reference: calcPrice with the full lookup, as a caller without this class would do it. */
  private calc(u: Usage, timestampMs: number): number {
    try {
      return calcPrice(u, this.modelId, { providerId: this.providerId, timestamp: new Date(timestampMs) })?.total_price ?? NaN;
    } catch {
      return NaN;
    }
  }

  private plan(prices: ModelPrice | ConditionalPrice[]): Strategy {
    if (!Array.isArray(prices)) return { kind: 'fixed', form: this.formFor(prices) };
    const constraints = prices.map((p) => p.constraint).filter((c) => c !== undefined);
    if (constraints.every((c) => c.type === 'start_date')) {
      const starts = [...new Set(constraints.map((c) => Date.parse(`${c.start_date}T00:00:00Z`)))].sort((a, b) => a - b);
      if (starts.some((t) => Number.isNaN(t))) return { kind: 'direct' };
      // Segment j is [starts[j-1], starts[j]); ask calcPrice which price it uses at its first instant.
      const forms: Form[] = [];
      for (let j = 0; j <= starts.length; j++) {
        const at = j === 0 ? (starts.length ? starts[0] - 1 : Date.now()) : starts[j - 1];
        const mp = this.pricesAt(at);
        if (!mp) return { kind: 'direct' };
        forms.push(this.formFor(mp));
      }
      return { kind: 'dated', starts, forms };
    }
    // Time-of-day bounds with fractional seconds would split a second; leave those to calcPrice.
    const wholeSeconds = constraints.every((c) => c.type === 'start_date' || !`${c.start_time}${c.end_time}`.includes('.'));
    return wholeSeconds ? { kind: 'time-of-day' } : { kind: 'direct' };
  }

  private formFor(mp: ModelPrice): Form {
    let f = this.forms.get(mp);
    if (!f) {
      if (this.forms.size >= 64) this.forms.clear(); // a model has a handful of prices; never grow without bound
      f = formOf(this.providerId, mp);
      this.forms.set(mp, f);
    }
    return f;
  }

  /** Self-check against the uncached calcPrice on a few usages and times; false means don't trust the fast path. */
  private agreesWithCalcPrice(): boolean {
    const s = this.strategy;
    if (s.kind === 'direct') return true;
    const times = [Date.now(), Date.UTC(2024, 0, 1, 3), Date.UTC(2024, 0, 1, 15)];
    if (s.kind === 'dated') for (const t of s.starts) times.push(t - 1, t);
    const probes: [number, number, number, number, number][] = [
      [1234, 0, 0, 567, 0],
      [300_000, 20_000, 7_000, 9_000, 4_000],
      [50_000, 30_000, 10_000, 2_000, 1_500],
    ];
    try {
      for (const t of times) {
        for (const p of probes) {
          const want = this.calc(usage(...p), t);
          const got = this.cost(...p, t);
          if (!(Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), 1e-12))) return false;
        }
      }
      return true;
    } catch {
      return false;
    } finally {
      this.lastSecond = NaN;
      this.lastForm = null;
    }
  }
}
