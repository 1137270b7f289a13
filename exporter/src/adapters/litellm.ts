// LiteLLM's StandardLoggingPayload (custom loggers, s3/gcs buckets): one JSON object per call.
// prompt_tokens is OpenAI-style (cache included) for every provider; cache and reasoning
// breakdowns come from the raw usage in `response.usage` when it was logged.
import type { RequestRecord } from '../events/types.js';
import {
  type JsonObject, invalid, isObject, missing, optCostUsd, optObject, optString, optTokens, readTimestamp, reqString,
  reqTokens,
} from './fields.js';
import { readChatAudio, readChatUsageDetails } from './openai.js';
import { normalizeProvider } from './providers.js';
import { checkTokenTotals, markFailed, newRequest } from './request-record.js';

export function isLiteLlmPayload(obj: JsonObject): boolean {
  return typeof obj.call_type === 'string' && (obj.response_cost !== undefined || obj.custom_llm_provider !== undefined);
}

export function liteLlmToRecord(obj: JsonObject): RequestRecord {
  const status = obj.status;
  if (status !== undefined && status !== 'success' && status !== 'failure') throw invalid('status', '"success" or "failure"', status);
  const failed = status === 'failure';
  const errorInfo = optObject(obj.error_information, 'error_information');

  const provider =
    optString(obj.custom_llm_provider, 'custom_llm_provider') ?? (errorInfo && optString(errorInfo.llm_provider, 'error_information.llm_provider'));
  if (provider === undefined) throw missing('custom_llm_provider', 'the provider LiteLLM routed to');

  // A failed call usually logs zero counts; do not insist on them.
  const readCount = failed ? optTokens : reqTokens;
  const tokens = {
    input: readCount(obj.prompt_tokens, 'prompt_tokens'),
    output: readCount(obj.completion_tokens, 'completion_tokens'),
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
  };
  const response = obj.response;
  if (isObject(response) && isObject(response.usage)) {
    readChatUsageDetails(response.usage, tokens);
    // Some LiteLLM versions left Anthropic cache writes out of prompt_tokens (cache reads were
    // always in) and Gemini thoughts out of completion_tokens: add them back when the total is short.
    if (tokens.input < tokens.cacheRead + tokens.cacheWrite) tokens.input += tokens.cacheWrite;
    if (tokens.output < tokens.reasoning) tokens.output += tokens.reasoning;
    checkTokenTotals(tokens, 'prompt_tokens', 'completion_tokens');
    readChatAudio(response.usage, tokens);
  }

  const startMs = readTimestamp(obj.startTime, 'startTime');
  const rec = newRequest(startMs, normalizeProvider(provider), reqString(obj.model, 'model'), tokens);
  rec.requestId = optString(obj.id, 'id');
  rec.reportedCostUsd = optCostUsd(obj.response_cost, 'response_cost');
  // Durations only when the clock readings are in order; a skewed one is dropped, not rejected.
  if (obj.endTime != null) rec.latencySeconds = secondsSince(startMs, readTimestamp(obj.endTime, 'endTime'));
  if (obj.completionStartTime != null) rec.ttftSeconds = secondsSince(startMs, readTimestamp(obj.completionStartTime, 'completionStartTime'));

  const metadata = optObject(obj.metadata, 'metadata');
  if (metadata) {
    rec.team =
      optString(metadata.user_api_key_team_alias, 'metadata.user_api_key_team_alias') ??
      optString(metadata.user_api_key_team_id, 'metadata.user_api_key_team_id');
    rec.userId = optString(metadata.user_api_key_end_user_id, 'metadata.user_api_key_end_user_id');
    rec.apiKey = liteLlmKey(metadata, 'metadata');
    readCallerMetadata(optObject(metadata.requester_metadata, 'metadata.requester_metadata'), rec);
    readCallerMetadata(optObject(metadata.spend_logs_metadata, 'metadata.spend_logs_metadata'), rec);
  }
  rec.userId = optString(obj.end_user, 'end_user') ?? rec.userId;
  readTags(obj.request_tags, rec);

  if (failed) {
    markLiteLLMFailure(rec, errorInfo, optString(obj.error_str, 'error_str') ?? optString(errorInfo?.error_message, 'error_information.error_message'));
  }
  return rec;
}

/** A failed LiteLLM call: status code and class from its `error_information`, wherever that sits. */
export function markLiteLLMFailure(rec: RequestRecord, errorInfo: JsonObject | undefined, message: string | undefined): void {
  const code = errorInfo?.error_code;
  const statusCode = typeof code === 'string' || typeof code === 'number' ? Number(code) : NaN;
  if (Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599) rec.statusCode = statusCode;
  const errorClass = errorInfo?.error_class;
  markFailed(rec, { type: typeof errorClass === 'string' ? errorClass : undefined, message });
}

export function secondsSince(startMs: number, endMs: number): number | undefined {
  return endMs >= startMs ? (endMs - startMs) / 1000 : undefined;
}

/**
 * The virtual key a LiteLLM call was made with: its hashed token (stable across alias renames),
 * else its alias. The hash is pseudonymised again downstream like any other key.
 */
export function liteLlmKey(m: JsonObject, path: string): string | undefined {
  return (
    optString(m.user_api_key_hash, `${path}.user_api_key_hash`) ??
    optString(m.user_api_key, `${path}.user_api_key`) ??
    optString(m.user_api_key_alias, `${path}.user_api_key_alias`)
  );
}

/** feature / project / session_id passed by the caller (metadata.requester_metadata or spend_logs_metadata); the first one found wins. */
export function readCallerMetadata(m: JsonObject | undefined, rec: RequestRecord): void {
  if (!m) return;
  if (rec.feature === undefined && typeof m.feature === 'string' && m.feature !== '') rec.feature = m.feature;
  if (rec.project === undefined && typeof m.project === 'string' && m.project !== '') rec.project = m.project;
  if (rec.sessionId === undefined && typeof m.session_id === 'string' && m.session_id !== '') rec.sessionId = m.session_id;
}

/** LiteLLM cost-tracking tags of the form "feature:x" / "project:x". */
export function readTags(tags: unknown, rec: RequestRecord): void {
  if (!Array.isArray(tags)) return;
  for (const tag of tags) {
    if (typeof tag !== 'string') continue;
    if (rec.feature === undefined && tag.startsWith('feature:') && tag.length > 8) rec.feature = tag.slice(8);
    else if (rec.project === undefined && tag.startsWith('project:') && tag.length > 8) rec.project = tag.slice(8);
  }
}
