// The project's own request event (docs/events.md): token counts already in our semantics
// (input includes cache, output includes reasoning), so this is validation and renaming only.
import type { RequestRecord } from '../events/types.js';
import {
  type JsonObject, invalid, optCostUsd, optStatusCode, optString, optTokens, readTimestamp, reqString, reqTokens,
} from './fields.js';
import { normalizeProvider } from './providers.js';
import { checkTokenTotals, markFailed, newRequest, readEventError, readEventFields } from './request-record.js';

export function canonicalToRecord(obj: JsonObject): RequestRecord {
  const tokens = {
    input: reqTokens(obj.input_tokens, 'input_tokens'),
    output: reqTokens(obj.output_tokens, 'output_tokens'),
    cacheRead: optTokens(obj.cache_read_tokens, 'cache_read_tokens'),
    cacheWrite: optTokens(obj.cache_write_tokens, 'cache_write_tokens'),
    reasoning: optTokens(obj.reasoning_tokens, 'reasoning_tokens'),
  };
  checkTokenTotals(tokens, 'input_tokens', 'output_tokens');
  const rec = newRequest(
    readTimestamp(obj.timestamp, 'timestamp'),
    normalizeProvider(reqString(obj.provider, 'provider')),
    reqString(obj.model, 'model'),
    tokens,
  );
  readEventFields(obj, rec);
  rec.statusCode = optStatusCode(obj.status_code, 'status_code');
  rec.reportedCostUsd = optCostUsd(obj.cost_usd, 'cost_usd');

  const error = readEventError(obj.error);
  const errorType = optString(obj.error_type, 'error_type');
  const status = obj.status;
  let failed: boolean;
  if (status === undefined || status === null) {
    failed = error !== undefined || errorType !== undefined || (rec.statusCode !== undefined && rec.statusCode >= 400);
  } else if (status === 'success' || status === 'error') {
    failed = status === 'error'; // an explicit status wins over status_code
  } else {
    throw invalid('status', '"success" or "error"', status);
  }
  if (failed) markFailed(rec, error ?? {}, errorType);
  return rec;
}
