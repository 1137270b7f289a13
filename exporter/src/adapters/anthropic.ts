// Anthropic Messages bodies (also as served by Bedrock InvokeModel and Vertex AI rawPredict).
// Anthropic's usage.input_tokens EXCLUDES cache reads and cache writes, so our inclusive input is
// the sum of the three. cache_creation splits the writes by TTL (ephemeral_5m_input_tokens,
// ephemeral_1h_input_tokens; their sum is cache_creation_input_tokens): the 1-hour part is priced
// higher. Thinking is part of output_tokens; output_tokens_details.thinking_tokens, when a writer
// reports it, is the reasoning part.
import { LineRejection, type TokenCounts } from '../events/types.js';
import { type JsonObject, missing, optObject, optString, optTokens, reqTokens } from './fields.js';
import { checkTokenTotals } from './request-record.js';
import { type ResponseUsage, errorBody, errorDetails } from './response-body.js';
import { setCacheWrite1h } from './token-details.js';

export function anthropicMessageBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usage, 'response.usage');
  if (!usage) throw missing('response.usage', 'a usage object');
  return {
    provider: 'anthropic',
    model: optString(body.model, 'response.model'),
    tokens: anthropicUsage(usage),
    // A refusal is the model's safety classifier stopping the answer: counted as a content filter.
    failure: body.stop_reason === 'refusal' ? { type: 'content_filter', message: 'stop_reason refusal' } : undefined,
  };
}

/** Anthropic-shaped usage at `response.usage` (Messages bodies, streams, bodies without `type`). */
export function anthropicUsage(usage: JsonObject): TokenCounts {
  const uncached = reqTokens(usage.input_tokens, 'response.usage.input_tokens');
  const cacheRead = optTokens(usage.cache_read_input_tokens, 'response.usage.cache_read_input_tokens');
  const byTtl = optObject(usage.cache_creation, 'response.usage.cache_creation');
  const write5m = byTtl ? optTokens(byTtl.ephemeral_5m_input_tokens, 'response.usage.cache_creation.ephemeral_5m_input_tokens') : 0;
  const write1h = byTtl ? optTokens(byTtl.ephemeral_1h_input_tokens, 'response.usage.cache_creation.ephemeral_1h_input_tokens') : 0;
  // The TTL split alone is enough; with both, the total must cover the split.
  const cacheWrite =
    usage.cache_creation_input_tokens == null ? write5m + write1h : optTokens(usage.cache_creation_input_tokens, 'response.usage.cache_creation_input_tokens');
  if (cacheWrite < write5m + write1h) {
    throw new LineRejection(
      'invalid_field',
      'response.usage.cache_creation_input_tokens',
      'expected a total including cache_creation.ephemeral_5m_input_tokens and ephemeral_1h_input_tokens, got less than their sum',
    );
  }
  const details = optObject(usage.output_tokens_details, 'response.usage.output_tokens_details');
  const t: TokenCounts = {
    input: uncached + cacheRead + cacheWrite,
    output: reqTokens(usage.output_tokens, 'response.usage.output_tokens'),
    cacheRead,
    cacheWrite,
    reasoning: details ? optTokens(details.thinking_tokens, 'response.usage.output_tokens_details.thinking_tokens') : 0,
  };
  checkTokenTotals(t, 'response.usage.input_tokens', 'response.usage.output_tokens');
  setCacheWrite1h(t, write1h, 'response.usage.cache_creation.ephemeral_1h_input_tokens');
  return t;
}

/** `{"type": "error", "error": {"type", "message"}}` */
export function anthropicErrorBody(body: JsonObject): ResponseUsage {
  const error = optObject(body.error, 'response.error');
  return errorBody('anthropic', error ? errorDetails(error, 'type') : {});
}
