// Client gaps: the conformance cases where the client itself does not emit a quantity the provider
// reported, or emits it wrong. tokenscope cannot count what is not sent, so these cases do not
// expect what the fake served; they assert instead (support/harness.ts, checkCase) that
//   (i)  tokenscope counts exactly what the client emitted, read from the OTLP tap by `reader`
//        (a type the client did not emit is counted as 0, never guessed), and
//   (ii) the gap is real: what the client emitted differs from what the fake served for exactly
//        the declared types — so when a client release starts emitting them, the case fails and
//        says to make it exact again (delete its entry here).
// Every entry is listed, with its reason, in docs/otlp.md ("Client conformance");
// test/conformance/gaps.test.ts keeps the two in step.
import { AI_SDK_5, AI_SDK_7, type GapType, LITELLM, type Reader, SEMCONV } from './support/emitted.js';

export interface ClientGap {
  /** The token types the client leaves out or misreports (or `provider`). */
  types: GapType[];
  why: string;
  /** How to read what the client emitted. */
  reader: Reader;
}

const gap = (reader: Reader, types: GapType[], why: string): ClientGap => ({ reader, types, why });

const AI5_DO_GENERATE = "ai@5's doGenerate span carries only promptTokens/completionTokens: no ai.usage.cachedInputTokens or reasoningTokens (its doStream spans have them)";
const AI7_DEFAULT = 'the default OpenTelemetry() integration writes no reasoning count (OpenTelemetry({ usage: true }) adds ai.usage.outputTokenDetails.reasoningTokens)';
const OPENLLMETRY_JS = '@traceloop/instrumentation-openai writes input and output only: no cache read, no reasoning';
const OPENLLMETRY_JS_STREAM = '@traceloop/instrumentation-openai writes no usage at all on streams (stream_options.include_usage notwithstanding): the call is counted with usage unknown';
const OPENLIT_CHAT = 'OpenLIT writes no reasoning count on Chat Completions spans (it does on Responses)';
const OPENAI_V2 = 'opentelemetry-instrumentation-openai-v2 writes input and output only: no cache read, no reasoning';

/** Keyed by the suite's short client name, then the case. */
export const GAPS: Record<string, Record<string, ClientGap>> = {
  'ai@5': {
    'openai.chat generateText': gap(AI_SDK_5, ['cacheRead', 'reasoning'], AI5_DO_GENERATE),
    'openai.chat tool call, 2 steps': gap(AI_SDK_5, ['cacheRead', 'reasoning'], AI5_DO_GENERATE),
    'openai.responses generateText': gap(AI_SDK_5, ['cacheRead', 'reasoning'], AI5_DO_GENERATE),
    'openai.responses tool call, 2 steps': gap(AI_SDK_5, ['cacheRead', 'reasoning'], AI5_DO_GENERATE),
  },
  'ai@7': {
    'openai.chat generateText': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
    'openai.chat streamText': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
    'openai.chat tool call, 2 steps': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
    'openai.responses generateText': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
    'openai.responses streamText': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
    'openai.responses tool call, 2 steps': gap(AI_SDK_7, ['reasoning'], AI7_DEFAULT),
  },
  'OpenLLMetry JS': {
    'openai.chat generate': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENLLMETRY_JS),
    'openai.chat stream': gap(SEMCONV, ['input', 'output', 'cacheRead', 'reasoning'], OPENLLMETRY_JS_STREAM),
    'openai.chat tool call, 2 steps': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENLLMETRY_JS),
    'openai.responses generate': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENLLMETRY_JS),
    'openai.responses stream': gap(SEMCONV, ['input', 'output', 'cacheRead', 'reasoning'], OPENLLMETRY_JS_STREAM),
  },
  'OpenLIT JS': {
    'openai.chat generate': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
    'openai.chat stream': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
    'openai.chat tool call, 2 steps': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
  },
  'LiteLLM otel': {
    'openai.responses stream': gap(
      LITELLM,
      ['provider'],
      'a streamed litellm.responses() call names no provider: gen_ai.system is "" and litellm.provider.model has no "provider/" prefix (the plain call has one); the span is rejected as missing_field, not guessed',
    ),
  },
  'openai-v2': {
    'openai.chat generate': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
    'openai.chat stream': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
    'openai.chat tool call, 2 steps': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
  },
  'openai-v2 latest': {
    'openai.chat generate': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
    'openai.chat stream': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
    'openai.chat tool call, 2 steps': gap(SEMCONV, ['cacheRead', 'reasoning'], OPENAI_V2),
  },
  OpenLIT: {
    'openai.chat generate': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
    'openai.chat stream': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
    'openai.chat tool call, 2 steps': gap(SEMCONV, ['reasoning'], OPENLIT_CHAT),
    'anthropic.messages stream': gap(
      SEMCONV,
      ['input', 'cacheRead', 'cacheWrite'],
      "client bug: on a streamed Messages call OpenLIT overwrites message_start's cache read and write with message_delta's, 0 when message_delta leaves them out (they are optional there; the fake sends output_tokens only), and writes Anthropic's uncached input_tokens as gen_ai.usage.input_tokens, so input, cache read and cache write all come out low (the plain call is counted right)",
    ),
  },
  traceloop: {
    'openai.chat stream': gap(SEMCONV, ['reasoning'], 'opentelemetry-instrumentation-openai writes no reasoning count on streams (it does on plain calls)'),
    'anthropic.messages stream': gap(
      SEMCONV,
      ['output'],
      "client bug: opentelemetry-instrumentation-anthropic adds message_start's output_tokens (1) to message_delta's, which is already the cumulative count: output is one too many",
    ),
  },
};

export function gapFor(client: string, shape: string): ClientGap | undefined {
  return GAPS[client]?.[shape];
}
