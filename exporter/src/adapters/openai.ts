// OpenAI response bodies (Chat Completions, Responses API, error bodies).
// OpenAI's counts are already inclusive: prompt/input tokens include cached tokens, completion/
// output tokens include reasoning tokens. OpenAI has no cache-write count; OpenAI-shaped usage
// from gateways adds one (OpenRouter: prompt_tokens_details.cache_write_tokens, LiteLLM:
// Anthropic-style cache fields), read here too. xAI's direct API leaves reasoning out of
// completion_tokens: see reasoningExcluded.
import type { TokenCounts } from '../events/types.js';
import type { ErrorInfo } from './error-types.js';
import { type JsonObject, missing, optObject, optString, optTokens, reqTokens } from './fields.js';
import { checkTokenTotals } from './request-record.js';
import { type ResponseUsage, errorBody, errorDetails, firstObject, zeroTokens } from './response-body.js';
import { reasoningExcluded, setAudio } from './token-details.js';

const CONTENT_FILTER = { type: 'content_filter', message: 'finish_reason content_filter' };

/**
 * Cache and reasoning counts from Chat-Completions-style usage at `response.usage`, into `t`.
 * Gateways (LiteLLM) add Anthropic-style cache fields to it, so those are read too.
 */
export function readChatUsageDetails(usage: JsonObject, t: TokenCounts): void {
  const prompt = optObject(usage.prompt_tokens_details, 'response.usage.prompt_tokens_details');
  const completion = optObject(usage.completion_tokens_details, 'response.usage.completion_tokens_details');
  t.cacheRead = prompt ? optTokens(prompt.cached_tokens, 'response.usage.prompt_tokens_details.cached_tokens') : 0;
  if (t.cacheRead === 0) t.cacheRead = optTokens(usage.cache_read_input_tokens, 'response.usage.cache_read_input_tokens');
  t.cacheWrite = optTokens(usage.cache_creation_input_tokens, 'response.usage.cache_creation_input_tokens');
  if (t.cacheWrite === 0 && prompt) {
    t.cacheWrite = optTokens(prompt.cache_creation_tokens, 'response.usage.prompt_tokens_details.cache_creation_tokens');
    // OpenRouter and other gateways (included in prompt_tokens, as cached_tokens is).
    if (t.cacheWrite === 0) t.cacheWrite = optTokens(prompt.cache_write_tokens, 'response.usage.prompt_tokens_details.cache_write_tokens');
  }
  if (completion) t.reasoning = optTokens(completion.reasoning_tokens, 'response.usage.completion_tokens_details.reasoning_tokens');
}

/**
 * Audio parts of Chat-Completions-style usage (prompt_tokens_details.audio_tokens,
 * completion_tokens_details.audio_tokens), once the totals in `t` are final and checked.
 */
export function readChatAudio(usage: JsonObject, t: TokenCounts): void {
  const prompt = usage.prompt_tokens_details as JsonObject | null | undefined; // checked by readChatUsageDetails
  const completion = usage.completion_tokens_details as JsonObject | null | undefined;
  const inputAudio = prompt ? optTokens(prompt.audio_tokens, 'response.usage.prompt_tokens_details.audio_tokens') : 0;
  const outputAudio = completion ? optTokens(completion.audio_tokens, 'response.usage.completion_tokens_details.audio_tokens') : 0;
  if (inputAudio === 0 && outputAudio === 0) return;
  setAudio(
    t,
    inputAudio, 'response.usage.prompt_tokens_details.audio_tokens',
    undefined, '',
    outputAudio, 'response.usage.completion_tokens_details.audio_tokens',
  );
}

export function openAiChatBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usage, 'response.usage');
  const failure = firstObject(body.choices)?.finish_reason === 'content_filter' ? CONTENT_FILTER : undefined;
  let tokens: TokenCounts;
  if (usage) {
    tokens = {
      input: reqTokens(usage.prompt_tokens, 'response.usage.prompt_tokens'),
      output: reqTokens(usage.completion_tokens, 'response.usage.completion_tokens'),
      cacheRead: 0,
      cacheWrite: 0,
      reasoning: 0,
    };
    readChatUsageDetails(usage, tokens);
    if (reasoningExcluded(usage.total_tokens, tokens.input, tokens.output, tokens.reasoning)) tokens.output += tokens.reasoning;
    checkTokenTotals(tokens, 'response.usage.prompt_tokens', 'response.usage.completion_tokens');
    readChatAudio(usage, tokens);
  } else if (failure) {
    tokens = zeroTokens();
  } else {
    throw missing('response.usage', 'a usage object');
  }
  return { provider: 'openai', model: optString(body.model, 'response.model'), tokens, failure };
}

export function openAiResponsesBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usage, 'response.usage');
  let failure: ErrorInfo | undefined;
  if (body.status === 'failed') {
    const error = optObject(body.error, 'response.error');
    failure = error ? errorDetails(error, 'type') : { message: 'response status failed' };
  } else if (body.status === 'incomplete') {
    const reason = optObject(body.incomplete_details, 'response.incomplete_details')?.reason;
    if (reason === 'content_filter') failure = { type: 'content_filter', message: 'incomplete: content_filter' };
  }
  let tokens: TokenCounts;
  if (usage) {
    const input = optObject(usage.input_tokens_details, 'response.usage.input_tokens_details');
    const output = optObject(usage.output_tokens_details, 'response.usage.output_tokens_details');
    tokens = {
      input: reqTokens(usage.input_tokens, 'response.usage.input_tokens'),
      output: reqTokens(usage.output_tokens, 'response.usage.output_tokens'),
      cacheRead: input ? optTokens(input.cached_tokens, 'response.usage.input_tokens_details.cached_tokens') : 0,
      // OpenRouter and other gateways; part of input_tokens like cached_tokens.
      cacheWrite: input ? optTokens(input.cache_write_tokens, 'response.usage.input_tokens_details.cache_write_tokens') : 0,
      reasoning: output ? optTokens(output.reasoning_tokens, 'response.usage.output_tokens_details.reasoning_tokens') : 0,
    };
    if (reasoningExcluded(usage.total_tokens, tokens.input, tokens.output, tokens.reasoning)) tokens.output += tokens.reasoning;
    checkTokenTotals(tokens, 'response.usage.input_tokens', 'response.usage.output_tokens');
  } else if (failure) {
    tokens = zeroTokens();
  } else {
    throw missing('response.usage', 'a usage object');
  }
  return { provider: 'openai', model: optString(body.model, 'response.model'), tokens, failure };
}

/** `{"error": {"message", "type", "param", "code"}}` */
export function openAiErrorBody(error: JsonObject): ResponseUsage {
  return errorBody('openai', errorDetails(error, 'type'));
}
