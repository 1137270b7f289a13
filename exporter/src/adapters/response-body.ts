// What a provider's response body contributes to a record, whichever provider wrote it.
import { LineRejection, type TokenCounts } from '../events/types.js';
import type { ErrorInfo } from './error-types.js';
import { type JsonObject, isObject } from './fields.js';

export interface ResponseUsage {
  /** Provider implied by the body's shape; the envelope's provider field overrides it. */
  provider: string;
  /** The model that actually served the request, when the body says. */
  model: string | undefined;
  tokens: TokenCounts;
  /** Set when the body is an error body or reports a block (content filter, refusal). */
  failure: ErrorInfo | undefined;
}

export function zeroTokens(): TokenCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
}

/** A provider error body: no usage, only the failure. */
export function errorBody(provider: string, failure: ErrorInfo): ResponseUsage {
  return { provider, model: undefined, tokens: zeroTokens(), failure };
}

/** The first element of an array-valued field, if it is an object (choices[0], candidates[0]). */
export function firstObject(v: unknown): JsonObject | undefined {
  return Array.isArray(v) && v.length > 0 && isObject(v[0]) ? v[0] : undefined;
}

/**
 * Error details are read leniently: a failed call is still counted when its body has odd
 * details, so only well-typed values are taken.
 */
export function errorDetails(e: JsonObject, typeKey: string): ErrorInfo {
  const type = e[typeKey];
  const code = e.code;
  const message = e.message;
  return {
    type: typeof type === 'string' ? type : undefined,
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/**
 * Runs a reader written for `response.…` paths on a value found elsewhere (a stream's event,
 * LiteLLM's metadata.usage_object), so that a rejection names where the field really is: `from`
 * (e.g. "response.usage") becomes `to` (e.g. "response[7].usage"), and any other "response…" path
 * starts at `event` instead.
 */
export function at<T>(from: string, to: string, event: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof LineRejection) || err.field === undefined) throw err;
    const f = err.field;
    const field = f === from || f.startsWith(`${from}.`) ? to + f.slice(from.length) : f === 'response' || f.startsWith('response.') ? event + f.slice('response'.length) : f;
    if (field === f) throw err;
    throw new LineRejection(err.reason, field, err.message.slice(f.length + 2));
  }
}
