// A request's cost when prices are flat: a dot product of its disjoint token slices with per-million
// prices, plus a per-request fee. Both catalog prices and (most) genai-prices models reduce to this,
// which is what makes pricing a few multiplications instead of a library call.
import type { Prices } from '../catalog/schema.js';

/** Dollars per million tokens for each disjoint slice of a request, and dollars per request. */
export interface Coefficients {
  readonly perRequest: number;
  /** Input that was neither read from nor written to the cache. */
  readonly uncached: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** Output that is not reasoning. */
  readonly output: number;
  readonly reasoning: number;
}

/**
 * Cost in dollars. Arguments are already normalised (see normaliseTokens): `input` includes cache
 * reads and writes, `output` includes reasoning, so every slice below is non-negative.
 */
export function linearCost(k: Coefficients, input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): number {
  return (
    k.perRequest +
    (k.uncached * (input - cacheRead - cacheWrite) +
      k.cacheRead * cacheRead +
      k.cacheWrite * cacheWrite +
      k.output * (output - reasoning) +
      k.reasoning * reasoning) /
      1e6
  );
}

/**
 * Catalog (or customer) prices: `input` is for uncached input, cache reads and writes default to the
 * input price when not given, and reasoning is output.
 */
export function fromPrices(p: Prices): Coefficients {
  return {
    perRequest: 0,
    uncached: p.input,
    cacheRead: p.cache_read ?? p.input,
    cacheWrite: p.cache_write ?? p.input,
    output: p.output,
    reasoning: p.output,
  };
}
