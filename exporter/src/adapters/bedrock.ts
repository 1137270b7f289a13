// AWS Bedrock Converse bodies (Converse, and ConverseStream's metadata event, see stream.ts).
// TokenUsage: inputTokens, outputTokens, totalTokens, cacheReadInputTokens, cacheWriteInputTokens.
// As in Anthropic's API, inputTokens EXCLUDES cache reads and writes: Bedrock's prompt-caching
// examples have totalTokens = inputTokens + outputTokens + cacheReadInputTokens +
// cacheWriteInputTokens. A body whose totalTokens is inputTokens + outputTokens (a re-encoder that
// made inputTokens inclusive) is read as inclusive. The body names no model: the envelope's is used.
import type { TokenCounts } from '../events/types.js';
import type { ErrorInfo } from './error-types.js';
import { type JsonObject, missing, optObject, optTokens, reqTokens } from './fields.js';
import { checkTokenTotals } from './request-record.js';
import { type ResponseUsage, zeroTokens } from './response-body.js';

// StopReason values that mean a guardrail or content filter stopped the answer.
const FILTERED = new Set(['guardrail_intervened', 'content_filtered']);

export function bedrockConverseBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usage, 'response.usage');
  const stop = body.stopReason;
  const failure: ErrorInfo | undefined =
    typeof stop === 'string' && FILTERED.has(stop) ? { type: 'content_filter', message: `stopReason ${stop}` } : undefined;
  let tokens: TokenCounts;
  if (usage) tokens = converseUsage(usage);
  else if (failure) tokens = zeroTokens();
  else throw missing('response.usage', 'a usage object');
  return { provider: 'bedrock', model: undefined, tokens, failure };
}

function converseUsage(usage: JsonObject): TokenCounts {
  const input = reqTokens(usage.inputTokens, 'response.usage.inputTokens');
  const output = reqTokens(usage.outputTokens, 'response.usage.outputTokens');
  const cacheRead = optTokens(usage.cacheReadInputTokens, 'response.usage.cacheReadInputTokens');
  const cacheWrite = optTokens(usage.cacheWriteInputTokens, 'response.usage.cacheWriteInputTokens');
  const total = usage.totalTokens;
  const cached = cacheRead + cacheWrite;
  const inclusive = cached > 0 && typeof total === 'number' && total === input + output && input >= cached;
  const t: TokenCounts = { input: inclusive ? input : input + cached, output, cacheRead, cacheWrite, reasoning: 0 };
  checkTokenTotals(t, 'response.usage.inputTokens', 'response.usage.outputTokens');
  return t;
}
