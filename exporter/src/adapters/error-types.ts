// Maps whatever a failure carried (HTTP status, provider error type/code, exception class, message)
// onto the bounded ERROR_TYPES taxonomy. Runs only for failed requests, so clarity beats speed here.
import type { ErrorType } from '../events/types.js';

export interface ErrorInfo {
  statusCode?: number;
  /** Provider error type / status / exception class, e.g. "rate_limit_error", "RESOURCE_EXHAUSTED", "RateLimitError". */
  type?: string;
  /** Provider error code: a string ("insufficient_quota") or a number (Gemini's HTTP code). */
  code?: string | number;
  message?: string;
}

// Lower-cased provider error types, status names, codes and exception class names.
const BY_NAME = new Map<string, ErrorType>();
function names(type: ErrorType, list: string[]): void {
  for (const n of list) BY_NAME.set(n, type);
}
names('timeout', ['timeout', 'etimedout', 'esockettimedout', 'deadline_exceeded', 'request_timeout', 'timeouterror', 'apitimeouterror', 'timeout_error']);
// insufficient_quota comes with a 429 from OpenAI; it is a (billing) rate limit, not a bad request.
names('rate_limit', ['rate_limit', 'rate_limit_error', 'rate_limit_exceeded', 'ratelimiterror', 'resource_exhausted', 'insufficient_quota', 'too_many_requests', 'throttlingexception']);
names('auth_error', [
  'authentication_error', 'permission_error', 'permission_denied', 'unauthenticated', 'invalid_api_key',
  'authenticationerror', 'permissiondeniederror', 'accessdeniedexception', 'unauthorized',
]);
names('invalid_request', [
  'invalid_request_error', 'invalid_argument', 'not_found_error', 'not_found', 'model_not_found', 'request_too_large',
  'context_length_exceeded', 'failed_precondition', 'badrequesterror', 'notfounderror', 'unprocessableentityerror',
  'contextwindowexceedederror', 'validationexception', 'invalid_request',
]);
names('content_filter', [
  'content_filter', 'content_policy_violation', 'contentpolicyviolationerror', 'safety', 'prohibited_content',
  'blocklist', 'spii', 'image_safety', 'recitation', 'refusal',
]);
names('server_error', [
  'server_error', 'api_error', 'apierror', 'overloaded_error', 'unavailable', 'internal', 'internal_error',
  'internalservererror', 'serviceunavailableerror', 'service_unavailable', 'apiconnectionerror', 'bad_gateway',
]);

export function errorTypeForStatus(status: number): ErrorType | undefined {
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth_error';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'invalid_request';
  if (status >= 500 && status <= 599) return 'server_error';
  if (status >= 400 && status <= 499) return 'other';
  return undefined;
}

/** "429" or 429 as an HTTP status, else undefined. */
function asStatus(v: string | number | undefined): number | undefined {
  const n = typeof v === 'string' && v.length === 3 ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/**
 * The provider's own error type wins (a 400 can be a content filter, a 529 is overloaded), then the
 * HTTP status (also read from a numeric code or type such as OTel's error.type "503"), then the message.
 */
export function classifyError(e: ErrorInfo): ErrorType {
  const byType = e.type !== undefined ? BY_NAME.get(e.type.toLowerCase()) : undefined;
  if (byType) return byType;
  const byCode = typeof e.code === 'string' ? BY_NAME.get(e.code.toLowerCase()) : undefined;
  if (byCode) return byCode;
  const status = e.statusCode ?? asStatus(e.code) ?? asStatus(e.type);
  const byStatus = status !== undefined ? errorTypeForStatus(status) : undefined;
  if (byStatus) return byStatus;
  if (e.message) {
    const m = e.message.toLowerCase();
    if (m.includes('timed out') || m.includes('timeout') || m.includes('etimedout')) return 'timeout';
    if (m.includes('rate limit')) return 'rate_limit';
  }
  return 'other';
}
