// One genai-prices model, resolved once and priced without calling calcPrice per request.
//
// calcPrice looks the model up among hundreds (tens of µs), then validates and splits usage on
// every call (~5-10 µs even with a one-model provider). Its price is piecewise linear in the token
// counts, so we ask calcPrice itself for the pieces once and evaluate them with a dot product:
//   - a flat price (plain numbers) is one set of coefficients, derived by calling calcPrice with
//     unit usage vectors on a one-model provider carrying exactly that price;
//   - a tiered price (TieredPrices, e.g. gemini-2.5-pro above 200k prompt tokens) is flat within
//     each band of total input tokens, so it becomes one set of coefficients per band;
//   - conditional prices are constant between their change points: start dates (e.g. o3 from
//     2025-06-10, at UTC midnight) and time-of-day bounds (e.g. deepseek's peak 00:30-16:30 UTC).
//     The timeline becomes a grid of (date segment × time-of-day interval) cells, each with its own
//     flat or banded form, picked by comparing the timestamp.
// We only extract the change points; which price applies in each cell is asked of calcPrice at an
// instant inside it (never re-implemented). Every resolved model is also checked against a plain
// calcPrice before use; anything that fails the check is priced by calcPrice directly.
// Pricing details (1-hour cache writes, audio: TokenCounts' optional fields) are genai-prices'
// own usage units (usage-units.ts), so they get coefficients the same way.
import { calcPrice, type ConditionalPrice, type ModelPrice, type Provider, type Usage } from '@pydantic/genai-prices';
import { cacheWrite1hAdjustment, isTiered, NO_DETAIL, tierPrice, type TokenDetail, usage } from './usage-units.js';
import { CACHE_WRITE_1H_INPUT_MULTIPLIER, detailCost, linearCost, type Coefficients } from './linear.js';

export type { TokenDetail } from './usage-units.js';

const ZERO_USAGE = usage(0, 0, 0, 0, 0);
const PROBE_ID = 'tokenscope-probe';
const M = 1e6;

/** Per-band coefficients; band j applies when total input exceeds exactly j of the thresholds. */
interface Form {
  readonly thresholds: readonly number[];
  readonly bands: readonly Coefficients[];
}

function formCost(f: Form, input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number, d: TokenDetail | undefined): number {
  const th = f.thresholds;
  let j = 0;
  // calcPrice switches tier when input_tokens > tier.start (strictly).
  while (j < th.length && input > th[j]) j++;
  const k = f.bands[j];
  const cost = linearCost(k, input, cacheRead, cacheWrite, output, reasoning);
  return d ? cost + detailCost(k, d.cacheWrite1h, d.inputAudio, d.cacheReadAudio, d.outputAudio) : cost;
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
  const uncached = f(usage(M, 0, 0, 0, 0)) - k0;
  const cacheRead = f(usage(M, M, 0, 0, 0)) - k0;
  const cacheWrite = f(usage(M, 0, M, 0, 0)) - k0;
  const output = f(usage(0, 0, 0, M, 0)) - k0;
  // A detail that calcPrice cannot price here is left at its parent's price; the self-check then
  // sends the model to calcPrice, which leaves only such requests unpriced.
  const detail = (u: Usage, parent: number): number => {
    try {
      return f(u) - k0;
    } catch {
      return parent;
    }
  };
  return {
    perRequest: k0,
    uncached,
    cacheRead,
    cacheWrite,
    output,
    reasoning: f(usage(0, 0, 0, M, M)) - k0,
    cacheWrite1h:
      prices.cache_write_1h_mtok === undefined
        ? uncached * CACHE_WRITE_1H_INPUT_MULTIPLIER
        : detail(usage(M, 0, M, 0, 0, { ...NO_DETAIL, cacheWrite1h: M }), cacheWrite),
    inputAudio: detail(usage(M, 0, 0, 0, 0, { ...NO_DETAIL, inputAudio: M }), uncached),
    cacheReadAudio: detail(usage(M, M, 0, 0, 0, { ...NO_DETAIL, inputAudio: M, cacheReadAudio: M }), cacheRead),
    outputAudio: detail(usage(0, 0, 0, M, 0, { ...NO_DETAIL, outputAudio: M }), output),
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

const DAY_MS = 86_400_000;

/** A time-of-day bound ("HH:MM:SS" with "Z" or "±HH:MM", as genai-prices accepts) in ms after UTC midnight; null if not whole seconds. */
function msOfDay(time: string): number | null {
  const m = /^(\d{2}):(\d{2}):(\d{2})(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) return null;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  const offset = m[4] === 'Z' ? 0 : (m[5] === '+' ? 1 : -1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (((local - offset) % 86_400) + 86_400) % 86_400 * 1000;
}

type Strategy =
  | { kind: 'fixed'; form: Form }
  /** forms[date segment][time-of-day interval]; segment j starts at starts[j-1], interval k at dayBounds[k-1]. */
  | { kind: 'conditional'; starts: number[]; dayBounds: number[]; forms: Form[][] }
  | { kind: 'direct' };

export class GenaiModel {
  /** Coefficients when the price never varies (flat, unconditional): the pricer's fastest path. */
  readonly fixed: Coefficients | null;
  private readonly strategy: Strategy;
  /** The model alone under its provider, so calcPrice needn't search the whole price list. */
  private readonly single: Provider;

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
  cost(input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number, timestampMs: number, d?: TokenDetail): number {
    const s = this.strategy;
    switch (s.kind) {
      case 'fixed':
        return formCost(s.form, input, cacheRead, cacheWrite, output, reasoning, d);
      case 'conditional': {
        let j = 0;
        while (j < s.starts.length && timestampMs >= s.starts[j]) j++;
        let k = 0;
        if (s.dayBounds.length) {
          const ms = timestampMs - Math.floor(timestampMs / DAY_MS) * DAY_MS;
          while (k < s.dayBounds.length && ms >= s.dayBounds[k]) k++;
        }
        return formCost(s.forms[j][k], input, cacheRead, cacheWrite, output, reasoning, d);
      }
      case 'direct':
        return this.calc(usage(input, cacheRead, cacheWrite, output, reasoning, d), timestampMs);
    }
  }

  /** The model's price in force at a time (what calcPrice would use), or null. */
  pricesAt(timestampMs: number): ModelPrice | null {
    const timestamp = new Date(timestampMs);
    try {
      return (
        calcPrice(ZERO_USAGE, this.modelId, { provider: this.single, timestamp }) ??
        // The one-model provider can miss where calcPrice rewrites ids (e.g. litellm's "provider/model").
        calcPrice(ZERO_USAGE, this.modelId, { providerId: this.providerId, timestamp })
      )?.model_price ?? null;
    } catch {
      return null;
    }
  }

  /** Uncached reference: calcPrice with the full lookup, as a caller without this class would do it. */
  private calc(u: Usage, timestampMs: number): number {
    try {
      const r = calcPrice(u, this.modelId, { providerId: this.providerId, timestamp: new Date(timestampMs) });
      return r ? r.total_price + cacheWrite1hAdjustment(r.model_price, u.input_tokens ?? 0, u.cache_write_1h_tokens ?? 0) : NaN;
    } catch {
      return NaN;
    }
  }

  private plan(prices: ModelPrice | ConditionalPrice[]): Strategy {
    if (!Array.isArray(prices)) return { kind: 'fixed', form: formOf(this.providerId, prices) };
    const starts = new Set<number>();
    const dayBounds = new Set<number>();
    for (const { constraint: c } of prices) {
      if (!c) continue;
      if (c.type === 'start_date') {
        starts.add(Date.parse(`${c.start_date}T00:00:00Z`));
      } else {
        const a = msOfDay(c.start_time);
        const b = msOfDay(c.end_time);
        if (a === null || b === null) return { kind: 'direct' }; // fractional seconds: leave to calcPrice
        dayBounds.add(a).add(b);
      }
    }
    const st = [...starts].sort((a, b) => a - b);
    const db = [...dayBounds].filter((d) => d !== 0).sort((a, b) => a - b);
    if (st.some((t) => Number.isNaN(t))) return { kind: 'direct' };
    // Start dates are UTC midnights, so each date segment holds at least one whole day: its first
    // day (or, before the first start date, the day before it) meets every time-of-day interval.
    const shared = new Map<ModelPrice, Form>(); // cells with the same price share one form
    const forms: Form[][] = [];
    for (let j = 0; j <= st.length; j++) {
      const day = j === 0 ? (st.length ? st[0] - DAY_MS : Date.UTC(2025, 0, 1)) : st[j - 1];
      const row: Form[] = [];
      for (let k = 0; k <= db.length; k++) {
        const mp = this.pricesAt(day + (k === 0 ? 0 : db[k - 1]));
        if (!mp) return { kind: 'direct' };
        let f = shared.get(mp);
        if (!f) shared.set(mp, (f = formOf(this.providerId, mp)));
        row.push(f);
      }
      forms.push(row);
    }
    return { kind: 'conditional', starts: st, dayBounds: db, forms };
  }

  /** Self-check against the uncached calcPrice on a few usages and times; false means don't trust the fast path. */
  private agreesWithCalcPrice(): boolean {
    const s = this.strategy;
    if (s.kind === 'direct') return true;
    const times = [Date.now(), Date.UTC(2024, 0, 1, 3), Date.UTC(2024, 0, 1, 15)];
    if (s.kind === 'conditional') {
      // Both sides of every change point, on the first day of each date segment.
      for (const t of s.starts) times.push(t - 1, t);
      const days = s.starts.length ? [s.starts[0] - DAY_MS, ...s.starts] : [Date.UTC(2025, 0, 1)];
      for (const d of days) for (const b of s.dayBounds) times.push(d + b - 1, d + b);
    }
    const probes: [number, number, number, number, number, TokenDetail?][] = [
      [1234, 0, 0, 567, 0],
      [300_000, 20_000, 7_000, 9_000, 4_000],
      [50_000, 30_000, 10_000, 2_000, 1_500],
      [250_000, 30_000, 10_000, 2_000, 1_500, { cacheWrite1h: 4_000, inputAudio: 6_000, cacheReadAudio: 3_000, outputAudio: 300 }],
    ];
    try {
      for (const t of times) {
        for (const p of probes) {
          const [input, cacheRead, cacheWrite, output, reasoning, d] = p;
          const want = this.calc(usage(input, cacheRead, cacheWrite, output, reasoning, d), t);
          const got = this.cost(input, cacheRead, cacheWrite, output, reasoning, t, d);
          if (!(Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), 1e-12))) return false;
        }
      }
      return true;
    } catch {
      return false;
    }
  }
}
