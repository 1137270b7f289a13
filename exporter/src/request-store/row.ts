// One counted request as a store row: the priced record with its user, session and API key
// replaced by their keyed pseudonyms, and an idempotency key. Never the prompt, the completion or
// the error message (free text that may quote either).
import { createHash } from 'node:crypto';
import type { RequestRecord } from '../events/types.js';
import type { PriceResult } from '../pricing/pricer.js';
import type { StoredRequest } from './types.js';

/** Costs are stored as integer nano-dollars, so every SUM is exact and equal on both backends. */
export const NANO_PER_USD = 1_000_000_000;

export function toNano(usd: number): number {
  return Math.round(usd * NANO_PER_USD);
}

export function fromNano(n: number): number {
  return n / NANO_PER_USD;
}

/**
 * The idempotency key. With a request id the id is the identity (`id:` + id): the same request
 * read again after a crash, or by a second replica tailing an overlapping file, lands on the same
 * key and is stored once. Without one the only identity a re-read line has is its content, so the
 * key is `h:` + SHA-256 of the fields that make two requests different (time, provider, model,
 * attribution, tokens, status). Two genuinely distinct id-less requests with all of these equal
 * at the same millisecond collapse into one row: the price of exactly-once storage for sources
 * that send no id.
 *
 * Plain JavaScript text: SQLite's insert worker builds keys from raw records with this same
 * function (sqlite-inserter.ts), so a row journaled here and the same line re-read there agree.
 * Absent values may be undefined or null; JSON keeps field boundaries unambiguous ("a","bc" vs "ab","c").
 */
export const KEY_SOURCE = String.raw`(function keyOf(requestId, ts, provider, model, project, feature, team, user, session, apiKey, status, errorType,
  input, output, cacheRead, cacheWrite, reasoning, latency, ttft, sha256hex) {
  if (requestId != null && requestId !== '') return 'id:' + requestId;
  const o = (v) => (v == null ? '' : v);
  return 'h:' + sha256hex(JSON.stringify([ts, provider, model, o(project), o(feature), o(team), o(user), o(session), o(apiKey), status,
    o(errorType), input, output, cacheRead, cacheWrite, reasoning, o(latency), o(ttft)]));
})`;

type KeyOf = (...args: unknown[]) => string;
const keyOf = new Function(`return ${KEY_SOURCE};`)() as KeyOf;
const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function idempotencyKey(rec: RequestRecord): string {
  const t = rec.tokens;
  return keyOf(rec.requestId, rec.timestampMs, rec.provider, rec.model, rec.project, rec.feature, rec.team, rec.userId, rec.sessionId, rec.apiKey,
    rec.status, rec.errorType, t.input, t.output, t.cacheRead, t.cacheWrite, t.reasoning, rec.latencySeconds, rec.ttftSeconds, sha256hex);
}

export function toStoredRequest(rec: RequestRecord, price: PriceResult, pseudonym: (id: string) => string): StoredRequest {
  const t = rec.tokens;
  const row: StoredRequest = {
    key: idempotencyKey(rec),
    timestampMs: rec.timestampMs,
    provider: rec.provider,
    model: rec.model,
    status: rec.status,
    inputTokens: t.input,
    outputTokens: t.output,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheWrite,
    reasoningTokens: t.reasoning,
    // Rounded to the stored nano-dollar here, so a row read back equals the row written.
    costUsd: fromNano(toNano(price.costUsd)),
    revenueUsd: fromNano(toNano(price.revenueUsd)),
    priced: price.priced,
    usageUnknown: rec.usageUnknown === true,
  };
  if (rec.project !== undefined) row.project = rec.project;
  if (rec.feature !== undefined) row.feature = rec.feature;
  if (rec.team !== undefined) row.team = rec.team;
  if (rec.userId !== undefined) row.user = pseudonym(rec.userId);
  if (rec.sessionId !== undefined) row.session = pseudonym(rec.sessionId);
  if (rec.apiKey !== undefined) row.apiKey = pseudonym(rec.apiKey);
  if (rec.requestId !== undefined) row.requestId = rec.requestId;
  if (rec.errorType !== undefined) row.errorType = rec.errorType;
  if (rec.latencySeconds !== undefined) row.latencySeconds = rec.latencySeconds;
  if (rec.ttftSeconds !== undefined) row.ttftSeconds = rec.ttftSeconds;
  return row;
}
