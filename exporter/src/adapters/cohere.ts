// Cohere chat bodies. v1 (/v1/chat) reports usage at meta.billed_units, v2 (/v2/chat) at
// usage.billed_units; both carry input_tokens and output_tokens, and billed_units is what is
// charged (meta.tokens / usage.tokens also count the prompt template, which is not billed). The
// counts are disjoint, with no cache or reasoning parts. The body names no model: the envelope's is used.
import type { TokenCounts } from '../events/types.js';
import { type JsonObject, missing, optObject, optTokens } from './fields.js';
import type { ResponseUsage } from './response-body.js';

export function cohereBody(body: JsonObject): ResponseUsage {
  const meta = optObject(body.meta, 'response.meta');
  const usage = optObject(body.usage, 'response.usage');
  let tokens: TokenCounts;
  if (usage && usage.billed_units != null) tokens = billed(usage.billed_units, 'response.usage.billed_units');
  else if (meta && meta.billed_units != null) tokens = billed(meta.billed_units, 'response.meta.billed_units');
  else throw missing('response.meta.billed_units', 'billed units (v1 meta.billed_units or v2 usage.billed_units)');
  // v1's ERROR_TOXIC: the answer was stopped by Cohere's safety filter.
  const failure = body.finish_reason === 'ERROR_TOXIC' ? { type: 'content_filter', message: 'finish_reason ERROR_TOXIC' } : undefined;
  return { provider: 'cohere', model: undefined, tokens, failure };
}

function billed(v: unknown, path: string): TokenCounts {
  const units = optObject(v, path) as JsonObject;
  return {
    input: optTokens(units.input_tokens, `${path}.input_tokens`),
    output: optTokens(units.output_tokens, `${path}.output_tokens`),
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
  };
}
