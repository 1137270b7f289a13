// Typed readers for JSON values. Each takes the value and its JSON path, so a bad field is
// rejected with a LineRejection naming exactly where it was. No allocation on the happy path.
import { LineRejection } from '../events/types.js';

export type JsonObject = Record<string, unknown>;

export const MAX_ERROR_MESSAGE = 500;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short rendering of a bad value for the rejection message (never the whole value). */
function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export function missing(path: string, expected: string): LineRejection {
  return new LineRejection('missing_field', path, `missing, expected ${expected}`);
}

export function invalid(path: string, expected: string, got: unknown): LineRejection {
  return new LineRejection('invalid_field', path, `expected ${expected}, got ${show(got)}`);
}

/** An optional object; null counts as absent. */
export function optObject(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) return v;
  throw invalid(path, 'an object', v);
}

/** An optional non-empty string; null and "" count as absent. */
export function optString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  throw invalid(path, 'a string', v);
}

export function reqString(v: unknown, path: string): string {
  const s = optString(v, path);
  if (s === undefined) throw missing(path, 'a non-empty string');
  return s;
}

const TOKENS = 'a non-negative integer token count';

/** An optional token count: absent or null is 0. */
export function optTokens(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw invalid(path, TOKENS, v);
}

/** An optional non-negative integer that is not a token count (e.g. a failure count). */
export function optCount(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw invalid(path, 'a non-negative integer', v);
}

export function reqTokens(v: unknown, path: string): number {
  if (v === undefined || v === null) throw missing(path, TOKENS);
  return optTokens(v, path);
}

/** An optional finite non-negative number (durations, costs). */
export function optNonNegative(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw invalid(path, 'a finite non-negative number', v);
}

/** An optional duration in milliseconds, returned in seconds. */
export function optMsAsSeconds(v: unknown, path: string): number | undefined {
  const ms = optNonNegative(v, path);
  return ms === undefined ? undefined : ms / 1000;
}

export function optStatusCode(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
  throw invalid(path, 'an HTTP status code (100-599)', v);
}

// Numbers below this are epoch seconds (1e11 s is the year 5138; 1e11 ms is 1973).
const SECONDS_BELOW = 1e11;
// Epoch ms above this are really micro- or nanoseconds (1e14 ms is the year 5138).
const MS_BELOW = 1e14;

/** An ISO-8601 string, epoch ms or epoch seconds, as epoch ms. */
export function readTimestamp(v: unknown, path: string): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && v > 0 && v < MS_BELOW) return v < SECONDS_BELOW ? Math.round(v * 1000) : v;
    throw invalid(path, 'epoch seconds or milliseconds', v);
  }
  if (typeof v === 'string') {
    // Only ISO-8601-looking strings ("YYYY-MM-DD..."): Date.parse alone accepts junk such as "1".
    const ms = v.length >= 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45 ? Date.parse(v) : NaN;
    if (Number.isFinite(ms)) return ms;
    throw invalid(path, 'an ISO-8601 timestamp', v);
  }
  if (v === undefined || v === null) throw missing(path, 'an ISO-8601 timestamp or epoch number');
  throw invalid(path, 'an ISO-8601 timestamp or epoch number', v);
}

export function truncateMessage(s: string | undefined): string | undefined {
  return s !== undefined && s.length > MAX_ERROR_MESSAGE ? s.slice(0, MAX_ERROR_MESSAGE) : s;
}
