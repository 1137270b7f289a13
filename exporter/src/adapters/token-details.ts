// Optional pricing details of a record's tokens (TokenCounts' cacheWrite1h, inputAudio,
// cacheReadAudio, outputAudio) and the reasoning-total rule shared by the OpenAI-shaped bodies.
// A detail is part of a total, never added to it; it is set only when non-zero (so records
// without details keep the five-field shape) and must fit inside its total, or the line is
// rejected naming the detail's field.
import { LineRejection, type TokenCounts } from '../events/types.js';

/** A detail larger than the total it is part of. Like every rejection, it names no values. */
function overTotal(path: string, total: string): LineRejection {
  return new LineRejection('invalid_field', path, `expected at most ${total}, got more`);
}

/** The part of cache writes made with a 1-hour TTL. Call after t.cacheWrite is final. */
export function setCacheWrite1h(t: TokenCounts, tokens: number, path: string): void {
  if (tokens > t.cacheWrite) throw overTotal(path, 'the cache writes');
  if (tokens > 0) t.cacheWrite1h = tokens;
}

/**
 * Audio parts of input, cache reads and output. Call after the totals are final and checked.
 * `cachedAudio` is undefined when the body does not break cache reads down by modality (OpenAI
 * Chat Completions): then the audio that cannot fit in the uncached input is taken as read from
 * the cache, the least the arithmetic allows.
 */
export function setAudio(
  t: TokenCounts,
  inputAudio: number,
  inputPath: string,
  cachedAudio: number | undefined,
  cachedPath: string,
  outputAudio: number,
  outputPath: string,
): void {
  if (inputAudio > t.input) throw overTotal(inputPath, 'the input total');
  let cacheReadAudio: number;
  if (cachedAudio === undefined) {
    cacheReadAudio = Math.min(Math.max(0, inputAudio - (t.input - t.cacheRead - t.cacheWrite)), t.cacheRead);
  } else {
    if (cachedAudio > t.cacheRead) throw overTotal(cachedPath, 'the cache reads');
    if (cachedAudio > inputAudio) throw overTotal(cachedPath, 'the audio input');
    cacheReadAudio = cachedAudio;
  }
  const textOutput = t.output - t.reasoning;
  if (outputAudio > textOutput) throw overTotal(outputPath, 'the output other than reasoning');
  if (inputAudio > 0) t.inputAudio = inputAudio;
  if (cacheReadAudio > 0) t.cacheReadAudio = cacheReadAudio;
  if (outputAudio > 0) t.outputAudio = outputAudio;
}

/**
 * Whether an OpenAI-shaped body reported reasoning OUTSIDE its completion/output count. OpenAI
 * includes reasoning in completion_tokens (total = prompt + completion); xAI called directly does
 * not (total = prompt + completion + reasoning), while gateways relaying xAI (OpenRouter) report
 * it OpenAI's way. So the body's own total decides; without a total, a completion count smaller
 * than the reasoning cannot include it.
 */
export function reasoningExcluded(total: unknown, input: number, output: number, reasoning: number): boolean {
  if (reasoning === 0) return false;
  if (typeof total === 'number') return total === input + output + reasoning;
  return output < reasoning;
}
