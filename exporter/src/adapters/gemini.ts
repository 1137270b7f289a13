// Gemini generateContent bodies (Gemini API and Vertex AI). promptTokenCount includes
// cachedContentTokenCount; tool-use prompt tokens are counted separately and billed as input;
// candidatesTokenCount does NOT include thoughtsTokenCount, so our output is the sum.
// Gemini's JSON omits zero counts (proto3), so every count is optional.
// promptTokensDetails / cacheTokensDetails / candidatesTokensDetails (and toolUsePromptTokensDetails)
// break promptTokenCount / cachedContentTokenCount / candidatesTokenCount down by modality
// ([{modality: TEXT|AUDIO|IMAGE|VIDEO|DOCUMENT, tokenCount}]); only AUDIO is priced apart.
import type { TokenCounts } from '../events/types.js';
import type { ErrorInfo } from './error-types.js';
import { type JsonObject, invalid, isObject, missing, optObject, optString, optTokens } from './fields.js';
import { checkTokenTotals } from './request-record.js';
import { type ResponseUsage, errorBody, errorDetails, firstObject, zeroTokens } from './response-body.js';
import { setAudio } from './token-details.js';

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
    readGeminiAudio(usage, tokens);
  } else if (failure) {
    tokens = zeroTokens();
  } else {
    throw missing('response.usageMetadata', 'a usageMetadata object');
  }
  return { provider: 'google', model: optString(body.modelVersion, 'response.modelVersion'), tokens, failure };
}

/** Audio parts of input (prompt and tool-use prompt), cached content and candidates. */
function readGeminiAudio(usage: JsonObject, t: TokenCounts): void {
  const m = 'response.usageMetadata.';
  const inputAudio = audioCount(usage.promptTokensDetails, m + 'promptTokensDetails') + audioCount(usage.toolUsePromptTokensDetails, m + 'toolUsePromptTokensDetails');
  const cachedAudio = usage.cacheTokensDetails == null ? undefined : audioCount(usage.cacheTokensDetails, m + 'cacheTokensDetails');
  const outputAudio = audioCount(usage.candidatesTokensDetails, m + 'candidatesTokensDetails');
  if (inputAudio === 0 && !cachedAudio && outputAudio === 0) return;
  setAudio(t, inputAudio, m + 'promptTokensDetails', cachedAudio, m + 'cacheTokensDetails', outputAudio, m + 'candidatesTokensDetails');
}

/** The AUDIO tokenCount of a ModalityTokenCount list; every entry's count is checked. */
function audioCount(list: unknown, path: string): number {
  if (list === undefined || list === null) return 0;
  if (!Array.isArray(list)) throw invalid(path, 'an array of {modality, tokenCount}', list);
  let audio = 0;
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    if (!isObject(e)) throw invalid(`${path}[${i}]`, 'a {modality, tokenCount} object', e);
    const c = e.tokenCount;
    const n = typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 ? c : optTokens(c, `${path}[${i}].tokenCount`);
    if (e.modality === 'AUDIO') audio += n;
  }
  return audio;
}

/** A blocked prompt (promptFeedback.blockReason) or a blocked first candidate, as a content filter failure. */
export function blocked(body: JsonObject): ErrorInfo | undefined {
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
