// Log-line adapters: detect each line's format with a few property checks and hand it to that
// format's module. Detection order and rules are documented in docs/events.md.
import { type IngestRecord, LineRejection } from '../events/types.js';
import { breakerToRecord } from './breaker.js';
import { canonicalToRecord } from './canonical.js';
import { envelopeToRecord } from './envelope.js';
import { type JsonObject, isObject } from './fields.js';
import { isLiteLlmPayload, liteLlmToRecord } from './litellm.js';
import { isSpendLogsRow, spendLogsToRecord } from './litellm-spendlogs.js';
import { hasGenAiAttributes, otelLineToRecord } from './otel-genai.js';

export { classifyError, type ErrorInfo } from './error-types.js';
export { genAiAttributesToRecord, type SpanContext } from './otel-genai.js';
export { normalizeProvider } from './providers.js';

export const MAX_LINE_LENGTH = 1_000_000;

export function parseLine(line: string): IngestRecord {
  if (line.length > MAX_LINE_LENGTH) throw new LineRejection('too_long', undefined, `line is ${line.length} characters, limit ${MAX_LINE_LENGTH}`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // V8's message quotes the text around the error ("Unexpected token 's', "{"a": secret-pro"...");
    // only the position is kept.
    const at = /at position (\d+)/.exec((err as Error).message);
    throw new LineRejection('invalid_json', undefined, at ? `not valid JSON (at character ${at[1]})` : 'not valid JSON');
  }
  if (!isObject(value)) throw new LineRejection('not_an_object', undefined, 'a line must be a JSON object');
  return normalize(value);
}

export function normalize(obj: JsonObject): IngestRecord {
  const type = obj.type;
  if (type === 'circuit_breaker') return breakerToRecord(obj);
  if (type === 'request') return canonicalToRecord(obj);
  if (isSpendLogsRow(obj)) return spendLogsToRecord(obj);
  if (isLiteLlmPayload(obj)) return liteLlmToRecord(obj);
  if (obj.response !== undefined) return envelopeToRecord(obj);
  if (obj.input_tokens !== undefined) return canonicalToRecord(obj);
  const attributes = obj.attributes;
  if (isObject(attributes) ? hasGenAiAttributes(attributes) : hasGenAiAttributes(obj)) return otelLineToRecord(obj);
  // A failed call logged without a response body.
  if (obj.timestamp !== undefined && (obj.status_code !== undefined || (obj.error !== undefined && obj.error !== null))) return envelopeToRecord(obj);
  throw new LineRejection(
    'unknown_format',
    undefined,
    'not a canonical event, envelope, LiteLLM payload, OpenTelemetry GenAI span or circuit_breaker event (see docs/events.md)',
  );
}
