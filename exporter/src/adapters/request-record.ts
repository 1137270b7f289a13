// Building RequestRecords: one constructor so every adapter yields objects of the same shape
// (V8 keeps one hidden class on the hot path), plus the attribution fields that canonical and
// envelope events share.
import { ERROR_TYPES, LineRejection, type ErrorType, type RequestRecord, type TokenCounts } from '../events/types.js';
import { type ErrorInfo, classifyError } from './error-types.js';
import { summarizeErrorMessage } from './error-summary.js';
import { type JsonObject, invalid, optMsAsSeconds, optString, optTokens } from './fields.js';

export function newRequest(timestampMs: number, provider: string, model: string, tokens: TokenCounts): RequestRecord {
  return {
    kind: 'request',
    timestampMs,
    provider,
    model,
    feature: undefined,
    team: undefined,
    project: undefined,
    userId: undefined,
    sessionId: undefined,
    apiKey: undefined,
    requestId: undefined,
    tokens,
    estimatedInputTokens: undefined,
    latencySeconds: undefined,
    ttftSeconds: undefined,
    status: 'success',
    errorType: undefined,
    errorMessage: undefined,
    statusCode: undefined,
    reportedCostUsd: undefined,
    usageUnknown: undefined,
  };
}

/** Top-level fields named the same in canonical and envelope events. */
export function readEventFields(obj: JsonObject, rec: RequestRecord): void {
  rec.feature = optString(obj.feature, 'feature');
  rec.team = optString(obj.team, 'team');
  rec.project = optString(obj.project, 'project');
  rec.userId = optString(obj.user_id, 'user_id');
  rec.sessionId = optString(obj.session_id, 'session_id');
  // The key's id (not secret) when the writer has one, else the key itself; pseudonymised downstream.
  rec.apiKey = optString(obj.api_key_id, 'api_key_id') ?? optString(obj.api_key, 'api_key');
  rec.requestId = optString(obj.request_id, 'request_id');
  if (obj.estimated_input_tokens != null) rec.estimatedInputTokens = optTokens(obj.estimated_input_tokens, 'estimated_input_tokens');
  rec.latencySeconds = optMsAsSeconds(obj.latency_ms, 'latency_ms');
  rec.ttftSeconds = optMsAsSeconds(obj.ttft_ms, 'ttft_ms');
}

/**
 * Inclusive totals must cover their parts. A writer that reports them exclusively (Anthropic-style)
 * would otherwise be under-priced silently, so say which field is wrong.
 */
export function checkTokenTotals(t: TokenCounts, inputPath: string, outputPath: string): void {
  if (t.input < t.cacheRead + t.cacheWrite) {
    // The counts are not repeated in the message: rejections never carry a line's values.
    throw new LineRejection('invalid_field', inputPath, 'expected a total including cache reads and writes, got less than their sum');
  }
  if (t.output < t.reasoning) throw new LineRejection('invalid_field', outputPath, 'expected a total including reasoning tokens, got less than them');
}

/** The `error` field of canonical and envelope events: a message string or {type?, code?, message?}. */
export interface EventError {
  type?: string;
  code?: string | number;
  message?: string;
}

export function readEventError(v: unknown): EventError | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return { message: v };
  if (typeof v === 'object' && !Array.isArray(v)) {
    const e = v as JsonObject;
    const code = e.code;
    return {
      type: optString(e.type, 'error.type'),
      code: typeof code === 'number' ? code : optString(code, 'error.code'),
      message: optString(e.message, 'error.message'),
    };
  }
  throw invalid('error', 'a message string or an object {type?, code?, message?}', v);
}

/** Marks a record failed. An explicit taxonomy value (canonical error_type) is kept; anything else is classified. */
export function markFailed(rec: RequestRecord, info: ErrorInfo, explicitType?: string): void {
  rec.status = 'error';
  rec.errorType =
    explicitType !== undefined && (ERROR_TYPES as readonly string[]).includes(explicitType)
      ? (explicitType as ErrorType)
      : classifyError({ statusCode: info.statusCode ?? rec.statusCode, type: explicitType ?? info.type, code: info.code, message: info.message });
  // Classified from the raw message above; only a scrubbed summary is kept (error-summary.ts).
  rec.errorMessage = summarizeErrorMessage(info.message);
}
