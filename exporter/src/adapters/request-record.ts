// Building RequestRecords: one constructor so every adapter yields objects of the same shape
// (V8 keeps one hidden class on the hot path), plus the attribution fields that canonical and
// envelope events share.
import { ERROR_TYPES, type ErrorType, type RequestRecord, type TokenCounts } from '../events/types.js';
import { type ErrorInfo, classifyError } from './error-types.js';
import { type JsonObject, invalid, optMsAsSeconds, optString, optTokens, truncateMessage } from './fields.js';

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
  };
}

/** Top-level fields named the same in canonical and envelope events. */
export function readEventFields(obj: JsonObject, rec: RequestRecord): void {
  rec.feature = optString(obj.feature, 'feature');
  rec.team = optString(obj.team, 'team');
  rec.project = optString(obj.project, 'project');
  rec.userId = optString(obj.user_id, 'user_id');
  rec.sessionId = optString(obj.session_id, 'session_id');
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
    throw invalid(inputPath, `a total including cache reads and writes (>= ${t.cacheRead + t.cacheWrite})`, t.input);
  }
  if (t.output < t.reasoning) throw invalid(outputPath, `a total including reasoning tokens (>= ${t.reasoning})`, t.output);
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
  rec.errorMessage = truncateMessage(info.message);
}
