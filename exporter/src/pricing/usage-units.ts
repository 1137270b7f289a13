// The usage vectors tokenscope hands to genai-prices' calcPrice, and the one pricing rule it adds
// on top (1-hour cache writes for models without a 1-hour price). Shared by genai.ts's probes,
// self-check and direct path, so all three see exactly the same usage.
import type { ModelPrice, TieredPrices, Usage } from '@pydantic/genai-prices';
import { CACHE_WRITE_1H_INPUT_MULTIPLIER } from './linear.js';

/** A request's pricing details (TokenCounts' optional fields), normalised by the pricer. */
export interface TokenDetail {
  readonly cacheWrite1h: number;
  readonly inputAudio: number;
  readonly cacheReadAudio: number;
  readonly outputAudio: number;
}

export const NO_DETAIL: TokenDetail = { cacheWrite1h: 0, inputAudio: 0, cacheReadAudio: 0, outputAudio: 0 };

/** genai-prices usage keys: input_tokens is ALL input (cache included); output_tokens includes reasoning. */
export function usage(input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number, d: TokenDetail = NO_DETAIL): Usage {
  return {
    input_tokens: input,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: output,
    // Passed so the rare model with its own reasoning price (perplexity sonar-deep-research) gets it;
    // for every other model calcPrice prices reasoning as the output it is part of.
    output_reasoning_tokens: reasoning,
    // genai-prices' own detail units, each inside its parents (cache_write_1h in cache_write;
    // cache_audio_read in cache_read and input_audio): a model without a price for one prices it as its parent.
    cache_write_1h_tokens: d.cacheWrite1h,
    input_audio_tokens: d.inputAudio,
    cache_audio_read_tokens: d.cacheReadAudio,
    output_audio_tokens: d.outputAudio,
    // Overlaps of those that some models price apart; our slices never overlap there, and calcPrice
    // refuses a priced overlap that is left unreported.
    cache_audio_write_tokens: 0,
    cache_audio_write_1h_tokens: 0,
    output_audio_reasoning_tokens: 0,
  };
}

export function isTiered(v: ModelPrice[string]): v is TieredPrices {
  return typeof v === 'object' && v !== null;
}

/** The tier price in force at `input` total input tokens, by calcPrice's rule (last tier with start < input). */
export function tierPrice(t: TieredPrices, input: number): number {
  let price = t.base;
  for (const tier of [...t.tiers].sort((a, b) => a.start - b.start)) if (input > tier.start) price = tier.price;
  return price;
}

/**
 * Dollars to add to calcPrice's total for 1-hour cache writes when the model has no 1-hour price:
 * calcPrice prices them as other cache writes, we at Anthropic's 2x input (CACHE_WRITE_1H_INPUT_MULTIPLIER).
 */
export function cacheWrite1hAdjustment(mp: ModelPrice, input: number, cacheWrite1h: number): number {
  if (cacheWrite1h <= 0 || mp.cache_write_1h_mtok !== undefined) return 0;
  const rate = (v: ModelPrice[string]): number | undefined => (typeof v === 'number' ? v : isTiered(v) ? tierPrice(v, input) : undefined);
  const inputRate = rate(mp.input_mtok);
  if (inputRate === undefined) return 0;
  const writeRate = rate(mp.cache_write_mtok) ?? inputRate;
  return ((inputRate * CACHE_WRITE_1H_INPUT_MULTIPLIER - writeRate) * cacheWrite1h) / 1e6;
}
