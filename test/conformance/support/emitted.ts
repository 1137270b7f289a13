// What a client emitted, read from the OTLP tap's decoded copy of its export requests — the
// client's own numbers, in its own attribute names, one model call per span — for the cases with a
// declared client gap (gaps.ts): there tokenscope must count exactly what was emitted, and the gap
// must be real (what was emitted differs from what the fake provider served for exactly the
// declared types).
//
// The readers are deliberately plain: one span predicate and, per token type, the attribute names
// the client writes (the first present wins). They do not share code with the exporter's mapping,
// and they know only the clients the gap table uses.
import type { Attrs, Tapped, TappedSpan } from './otlp-tap.js';

export const TOKEN_TYPES = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
/** What a client can leave out or get wrong: a token type, or the provider. */
export type GapType = TokenType | 'provider';

export interface Reader {
  name: string;
  /** True for the client's span of one model call. */
  isCall(s: TappedSpan): boolean;
  /** A token type's count on a call span as the client wrote it; undefined when it wrote none. */
  tokens: Record<TokenType, (a: Attrs) => number | undefined>;
  /** The provider the span names, undefined when it names none. */
  provider(a: Attrs): string | undefined;
}

export interface EmittedCall {
  span: string;
  provider: string | undefined;
  /** Only the types the client wrote. */
  tokens: Partial<Record<TokenType, number>>;
}

function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return undefined;
}

/** The first of the attributes that holds a count. */
const first =
  (...keys: string[]) =>
  (a: Attrs): number | undefined => {
    for (const k of keys) {
      const n = count(a[k]);
      if (n !== undefined) return n;
    }
    return undefined;
  };

const none = (): undefined => undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const SEMCONV_TOKENS = {
  input: first('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'),
  output: first('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'),
  cacheRead: first('gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens'),
  cacheWrite: first('gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens'),
  reasoning: first('gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens'),
};

const CALL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'responses']);

/** OpenTelemetry GenAI conventions (OpenLLMetry, OpenLIT, opentelemetry-instrumentation-openai-v2): one `chat` span per call. */
export const SEMCONV: Reader = {
  name: 'gen_ai.* on the chat spans',
  isCall: (s) => CALL_OPERATIONS.has(s.attributes['gen_ai.operation.name'] as string) && s.attributes['traceloop.span.kind'] === undefined,
  tokens: SEMCONV_TOKENS,
  provider: (a) => str(a['gen_ai.provider.name']) ?? str(a['gen_ai.system']),
};

/** AI SDK 7 (@ai-sdk/otel): the `chat` step spans, gen_ai.* plus its ai.usage.*TokenDetails when `usage: true`. */
export const AI_SDK_7: Reader = {
  name: 'gen_ai.* and ai.usage.*TokenDetails on the chat step spans',
  isCall: (s) => s.attributes['gen_ai.operation.name'] === 'chat',
  tokens: {
    ...SEMCONV_TOKENS,
    cacheWrite: first('gen_ai.usage.cache_creation.input_tokens', 'ai.usage.inputTokenDetails.cacheWriteTokens'),
    reasoning: first('gen_ai.usage.reasoning.output_tokens', 'ai.usage.outputTokenDetails.reasoningTokens'),
  },
  provider: (a) => str(a['gen_ai.provider.name']),
};

/**
 * AI SDK 5: the doGenerate / doStream step spans, ai.usage.*. Only for OpenAI-shaped counts (input
 * including the cache), which is where the gap table uses it.
 */
export const AI_SDK_5: Reader = {
  name: 'ai.usage.* on the doGenerate/doStream spans',
  isCall: (s) => /\.do(Generate|Stream)$/.test(String(s.attributes['ai.operationId'] ?? '')),
  tokens: {
    input: first('ai.usage.inputTokens', 'ai.usage.promptTokens'),
    output: first('ai.usage.outputTokens', 'ai.usage.completionTokens'),
    cacheRead: first('ai.usage.cachedInputTokens'),
    cacheWrite: none,
    reasoning: first('ai.usage.reasoningTokens'),
  },
  provider: (a) => str(a['ai.model.provider']),
};

/** A count in LiteLLM's Python-repr usage dict (metadata.usage_object), found by its key. */
const inUsageObject =
  (...keys: string[]) =>
  (a: Attrs): number | undefined => {
    const text = typeof a['metadata.usage_object'] === 'string' ? (a['metadata.usage_object'] as string) : '';
    for (const k of keys) {
      const m = new RegExp(`['"]${k}['"]: ([0-9]+)[,}]`).exec(text);
      if (m) return Number(m[1]);
    }
    return undefined;
  };

/** LiteLLM's `otel` callback: the litellm_request span (its raw_gen_ai_request child is not a call of its own). */
export const LITELLM: Reader = {
  name: 'gen_ai.* and metadata.usage_object on litellm_request',
  isCall: (s) => s.name === 'litellm_request',
  tokens: {
    input: first('gen_ai.usage.input_tokens'),
    output: first('gen_ai.usage.output_tokens'),
    cacheRead: inUsageObject('cached_tokens'),
    cacheWrite: inUsageObject('cache_creation_tokens'),
    reasoning: inUsageObject('reasoning_tokens'),
  },
  provider: (a) => {
    const routed = str(a['litellm.provider.model']);
    return str(a['gen_ai.provider.name']) ?? str(a['gen_ai.system']) ?? (routed?.includes('/') ? routed.split('/')[0] : undefined);
  },
};

/** The client's model calls in what the tap decoded. */
export function emittedCalls(tapped: readonly Tapped[], reader: Reader): EmittedCall[] {
  const out: EmittedCall[] = [];
  for (const t of tapped) {
    for (const s of t.spans) {
      if (!reader.isCall(s)) continue;
      const tokens: Partial<Record<TokenType, number>> = {};
      for (const k of TOKEN_TYPES) {
        const n = reader.tokens[k](s.attributes);
        if (n !== undefined) tokens[k] = n;
      }
      out.push({ span: s.name, provider: reader.provider(s.attributes), tokens });
    }
  }
  return out;
}
