// Anthropic Messages bodies. Anthropic's usage.input_tokens EXCLUDES cache reads and cache
// writes, so our inclusive input is the sum of the three. Thinking tokens are part of
// output_tokens and not reported separately, so reasoning stays 0.
import { type JsonObject, missing, optObject, optString, optTokens, reqTokens } from './fields.js';
import { type ResponseUsage, errorBody, errorDetails } from './response-body.js';

export function anthropicMessageBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usage, 'response.usage');
  if (!usage) throw missing('response.usage', 'a usage object');
  const uncached = reqTokens(usage.input_tokens, 'response.usage.input_tokens');
  const cacheRead = optTokens(usage.cache_read_input_tokens, 'response.usage.cache_read_input_tokens');
  const cacheWrite = optTokens(usage.cache_creation_input_tokens, 'response.usage.cache_creation_input_tokens');
  return {
    provider: 'anthropic',
    model: optString(body.model, 'response.model'),
    tokens: {
      input: uncached + cacheRead + cacheWrite,
      output: reqTokens(usage.output_tokens, 'response.usage.output_tokens'),
      cacheRead,
      cacheWrite,
      reasoning: 0,
    },
    // A refusal is the model's safety classifier stopping the answer: counted as a content filter.
    failure: body.stop_reason === 'refusal' ? { type: 'content_filter', message: 'stop_reason refusal' } : undefined,
  };
}

/** `{"type": "error", "error": {"type", "message"}}` */
export function anthropicErrorBody(body: JsonObject): ResponseUsage {
  const error = optObject(body.error, 'response.error');
  return errorBody('anthropic', error ? errorDetails(error, 'type') : {});
}
