// Circuit-breaker state changes written by the caller's resilience layer.
import type { BreakerRecord, BreakerState } from '../events/types.js';
import { type JsonObject, invalid, optCount, readTimestamp, reqString } from './fields.js';
import { normalizeProvider } from './providers.js';

const STATES = new Map<string, BreakerState>([
  ['open', 'open'],
  ['closed', 'closed'],
  ['half_open', 'half_open'],
  ['half-open', 'half_open'],
]);

export function breakerToRecord(obj: JsonObject): BreakerRecord {
  const rawState = reqString(obj.state, 'state');
  // Case-insensitive: resilience libraries log OPEN / HALF_OPEN.
  const state = STATES.get(rawState.toLowerCase());
  if (state === undefined) throw invalid('state', '"open", "closed" or "half_open"', rawState);
  return {
    kind: 'breaker',
    timestampMs: readTimestamp(obj.timestamp, 'timestamp'),
    provider: normalizeProvider(reqString(obj.provider, 'provider')),
    state,
    failureCount: optCount(obj.failure_count, 'failure_count'),
  };
}
