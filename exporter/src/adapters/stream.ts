// Streamed responses: `response` as the list of the stream's event objects (or an SSE transcript,
// parsed by sse.ts). Usage arrives in a few events, with cumulative counts, so the LAST value of
// each count is taken, never a sum; the assembled usage is then read by the body's own reader
// (openai.ts, anthropic.ts, ...), with rejections naming the event they came from.
//   - OpenAI / Azure / xAI chat: the chunk with `usage` (stream_options.include_usage; its choices
//     are empty), or Groq's `x_groq.usage`.
//   - OpenAI Responses: the `response` object of the last response.* event that has one
//     (response.completed / .incomplete / .failed).
//   - Anthropic: message_start's message.usage (input and cache counts, output_tokens 1), overlaid
//     by each message_delta's usage (cumulative output_tokens; newer API versions repeat the rest).
//   - Gemini streamGenerateContent: the last chunk with usageMetadata.
//   - Bedrock ConverseStream: the metadata event's usage, and messageStop's stopReason.
//   - Cohere v2: message-end's delta.usage; v1: stream-end's response.
import type { ErrorInfo } from './error-types.js';
import { anthropicErrorBody, anthropicUsage } from './anthropic.js';
import { bedrockConverseBody } from './bedrock.js';
import { cohereBody } from './cohere.js';
import { type JsonObject, isObject, missing, optObject, optString, optTokens } from './fields.js';
import { blocked, geminiBody } from './gemini.js';
import { openAiChatBody, openAiResponsesBody } from './openai.js';
import { type ResponseUsage, at, errorBody, errorDetails, zeroTokens } from './response-body.js';

type Kind = 'chat' | 'responses' | 'anthropic' | 'gemini' | 'converse' | 'cohere';

/** `path(i)` is event i's JSON path in the line (`response[i]`, or `response` for a single chunk). */
export type EventPath = (i: number) => string;

function kindOf(ev: JsonObject): Kind | undefined {
  if (ev.object === 'chat.completion.chunk') return 'chat';
  const type = ev.type;
  if (typeof type === 'string') {
    if (type.startsWith('response.')) return 'responses';
    if (type.startsWith('message_') || type.startsWith('content_block_') || type === 'ping') return 'anthropic';
    if (type === 'message-end' || type === 'message-start' || type.startsWith('content-') || type.startsWith('tool-')) return 'cohere';
  }
  if (ev.usageMetadata !== undefined || ev.candidates !== undefined) return 'gemini';
  if (ev.metadata !== undefined || ev.messageStart !== undefined || ev.messageStop !== undefined || ev.contentBlockDelta !== undefined) return 'converse';
  if (typeof ev.event_type === 'string') return 'cohere';
  return undefined;
}

/** The stream's usage, or undefined when no event is of a known kind. */
export function readEvents(events: JsonObject[], path: EventPath): ResponseUsage | undefined {
  let kind: Kind | undefined;
  for (let i = 0; i < events.length && kind === undefined; i++) kind = kindOf(events[i]);
  switch (kind) {
    case undefined:
      // A stream that failed before its first event may be just an error event.
      return events.length === 1 && events[0].type === 'error' ? anthropicErrorBody(events[0]) : undefined;
    case 'chat':
      return chatStream(events, path);
    case 'responses':
      return responsesStream(events, path);
    case 'anthropic':
      return anthropicStream(events, path);
    case 'gemini':
      return geminiStream(events, path);
    case 'converse':
      return converseStream(events, path);
    case 'cohere':
      return cohereStream(events, path);
  }
}

function chatStream(events: JsonObject[], path: EventPath): ResponseUsage {
  let usage: JsonObject | undefined;
  let usagePath = '';
  let usageAt = -1;
  let model: string | undefined;
  let filtered = false;
  let failure: ErrorInfo | undefined;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    // Azure's first chunk (prompt_filter_results) has an empty model.
    if (typeof ev.model === 'string' && ev.model !== '') model = ev.model;
    if (Array.isArray(ev.choices)) for (const c of ev.choices) if (isObject(c) && c.finish_reason === 'content_filter') filtered = true;
    if (isObject(ev.error)) failure = errorDetails(ev.error, 'type'); // an error sent mid-stream
    // Only the last chunks carry usage; the others have none or null.
    const groq = isObject(ev.x_groq) ? ev.x_groq.usage : undefined;
    if (ev.usage != null || groq != null) {
      usagePath = ev.usage != null ? `${path(i)}.usage` : `${path(i)}.x_groq.usage`;
      usage = optObject(ev.usage ?? groq, usagePath);
      usageAt = i;
    }
  }
  if (!usage) {
    if (filtered || failure) return { provider: 'openai', model, tokens: zeroTokens(), failure: failure ?? { type: 'content_filter', message: 'finish_reason content_filter' } };
    throw missing(path(events.length - 1), 'a chunk with usage (streams log usage only with stream_options.include_usage)');
  }
  const body = { object: 'chat.completion', model, choices: filtered ? [{ finish_reason: 'content_filter' }] : [], usage };
  const r = at('response.usage', usagePath, path(usageAt), () => openAiChatBody(body));
  return failure ? { ...r, failure } : r;
}

function responsesStream(events: JsonObject[], path: EventPath): ResponseUsage {
  // The final event (response.completed, .incomplete, .failed) carries usage; earlier ones
  // (response.created, .in_progress) have usage null, so a stream cut short has none.
  let last = -1;
  let failure: ErrorInfo | undefined;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.type === 'error') failure = errorDetails(ev, 'code');
    if (isObject(ev.response)) last = i;
  }
  if (last < 0) {
    if (failure) return errorBody('openai', failure);
    throw missing(path(events.length - 1), 'a response.completed (or .incomplete, .failed) event with its response');
  }
  const ev = path(last);
  const r = at('response', `${ev}.response`, ev, () => openAiResponsesBody(events[last].response as JsonObject));
  return failure && !r.failure ? { ...r, failure } : r;
}

const ANTHROPIC_COUNTS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

function anthropicStream(events: JsonObject[], path: EventPath): ResponseUsage {
  const usage: JsonObject = {};
  let usagePath: string | undefined;
  let model: string | undefined;
  let stopReason: unknown;
  let failure: ErrorInfo | undefined;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.type === 'message_start') {
      const message = optObject(ev.message, `${path(i)}.message`);
      model = (message && optString(message.model, `${path(i)}.message.model`)) ?? model;
      const u = message && optObject(message.usage, `${path(i)}.message.usage`);
      if (u) {
        Object.assign(usage, u);
        usagePath = `${path(i)}.message.usage`;
      }
    } else if (ev.type === 'message_delta') {
      const u = optObject(ev.usage, `${path(i)}.usage`);
      if (u) {
        // Cumulative: each count present replaces the one before, so it is checked where it is.
        for (const k of ANTHROPIC_COUNTS) if (u[k] != null) usage[k] = optTokens(u[k], `${path(i)}.usage.${k}`);
        if (isObject(u.cache_creation)) usage.cache_creation = u.cache_creation;
        usagePath ??= `${path(i)}.usage`;
      }
      const delta = optObject(ev.delta, `${path(i)}.delta`);
      if (delta && delta.stop_reason != null) stopReason = delta.stop_reason;
    } else if (ev.type === 'error') {
      failure = isObject(ev.error) ? errorDetails(ev.error, 'type') : {};
    }
  }
  if (usagePath === undefined) {
    if (failure) return errorBody('anthropic', failure);
    throw missing(path(0), 'a message_start event with message.usage');
  }
  const tokens = at('response.usage', usagePath, usagePath, () => anthropicUsage(usage));
  failure ??= stopReason === 'refusal' ? { type: 'content_filter', message: 'stop_reason refusal' } : undefined;
  return { provider: 'anthropic', model, tokens, failure };
}

function geminiStream(events: JsonObject[], path: EventPath): ResponseUsage {
  let last = -1;
  let model: string | undefined;
  let failure: ErrorInfo | undefined;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.usageMetadata != null) last = i;
    if (typeof ev.modelVersion === 'string' && ev.modelVersion !== '') model = ev.modelVersion;
    failure ??= at('response', path(i), path(i), () => blocked(ev));
  }
  if (last < 0) {
    if (failure) return { ...errorBody('google', failure), model };
    throw missing(path(events.length - 1), 'a chunk with usageMetadata');
  }
  const r = at('response', path(last), path(last), () => geminiBody(events[last]));
  return { ...r, model: model ?? r.model, failure: r.failure ?? failure };
}

function converseStream(events: JsonObject[], path: EventPath): ResponseUsage {
  let usageAt = -1;
  let stopReason: unknown;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (isObject(ev.metadata) && ev.metadata.usage != null) usageAt = i;
    if (isObject(ev.messageStop)) stopReason = ev.messageStop.stopReason;
  }
  const usage = usageAt < 0 ? undefined : (events[usageAt].metadata as JsonObject).usage;
  const ev = usageAt < 0 ? path(events.length - 1) : path(usageAt);
  return at('response.usage', `${ev}.metadata.usage`, ev, () => bedrockConverseBody({ usage, stopReason }));
}

function cohereStream(events: JsonObject[], path: EventPath): ResponseUsage {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (ev.type === 'message-end' && isObject(ev.delta)) {
      const d = ev.delta;
      return at('response', `${path(i)}.delta`, path(i), () => cohereBody({ usage: d.usage, finish_reason: d.finish_reason }));
    }
    if (ev.event_type === 'stream-end' && isObject(ev.response)) {
      const r = ev.response;
      return at('response', `${path(i)}.response`, path(i), () => cohereBody(r));
    }
  }
  throw missing(path(events.length - 1), 'a message-end (v2) or stream-end (v1) event with usage');
}
