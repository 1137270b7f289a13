// A row of LiteLLM's LiteLLM_SpendLogs table (the proxy's spend log), exported one JSON object
// per line: request_id, call_type, spend, prompt_tokens, completion_tokens, startTime, endTime,
// completionStartTime, model, custom_llm_provider, team_id, end_user, session_id, request_tags,
// status and metadata. Exports from the database or a CSV often leave the JSON columns (metadata,
// request_tags) as JSON strings: they are parsed, and never quoted in a rejection (metadata holds
// key aliases, user ids and the caller's own metadata).
// prompt_tokens is OpenAI-style (cache included), as in the StandardLoggingPayload; the cache,
// reasoning and audio breakdowns come from metadata.usage_object, LiteLLM's copy of the usage.
import { LineRejection, type RequestRecord, type TokenCounts } from '../events/types.js';
import {
  type JsonObject, invalid, isObject, missing, optCostUsd, optObject, optString, optTokens, readTimestamp, reqString,
  reqTokens,
} from './fields.js';
import { liteLlmKey, markLiteLLMFailure, readCallerMetadata, readTags, secondsSince } from './litellm.js';
import { readChatAudio, readChatUsageDetails } from './openai.js';
import { normalizeProvider } from './providers.js';
import { checkTokenTotals, newRequest } from './request-record.js';
import { at } from './response-body.js';

/** A spend-log row: LiteLLM's call_type and spend, without the StandardLoggingPayload's response_cost. */
export function isSpendLogsRow(obj: JsonObject): boolean {
  return typeof obj.call_type === 'string' && obj.spend !== undefined && obj.response_cost === undefined;
}

export function spendLogsToRecord(obj: JsonObject): RequestRecord {
  const status = obj.status;
  if (status != null && status !== 'success' && status !== 'failure') throw invalid('status', '"success" or "failure"', status);
  const failed = status === 'failure';
  const metadata = jsonColumn(obj.metadata, 'metadata');
  const errorInfo = metadata && optObject(metadata.error_information, 'metadata.error_information');

  const provider =
    optString(obj.custom_llm_provider, 'custom_llm_provider') ??
    (errorInfo && optString(errorInfo.llm_provider, 'metadata.error_information.llm_provider'));
  if (provider === undefined) throw missing('custom_llm_provider', 'the provider LiteLLM routed to');

  const readCount = failed ? optTokens : reqTokens;
  const tokens: TokenCounts = {
    input: readCount(obj.prompt_tokens, 'prompt_tokens'),
    output: readCount(obj.completion_tokens, 'completion_tokens'),
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
  };
  const usage = metadata && optObject(metadata.usage_object, 'metadata.usage_object');
  if (usage) {
    at('response.usage', 'metadata.usage_object', 'metadata', () => readChatUsageDetails(usage, tokens));
    // As in the StandardLoggingPayload: older versions left cache writes / thoughts out of the totals.
    if (tokens.input < tokens.cacheRead + tokens.cacheWrite) tokens.input += tokens.cacheWrite;
    if (tokens.output < tokens.reasoning) tokens.output += tokens.reasoning;
    checkTokenTotals(tokens, 'prompt_tokens', 'completion_tokens');
    at('response.usage', 'metadata.usage_object', 'metadata', () => readChatAudio(usage, tokens));
  }

  const startMs = readTimestamp(obj.startTime, 'startTime');
  const rec = newRequest(startMs, normalizeProvider(provider), reqString(obj.model, 'model'), tokens);
  rec.requestId = optString(obj.request_id, 'request_id');
  rec.reportedCostUsd = optCostUsd(obj.spend, 'spend');
  if (obj.endTime != null) rec.latencySeconds = secondsSince(startMs, readTimestamp(obj.endTime, 'endTime'));
  if (obj.completionStartTime != null) rec.ttftSeconds = secondsSince(startMs, readTimestamp(obj.completionStartTime, 'completionStartTime'));
  rec.sessionId = optString(obj.session_id, 'session_id');
  rec.userId = optString(obj.end_user, 'end_user');
  // The api_key column holds the hashed token, like metadata.user_api_key.
  rec.apiKey = optString(obj.api_key, 'api_key') ?? (metadata && liteLlmKey(metadata, 'metadata'));
  rec.team = metadata && optString(metadata.user_api_key_team_alias, 'metadata.user_api_key_team_alias');
  rec.team ??= optString(obj.team_id, 'team_id') ?? (metadata && optString(metadata.user_api_key_team_id, 'metadata.user_api_key_team_id'));
  if (metadata) {
    rec.userId ??= optString(metadata.user_api_key_end_user_id, 'metadata.user_api_key_end_user_id');
    readCallerMetadata(optObject(metadata.requester_metadata, 'metadata.requester_metadata'), rec);
    readCallerMetadata(optObject(metadata.spend_logs_metadata, 'metadata.spend_logs_metadata'), rec);
  }
  readTags(typeof obj.request_tags === 'string' ? parsed(obj.request_tags) : obj.request_tags, rec);

  if (failed) markLiteLLMFailure(rec, errorInfo, errorInfo && optString(errorInfo.error_message, 'metadata.error_information.error_message'));
  return rec;
}

/** A JSON column: an object, or a string holding one ("" and "{}" count as empty). */
function jsonColumn(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (isObject(v)) return v;
  if (typeof v !== 'string') throw invalid(path, 'an object or a JSON string of one', v);
  const value = parsed(v);
  if (value === undefined) throw new LineRejection('invalid_field', path, 'expected an object or a JSON string of one, got a string that is not JSON');
  if (!isObject(value)) throw new LineRejection('invalid_field', path, 'expected an object or a JSON string of one, got JSON that is not an object');
  return value;
}

/** JSON.parse without its error message, which would quote the text. */
function parsed(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
