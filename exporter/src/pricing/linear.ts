// A request's cost when prices are flat: a dot product of its disjoint token slices with per-million
// prices, plus a per-request fee. Both catalog prices and (most) genai-prices models reduce to this,
// which is what makes pricing a few multiplications instead of a library call.
import type { Prices } from '../../../catalog/src/schema.js';

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
  // Detail slices carved out of the ones above (TokenCounts' optional fields): priced by
  // detailCost as the difference from their parent slice, so records without details pay nothing extra.
  /** A 1-hour cache write (part of cacheWrite). */
  readonly cacheWrite1h: number;
  /** Uncached audio input (part of uncached). */
  readonly inputAudio: number;
  /** Audio read from the cache (part of cacheRead). */
  readonly cacheReadAudio: number;
  /** Audio output (part of output, disjoint from reasoning). */
  readonly outputAudio: number;
}

/**
 * Anthropic prices a 1-hour cache write at 2x the base input price (a 5-minute write at 1.25x):
 * used for a 1-hour write when the price data has no 1-hour price of its own (catalog prices,
 * genai-prices models without cache_write_1h_mtok, e.g. Claude on Bedrock or OpenRouter).
 */
export const CACHE_WRITE_1H_INPUT_MULTIPLIER = 2;

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
 * Dollars to add to linearCost for the detail slices, each priced at its own rate instead of its
 * parent's. Arguments are normalised: cacheWrite1h <= cacheWrite, cacheReadAudio <= min(cacheRead,
 * inputAudio), inputAudio - cacheReadAudio within the uncached input, outputAudio + reasoning <= output.
 */
export function detailCost(k: Coefficients, cacheWrite1h: number, inputAudio: number, cacheReadAudio: number, outputAudio: number): number {
  return (
    ((k.cacheWrite1h - k.cacheWrite) * cacheWrite1h +
      (k.inputAudio - k.uncached) * (inputAudio - cacheReadAudio) +
      (k.cacheReadAudio - k.cacheRead) * cacheReadAudio +
      (k.outputAudio - k.output) * outputAudio) /
    1e6
  );
}

/**
 * Catalog (or customer) prices: `input` is for uncached input, cache reads and writes default to the
 * input price when not given, and reasoning is output.
 */
export function fromPrices(p: Prices): Coefficients {
  const cacheRead = p.cache_read ?? p.input;
  return {
    perRequest: 0,
    uncached: p.input,
    cacheRead,
    cacheWrite: p.cache_write ?? p.input,
    output: p.output,
    reasoning: p.output,
    // The catalog has no 1-hour or audio prices: audio is priced as text, a 1-hour write by Anthropic's multiplier.
    cacheWrite1h: p.input * CACHE_WRITE_1H_INPUT_MULTIPLIER,
    inputAudio: p.input,
    cacheReadAudio: cacheRead,
    outputAudio: p.output,
  };
}
