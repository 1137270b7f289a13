// An envelope: our attribution fields around a provider's raw response body (`response`).
// The body's shape says which provider wrote it; provider-specific token semantics live in
// openai.ts / anthropic.ts / gemini.ts.
import { LineRejection, type RequestRecord } from '../events/types.js';
import { anthropicErrorBody, anthropicMessageBody } from './anthropic.js';
import { type JsonObject, invalid, isObject, missing, optStatusCode, optString, readTimestamp } from './fields.js';
import { geminiBody, geminiErrorBody } from './gemini.js';
import { openAiChatBody, openAiErrorBody, openAiResponsesBody } from './openai.js';
import { normalizeProvider } from './providers.js';
import { markFailed, newRequest, readEventError, readEventFields } from './request-record.js';
import { type ResponseUsage, zeroTokens } from './response-body.js';

/** Which provider body this is, by a few property checks; undefined when none matches. */
export function readResponseBody(body: JsonObject): ResponseUsage | undefined {
  const object = body.object;
  if (object === 'chat.completion') return openAiChatBody(body);
  if (object === 'response') return openAiResponsesBody(body);
  const type = body.type;
  if (type === 'message') return anthropicMessageBody(body);
  if (type === 'error') return anthropicErrorBody(body);
  if (body.usageMetadata !== undefined || body.candidates !== undefined || body.promptFeedback !== undefined) return geminiBody(body);
  const error = body.error;
  if (isObject(error)) {
    // Gemini's error has a string status and numeric code; OpenAI's code is a string or null.
    return typeof error.status === 'string' || typeof error.code === 'number' ? geminiErrorBody(error) : openAiErrorBody(error);
  }
  // OpenAI-compatible servers that leave out `object`.
  if (isObject(body.usage) && body.usage.prompt_tokens !== undefined) return openAiChatBody(body);
  return undefined;
}

export function envelopeToRecord(obj: JsonObject): RequestRecord {
  const timestampMs = readTimestamp(obj.timestamp, 'timestamp');
  const statusCode = optStatusCode(obj.status_code, 'status_code');
  const envError = readEventError(obj.error);
  const failedOutside = envError !== undefined || (statusCode !== undefined && statusCode >= 400);

  const response = obj.response;
  const body = isObject(response) ? readResponseBody(response) : undefined;
  // A failed call may log no body, or one we do not know (a proxy's error page): ignore it, never copy it.
  if (body === undefined && !failedOutside) {
    if (response === undefined || response === null) throw missing('response', 'a provider response body');
    if (!isObject(response)) throw invalid('response', 'a provider response body object', response);
    throw new LineRejection(
      'unknown_format',
      'response',
      'not a recognised response body (OpenAI chat.completion or response, Anthropic message, Gemini generateContent, or an error body)',
    );
  }

  const envProvider = optString(obj.provider, 'provider');
  const provider = envProvider ?? body?.provider;
  if (provider === undefined) throw missing('provider', 'a provider name (none given and no response body to infer it from)');
  // The body's model is what actually served the request; the envelope's is what was asked for.
  const model = body?.model ?? optString(obj.model, 'model');
  if (model === undefined) throw missing('model', 'a model name (in response.model, response.modelVersion or model)');

  const rec = newRequest(timestampMs, normalizeProvider(provider), model, body ? body.tokens : zeroTokens());
  readEventFields(obj, rec);
  const failure = body?.failure;
  // Gemini error bodies carry the HTTP status as their code.
  const bodyCode = failure?.code;
  rec.statusCode = statusCode ?? (typeof bodyCode === 'number' && Number.isInteger(bodyCode) && bodyCode >= 100 && bodyCode <= 599 ? bodyCode : undefined);
  if (failedOutside || failure) {
    markFailed(rec, {
      statusCode: rec.statusCode,
      type: failure?.type ?? envError?.type,
      code: failure?.code ?? envError?.code,
      message: failure?.message ?? envError?.message,
    });
  }
  return rec;
}
