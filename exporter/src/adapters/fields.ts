// Typed readers for JSON values. Each takes the value and its JSON path, so a bad field is
// rejected with a LineRejection naming exactly where it was. No allocation on the happy path.
import { defaultClock, type Clock } from '../clock.js';
import { MAX_COST_USD_PER_REQUEST, MAX_COUNT, MAX_DURATION_MS, MAX_TOKENS_PER_REQUEST } from '../events/ceilings.js';
import { LineRejection } from '../events/types.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What kind of value was there, for the rejection message. Never the value itself: rejections go
 * to stderr, HTTP responses and OTLP partial-success messages, and a bad field can hold a user id,
 * an e-mail address or prompt text.
 */
function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'a non-finite number';
    if (v < 0) return 'a negative number';
    return Number.isInteger(v) ? (Number.isSafeInteger(v) ? 'a number' : 'an integer above 2^53') : 'a fractional number';
  }
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A number of the right kind that is past its ceiling (events/ceilings.ts). */
function overCeiling(path: string, ceiling: string): LineRejection {
  return new LineRejection('invalid_field', path, `over the ceiling of ${ceiling} per request (docs/events.md, "Ceilings")`);
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

/** An optional token count, at most MAX_TOKENS_PER_REQUEST: absent or null is 0. */
export function optTokens(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
    if (v <= MAX_TOKENS_PER_REQUEST) return v;
    throw overCeiling(path, `${MAX_TOKENS_PER_REQUEST} tokens`);
  }
  throw invalid(path, TOKENS, v);
}

/** An optional non-negative integer that is not a token count (e.g. a failure count), at most MAX_COUNT. */
export function optCount(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
    if (v <= MAX_COUNT) return v;
    throw overCeiling(path, String(MAX_COUNT));
  }
  throw invalid(path, 'a non-negative integer', v);
}

export function reqTokens(v: unknown, path: string): number {
  if (v === undefined || v === null) throw missing(path, TOKENS);
  return optTokens(v, path);
}

/**
 * An optional finite non-negative number (durations, costs), at most `max` (`ceiling` says what
 * that is in the rejection). Costs go through optCostUsd, durations through optMsAsSeconds.
 */
export function optNonNegative(v: unknown, path: string, max = Infinity, ceiling = ''): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
    if (v <= max) return v;
    throw overCeiling(path, ceiling);
  }
  throw invalid(path, 'a finite non-negative number', v);
}

/** An optional cost in US dollars reported by the log's writer, at most MAX_COST_USD_PER_REQUEST. */
export function optCostUsd(v: unknown, path: string): number | undefined {
  return optNonNegative(v, path, MAX_COST_USD_PER_REQUEST, COST_CEILING);
}
const COST_CEILING = `$${MAX_COST_USD_PER_REQUEST}`;

/** An optional duration in milliseconds (at most one day), returned in seconds. */
export function optMsAsSeconds(v: unknown, path: string): number | undefined {
  const ms = optNonNegative(v, path, MAX_DURATION_MS, '1 day (86400000 ms)');
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

// Event times outside [2015, now + 1 day] are writer bugs (a zeroed clock, ms read as µs). Left in,
// one such line would pin ai_exporter_last_event_timestamp_seconds, freeze breaker state behind a
// future time, or make a backfill span decades.
const MIN_EVENT_MS = Date.UTC(2015, 0, 1);
const FUTURE_SLACK_MS = 86_400_000;
// The upper bound, cached per clock (this runs for every event) and refreshed only when a time
// looks too new or the process's clock was replaced.
let boundClock: Clock | undefined;
let maxEventMs = -Infinity;

/** The event time itself, if plausible; else an invalid_field rejection naming `path`. */
export function inRange(ms: number, path: string, raw: unknown): number {
  const clock = defaultClock();
  if (ms >= MIN_EVENT_MS && ms <= maxEventMs && clock === boundClock) return ms;
  if (ms > maxEventMs || clock !== boundClock) {
    boundClock = clock;
    maxEventMs = clock.now() + FUTURE_SLACK_MS;
    if (ms >= MIN_EVENT_MS && ms <= maxEventMs) return ms;
  }
  throw invalid(path, 'a time between 2015-01-01 and one day from now', raw);
}

/** An ISO-8601 string, epoch ms or epoch seconds, as epoch ms, within [2015-01-01, now + 1 day]. */
export function readTimestamp(v: unknown, path: string): number {
  return inRange(readTimestampUnchecked(v, path), path, v);
}

function readTimestampUnchecked(v: unknown, path: string): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && v > 0 && v < MS_BELOW) return v < SECONDS_BELOW ? Math.round(v * 1000) : v;
    throw invalid(path, 'epoch seconds or milliseconds', v);
  }
  if (typeof v === 'string') {
    // Only ISO-8601-looking strings ("YYYY-MM-DD..."): Date.parse alone accepts junk such as "1".
    let ms = NaN;
    if (v.length >= 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45) {
      ms = parseIsoUtc(v);
      if (Number.isNaN(ms)) ms = Date.parse(v);
    }
    if (Number.isFinite(ms)) return ms;
    throw invalid(path, 'an ISO-8601 timestamp', v);
  }
  if (v === undefined || v === null) throw missing(path, 'an ISO-8601 timestamp or epoch number');
  throw invalid(path, 'an ISO-8601 timestamp or epoch number', v);
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The common shape "YYYY-MM-DDTHH:MM:SS[.fff…][Z|±HH:MM]" without Date.parse, which costs more
 * than the rest of a line's normalisation. NaN for anything else (the caller falls back).
 */
function parseIsoUtc(s: string): number {
  const len = s.length;
  if (len < 19 || (s.charCodeAt(10) !== 84 && s.charCodeAt(10) !== 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 59)) return NaN;
  let i = 19;
  let frac = 0;
  if (s.charCodeAt(i) === 46) {
    // Milliseconds from the first three fraction digits; finer digits are ignored.
    let scale = 100;
    for (i++; i < len; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac += c * scale;
      scale /= 10;
    }
    frac = Math.floor(frac);
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  // No zone designator: UTC, not the exporter's local time, so results do not depend on the host.
  if (i === len || (z === 90 && i + 1 === len)) offsetMin = 0;
  else if ((z === 43 || z === 45) && i + 6 === len && s.charCodeAt(i + 3) === 58) {
    offsetMin = digits(s, i + 1, 2) * 60 + digits(s, i + 4, 2);
    if (z === 45) offsetMin = -offsetMin;
  } else return NaN; // an unusual zone: Date.parse decides
  const days = daysFromCivil(y, mo, d);
  if (d > 28 && daysFromCivil(y, mo + 1, 1) <= days) return NaN; // e.g. Feb 30
  return ((days * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + frac;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month may be 13 = January next year). */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m > 12) {
    y++;
    m -= 12;
  }
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
