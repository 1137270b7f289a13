// An envelope: our attribution fields around a provider's raw response body (`response`).
// The body's shape says which provider wrote it; provider-specific token semantics live in
// openai.ts / anthropic.ts / gemini.ts / bedrock.ts / cohere.ts, streams in stream.ts.
import { LineRejection, type RequestRecord } from '../events/types.js';
import { anthropicErrorBody, anthropicMessageBody } from './anthropic.js';
import { bedrockConverseBody } from './bedrock.js';
import { cohereBody } from './cohere.js';
import { type JsonObject, invalid, isObject, missing, optStatusCode, optString, readTimestamp } from './fields.js';
import { geminiBody, geminiErrorBody } from './gemini.js';
import { openAiChatBody, openAiErrorBody, openAiResponsesBody } from './openai.js';
import { normalizeProvider } from './providers.js';
import { markFailed, newRequest, readEventError, readEventFields } from './request-record.js';
import { type ResponseUsage, zeroTokens } from './response-body.js';
import { parseSse } from './sse.js';
import { readEvents } from './stream.js';

const SINGLE = (): string => 'response';
const INDEXED = (i: number): string => `response[${i}]`;
const BODY = "a provider response body object, a stream's event objects or its SSE transcript";

/**
 * `response` as logged: one body object, a stream as a list of its event objects, or a stream's
 * SSE transcript (a string). Undefined when it is none of those (e.g. an HTML error page).
 */
function readResponse(response: unknown): ResponseUsage | undefined {
  if (isObject(response)) return readResponseBody(response);
  if (Array.isArray(response)) {
    for (let i = 0; i < response.length; i++) if (!isObject(response[i])) throw invalid(INDEXED(i), 'a stream event object', response[i]);
    return readEvents(response as JsonObject[], INDEXED);
  }
  if (typeof response === 'string') {
    const events = parseSse(response);
    if (!events) throw invalid('response', BODY, response);
    return readEvents(events, INDEXED);
  }
  return undefined;
}

/** Which provider body this is, by a few property checks; undefined when none matches. */
export function readResponseBody(body: JsonObject): ResponseUsage | undefined {
  const object = body.object;
  if (object === 'chat.completion') return openAiChatBody(body);
  if (object === 'response') return openAiResponsesBody(body);
  // Only the final chunk of a stream, the one with usage.
  if (object === 'chat.completion.chunk') return readEvents([body], SINGLE);
  const type = body.type;
  if (type === 'message') return anthropicMessageBody(body);
  if (type === 'error') return anthropicErrorBody(body);
  if (body.usageMetadata !== undefined || body.candidates !== undefined || body.promptFeedback !== undefined) return geminiBody(body);
  const error = body.error;
  if (isObject(error)) {
    // Gemini's error has a string status and numeric code; OpenAI's code is a string or null.
    return typeof error.status === 'string' || typeof error.code === 'number' ? geminiErrorBody(error) : openAiErrorBody(error);
  }
  const usage = body.usage;
  if (isObject(usage)) {
    // OpenAI-compatible servers that leave out `object`.
    if (usage.prompt_tokens !== undefined) return openAiChatBody(body);
    if (usage.billed_units !== undefined) return cohereBody(body);
    if (usage.inputTokens !== undefined) return bedrockConverseBody(body);
    if (usage.input_tokens !== undefined) return anthropicShaped(body, usage) ? anthropicMessageBody(body) : openAiResponsesBody(body);
  }
  if (isObject(body.meta) && body.meta.billed_units !== undefined) return cohereBody(body);
  // A Converse body without usage (a guardrail stop).
  if (isObject(body.output) && typeof body.stopReason === 'string') return bedrockConverseBody(body);
  return undefined;
}

/**
 * input_tokens / output_tokens usage without a `type` or `object` to say whose: Anthropic's has
 * cache_* fields (or thinking_tokens), the Responses API's has *_details. Without either the two
 * read the same (no cache, so inclusive and exclusive agree); Anthropic is chosen when the body
 * has Anthropic's content / stop_reason.
 */
function anthropicShaped(body: JsonObject, usage: JsonObject): boolean {
  if (usage.cache_creation_input_tokens !== undefined || usage.cache_read_input_tokens !== undefined || usage.cache_creation !== undefined) return true;
  const details = usage.output_tokens_details;
  if (isObject(details) && details.thinking_tokens !== undefined) return true;
  if (usage.input_tokens_details !== undefined || usage.output_tokens_details !== undefined) return false;
  return body.stop_reason !== undefined || body.content !== undefined;
}

export function envelopeToRecord(obj: JsonObject): RequestRecord {
  const timestampMs = readTimestamp(obj.timestamp, 'timestamp');
  const statusCode = optStatusCode(obj.status_code, 'status_code');
  const envError = readEventError(obj.error);
  const failedOutside = envError !== undefined || (statusCode !== undefined && statusCode >= 400);

  const response = obj.response;
  let body: ResponseUsage | undefined;
  try {
    body = readResponse(response);
  } catch (err) {
    // A failed call's stream may be cut off mid-event: the failure is what counts, not the transcript.
    if (!(failedOutside && typeof response === 'string' && err instanceof LineRejection)) throw err;
  }
  // A failed call may log no body, or one we do not know (a proxy's error page): ignore it, never copy it.
  if (body === undefined && !failedOutside) {
    if (response === undefined || response === null) throw missing('response', 'a provider response body');
    if (!isObject(response) && !Array.isArray(response)) throw invalid('response', BODY, response);
    throw new LineRejection(
      'unknown_format',
      'response',
      'not a recognised response body (OpenAI chat.completion, chunk or response, Anthropic message, Gemini generateContent, Bedrock Converse, ' +
        'Cohere chat, a stream of their events or its SSE transcript, or an error body)',
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
