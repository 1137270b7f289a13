import { describe, expect, it } from 'vitest';
import { classifyError, type ErrorInfo } from '../../exporter/src/adapters/index.js';
import type { ErrorType } from '../../exporter/src/events/types.js';

const cases: [ErrorInfo, ErrorType][] = [
  // HTTP status alone
  [{ statusCode: 408 }, 'timeout'],
  [{ statusCode: 504 }, 'timeout'],
  [{ statusCode: 429 }, 'rate_limit'],
  [{ statusCode: 401 }, 'auth_error'],
  [{ statusCode: 403 }, 'auth_error'],
  [{ statusCode: 400 }, 'invalid_request'],
  [{ statusCode: 404 }, 'invalid_request'],
  [{ statusCode: 413 }, 'invalid_request'],
  [{ statusCode: 422 }, 'invalid_request'],
  [{ statusCode: 500 }, 'server_error'],
  [{ statusCode: 503 }, 'server_error'],
  [{ statusCode: 529 }, 'server_error'],
  [{ statusCode: 402 }, 'other'],
  // provider types beat the status
  [{ statusCode: 400, type: 'content_filter' }, 'content_filter'],
  [{ statusCode: 429, type: 'insufficient_quota' }, 'rate_limit'],
  [{ statusCode: 500, type: 'overloaded_error' }, 'server_error'],
  // OpenAI
  [{ type: 'tokens', code: 'rate_limit_exceeded' }, 'rate_limit'],
  [{ type: 'invalid_request_error', code: 'context_length_exceeded' }, 'invalid_request'],
  [{ type: 'server_error' }, 'server_error'],
  // Anthropic
  [{ type: 'rate_limit_error' }, 'rate_limit'],
  [{ type: 'authentication_error' }, 'auth_error'],
  [{ type: 'permission_error' }, 'auth_error'],
  [{ type: 'not_found_error' }, 'invalid_request'],
  [{ type: 'overloaded_error' }, 'server_error'],
  [{ type: 'api_error' }, 'server_error'],
  // Gemini statuses
  [{ type: 'RESOURCE_EXHAUSTED', code: 429 }, 'rate_limit'],
  [{ type: 'PERMISSION_DENIED' }, 'auth_error'],
  [{ type: 'UNAUTHENTICATED' }, 'auth_error'],
  [{ type: 'INVALID_ARGUMENT' }, 'invalid_request'],
  [{ type: 'UNAVAILABLE' }, 'server_error'],
  [{ type: 'INTERNAL' }, 'server_error'],
  [{ type: 'DEADLINE_EXCEEDED' }, 'timeout'],
  [{ type: 'SAFETY' }, 'content_filter'],
  // Network errors and exception classes
  [{ type: 'ETIMEDOUT' }, 'timeout'],
  [{ type: 'RateLimitError' }, 'rate_limit'],
  [{ type: 'ContentPolicyViolationError', statusCode: 400 }, 'content_filter'],
  [{ type: 'ServiceUnavailableError' }, 'server_error'],
  // numeric code or type standing in for the status (Gemini code, OTel error.type "503")
  [{ code: 504 }, 'timeout'],
  [{ type: '503' }, 'server_error'],
  [{ code: '429' }, 'rate_limit'],
  // message as a last resort
  [{ message: 'Request timed out after 600s' }, 'timeout'],
  [{ type: 'SomethingNew', message: 'whatever' }, 'other'],
  [{}, 'other'],
];

describe('classifyError', () => {
  it.each(cases)('%j -> %s', (info, expected) => {
    expect(classifyError(info)).toBe(expected);
  });
});
