// Gemini generateContent bodies (Gemini API and Vertex AI). promptTokenCount includes
// cachedContentTokenCount; tool-use prompt tokens are counted separately and billed as input;
// candidatesTokenCount does NOT include thoughtsTokenCount, so our output is the sum.
// Gemini's JSON omits zero counts (proto3), so every count is optional.
import type { TokenCounts } from '../events/types.js';
import type { ErrorInfo } from './error-types.js';
import { type JsonObject, missing, optObject, optString, optTokens } from './fields.js';
import { checkTokenTotals } from './request-record.js';
import { type ResponseUsage, errorBody, errorDetails, firstObject, zeroTokens } from './response-body.js';

// Candidate finish reasons that mean the output was blocked.
const BLOCKED = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'IMAGE_SAFETY', 'RECITATION']);

export function geminiBody(body: JsonObject): ResponseUsage {
  const usage = optObject(body.usageMetadata, 'response.usageMetadata');
  const failure = blocked(body);
  let tokens: TokenCounts;
  if (usage) {
    const candidates = optTokens(usage.candidatesTokenCount, 'response.usageMetadata.candidatesTokenCount');
    const thoughts = optTokens(usage.thoughtsTokenCount, 'response.usageMetadata.thoughtsTokenCount');
    tokens = {
      input:
        optTokens(usage.promptTokenCount, 'response.usageMetadata.promptTokenCount') +
        optTokens(usage.toolUsePromptTokenCount, 'response.usageMetadata.toolUsePromptTokenCount'),
      output: candidates + thoughts,
      cacheRead: optTokens(usage.cachedContentTokenCount, 'response.usageMetadata.cachedContentTokenCount'),
      cacheWrite: 0,
      reasoning: thoughts,
    };
    checkTokenTotals(tokens, 'response.usageMetadata.promptTokenCount', 'response.usageMetadata.candidatesTokenCount');
  } else if (failure) {
    tokens = zeroTokens();
  } else {
    throw missing('response.usageMetadata', 'a usageMetadata object');
  }
  return { provider: 'google', model: optString(body.modelVersion, 'response.modelVersion'), tokens, failure };
}

/** A blocked prompt (promptFeedback.blockReason) or a blocked first candidate, as a content filter failure. */
function blocked(body: JsonObject): ErrorInfo | undefined {
  const blockReason = optObject(body.promptFeedback, 'response.promptFeedback')?.blockReason;
  if (typeof blockReason === 'string') return { type: 'content_filter', message: `prompt blocked: ${blockReason}` };
  const finishReason = firstObject(body.candidates)?.finishReason;
  if (typeof finishReason === 'string' && BLOCKED.has(finishReason)) return { type: 'content_filter', message: `finishReason ${finishReason}` };
  return undefined;
}

/** `{"error": {"code": 429, "message", "status": "RESOURCE_EXHAUSTED"}}` */
export function geminiErrorBody(error: JsonObject): ResponseUsage {
  return errorBody('google', errorDetails(error, 'status'));
}
