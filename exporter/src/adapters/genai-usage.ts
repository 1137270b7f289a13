// Token usage of a GenAI span, per attribute family, in tokenscope's semantics: input includes
// cache reads and writes, output includes reasoning. Which counts are inclusive differs per library
// and version; each rule is in docs/otlp.md, "Token usage by library", and tested in
// test/adapters/genai-usage.test.ts. undefined means the span reports no usage at all.
import type { TokenCounts } from '../events/types.js';
import { type JsonObject, invalid, isObject, optTokens } from './fields.js';
import type { GenAiSource, Identity } from './genai-sources.js';
import { parsePythonDict } from './python-repr.js';

/** A token count attribute; OTLP/JSON encodes int64 as a decimal string, so that is accepted too. */
function num(a: JsonObject, key: string, p: string): number | undefined {
  const v = a[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && v !== '' ? Number(v) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return optTokens(n, p + key);
  throw invalid(p + key, 'a non-negative integer token count', v);
}

/** A count inside a JSON blob (provider metadata, Genkit output): anything but a count is ignored. */
function blobNum(o: unknown, ...path: string[]): number | undefined {
  let v = o;
  for (const k of path) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** A JSON-string attribute parsed, or undefined when absent or not JSON (never a rejection). */
function blob(a: JsonObject, key: string): unknown {
  const v = a[key];
  if (typeof v !== 'string' || v === '') return isObject(v) ? v : undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/** Inclusive totals; a total smaller than its parts was written exclusively, so the parts are added. */
function tokens(input: number, output: number, cacheRead: number, cacheWrite: number, reasoning: number): TokenCounts {
  if (input < cacheRead + cacheWrite) input += cacheRead + cacheWrite;
  if (output < reasoning) output += reasoning;
  return { input, output, cacheRead, cacheWrite, reasoning };
}

interface Parts {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** The gen_ai.* counts as written, each undefined when absent. */
function semconvParts(a: JsonObject, p: string): Parts {
  return {
    input: num(a, 'gen_ai.usage.input_tokens', p) ?? num(a, 'gen_ai.usage.prompt_tokens', p),
    output: num(a, 'gen_ai.usage.output_tokens', p) ?? num(a, 'gen_ai.usage.completion_tokens', p),
    // The AI SDK 7 OpenTelemetry integration with `usage: true` adds its own token details
    // (ai.usage.*TokenDetails.*) next to the gen_ai.* counts, which they are parts of.
    cacheRead:
      num(a, 'gen_ai.usage.cache_read.input_tokens', p) ??
      num(a, 'gen_ai.usage.cache_read_input_tokens', p) ??
      num(a, 'gen_ai.usage.input_cached_tokens', p) ??
      num(a, 'gen_ai.usage.input_tokens.cached', p) ??
      num(a, 'ai.usage.inputTokenDetails.cacheReadTokens', p),
    cacheWrite:
      num(a, 'gen_ai.usage.cache_creation.input_tokens', p) ??
      num(a, 'gen_ai.usage.cache_write.input_tokens', p) ??
      num(a, 'gen_ai.usage.cache_creation_input_tokens', p) ??
      num(a, 'gen_ai.usage.input_tokens.cache_write', p) ??
      num(a, 'ai.usage.inputTokenDetails.cacheWriteTokens', p),
    reasoning:
      num(a, 'gen_ai.usage.reasoning.output_tokens', p) ??
      num(a, 'gen_ai.usage.reasoning_tokens', p) ??
      num(a, 'gen_ai.usage.output_tokens.reasoning', p) ??
      num(a, 'ai.usage.outputTokenDetails.reasoningTokens', p),
  };
}

function fromParts(u: Parts): TokenCounts | undefined {
  if (u.input === undefined && u.output === undefined && u.cacheRead === undefined && u.cacheWrite === undefined && u.reasoning === undefined) return undefined;
  return tokens(u.input ?? 0, u.output ?? 0, u.cacheRead ?? 0, u.cacheWrite ?? 0, u.reasoning ?? 0);
}

/** OpenTelemetry GenAI conventions, current and older names (OpenLLMetry, OpenLIT, others). */
function semconv(a: JsonObject, p: string): TokenCounts | undefined {
  return fromParts(semconvParts(a, p));
}

/** AI SDK ≤ 5 providers whose input count leaves cache reads and writes out (Anthropic, Bedrock). */
function exclusiveCache(id: Identity): boolean {
  return id.provider === 'anthropic' || id.provider === 'bedrock' || id.rawProvider.includes('anthropic');
}

/** Vercel AI SDK: ai.usage.* (v4 prompt/completion, v5 input/output, v6 token details), else gen_ai.*. */
function aiSdk(a: JsonObject, p: string, id: Identity): TokenCounts | undefined {
  let input =
    num(a, 'ai.usage.inputTokens', p) ??
    num(a, 'ai.usage.promptTokens', p) ??
    num(a, 'gen_ai.usage.input_tokens', p) ??
    num(a, 'gen_ai.usage.prompt_tokens', p) ??
    num(a, 'ai.usage.tokens', p); // embeddings
  const reportedInput = input ?? 0;
  let output = num(a, 'ai.usage.outputTokens', p) ?? num(a, 'ai.usage.completionTokens', p) ?? num(a, 'gen_ai.usage.output_tokens', p) ?? num(a, 'gen_ai.usage.completion_tokens', p);
  const detailReasoning = num(a, 'ai.usage.outputTokenDetails.reasoningTokens', p);
  let reasoning = detailReasoning ?? num(a, 'ai.usage.reasoningTokens', p);
  const text = num(a, 'ai.usage.outputTokenDetails.textTokens', p);
  if (output === undefined && text !== undefined) output = text + (reasoning ?? 0);
  const total = num(a, 'ai.usage.totalTokens', p);

  const noCache = num(a, 'ai.usage.inputTokenDetails.noCacheTokens', p);
  const detailRead = num(a, 'ai.usage.inputTokenDetails.cacheReadTokens', p);
  const detailWrite = num(a, 'ai.usage.inputTokenDetails.cacheWriteTokens', p);
  let cacheRead: number;
  let cacheWrite: number;
  if (noCache !== undefined || detailRead !== undefined || detailWrite !== undefined) {
    // v6+: inputTokens = noCacheTokens + cacheReadTokens + cacheWriteTokens, for every provider.
    cacheRead = detailRead ?? 0;
    cacheWrite = detailWrite ?? 0;
    input ??= (noCache ?? 0) + cacheRead + cacheWrite;
  } else {
    // v4/v5: cache counts in cachedInputTokens or the provider metadata; Anthropic's and Bedrock's
    // input count excludes them, OpenAI's and Google's include them.
    const pm = blob(a, 'ai.response.providerMetadata');
    // Anthropic (AI SDK 5): a non-streamed call has its cache read only in the raw usage it
    // passes through (anthropic.usage.cache_read_input_tokens), not in ai.usage.*.
    cacheRead =
      num(a, 'ai.usage.cachedInputTokens', p) ??
      blobNum(pm, 'anthropic', 'cacheReadInputTokens') ??
      blobNum(pm, 'anthropic', 'usage', 'cache_read_input_tokens') ??
      blobNum(pm, 'bedrock', 'usage', 'cacheReadInputTokens') ??
      blobNum(pm, 'openai', 'cachedPromptTokens') ??
      0;
    cacheWrite =
      blobNum(pm, 'anthropic', 'cacheCreationInputTokens') ??
      blobNum(pm, 'anthropic', 'usage', 'cache_creation_input_tokens') ??
      blobNum(pm, 'bedrock', 'usage', 'cacheWriteInputTokens') ??
      0;
    reasoning ??= blobNum(pm, 'openai', 'reasoningTokens');
    if (input !== undefined && exclusiveCache(id)) input += cacheRead + cacheWrite;
  }
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const r = reasoning ?? 0;
  // Reasoning outside the output count (Gemini's candidates count, AI SDK ≤ 5): the total says so.
  if (r > 0 && detailReasoning === undefined && total !== undefined && total >= reportedInput + (output ?? 0) + r) output = (output ?? 0) + r;
  return tokens(input ?? 0, output ?? 0, cacheRead, cacheWrite, r);
}

/** OpenInference (Arize Phoenix): llm.token_count.*; details are parts of their totals. */
function openInference(a: JsonObject, p: string): TokenCounts | undefined {
  const input = num(a, 'llm.token_count.prompt', p);
  const output = num(a, 'llm.token_count.completion', p);
  if (input === undefined && output === undefined) return semconv(a, p);
  const t = tokens(
    input ?? 0,
    output ?? 0,
    num(a, 'llm.token_count.prompt_details.cache_read', p) ?? 0,
    num(a, 'llm.token_count.prompt_details.cache_write', p) ?? 0,
    num(a, 'llm.token_count.completion_details.reasoning', p) ?? 0,
  );
  // Audio: pricing details, parts of their totals (a part larger than its total is rejected, as elsewhere).
  const audioIn = num(a, 'llm.token_count.prompt_details.audio', p);
  if (audioIn) {
    if (audioIn > t.input) throw invalid(p + 'llm.token_count.prompt_details.audio', 'a part of the prompt count (at most the prompt count)', audioIn);
    t.inputAudio = audioIn;
  }
  const audioOut = num(a, 'llm.token_count.completion_details.audio', p);
  if (audioOut) {
    const room = t.output - t.reasoning;
    if (audioOut > room) throw invalid(p + 'llm.token_count.completion_details.audio', 'a part of the completion count outside reasoning (at most completion minus reasoning)', audioOut);
    t.outputAudio = audioOut;
  }
  return t;
}

/** Genkit: the model action's genkit:output JSON, {usage: {inputTokens, outputTokens, …}}. */
function genkit(a: JsonObject, p: string): TokenCounts | undefined {
  const out = blob(a, 'genkit:output');
  const usage = isObject(out) ? out.usage : undefined;
  if (!isObject(usage)) return semconv(a, p);
  const input = blobNum(usage, 'inputTokens');
  let output = blobNum(usage, 'outputTokens');
  if (input === undefined && output === undefined) return semconv(a, p);
  const reasoning = blobNum(usage, 'thoughtsTokens') ?? 0;
  const total = blobNum(usage, 'totalTokens');
  // The Gemini plugins report thoughts apart from the output (candidates) count: the total says so.
  if (reasoning > 0 && total !== undefined && total >= (input ?? 0) + (output ?? 0) + reasoning) output = (output ?? 0) + reasoning;
  return tokens(input ?? 0, output ?? 0, blobNum(usage, 'cachedContentTokens') ?? 0, 0, reasoning);
}

/** A dict attribute written as JSON or as a Python repr (LiteLLM), or undefined when it is neither. */
function dictBlob(a: JsonObject, key: string): JsonObject | undefined {
  const v = a[key];
  if (isObject(v)) return v;
  if (typeof v !== 'string' || v === '') return undefined;
  const json = blob(a, key);
  return isObject(json) ? json : parsePythonDict(v);
}

/**
 * LiteLLM's `otel` callback: gen_ai.usage.input_tokens / output_tokens are LiteLLM's inclusive
 * prompt and completion counts; the cache and reasoning counts are only in `metadata.usage_object`,
 * the str() of its Usage object (a Python dict repr; JSON is read too). gen_ai.* names win where a
 * release writes them; a usage object that cannot be read leaves only those.
 */
function liteLlm(a: JsonObject, p: string): TokenCounts | undefined {
  const g = semconvParts(a, p);
  const u = dictBlob(a, 'metadata.usage_object');
  if (u === undefined) return fromParts(g);
  // A count in the dict is held to the same ceiling as an attribute (a non-count is ignored).
  const n = (...path: string[]) => {
    const v = blobNum(u, ...path);
    return v === undefined ? undefined : optTokens(v, `${p}metadata.usage_object.${path.join('.')}`);
  };
  return fromParts({
    input: g.input ?? n('prompt_tokens'),
    output: g.output ?? n('completion_tokens'),
    cacheRead: g.cacheRead ?? n('prompt_tokens_details', 'cached_tokens') ?? n('cache_read_input_tokens'),
    cacheWrite: g.cacheWrite ?? n('prompt_tokens_details', 'cache_creation_tokens') ?? n('prompt_tokens_details', 'cache_write_tokens') ?? n('cache_creation_input_tokens'),
    reasoning: g.reasoning ?? n('completion_tokens_details', 'reasoning_tokens'),
  });
}

/** The span's token usage in tokenscope's semantics, or undefined when it reports none. */
export function usageOf(a: JsonObject, source: GenAiSource, id: Identity, p: string): TokenCounts | undefined {
  switch (source) {
    case 'ai-sdk':
      return aiSdk(a, p, id);
    case 'openinference':
      return openInference(a, p);
    case 'genkit':
      return genkit(a, p);
    case 'litellm':
      return liteLlm(a, p);
    default:
      return semconv(a, p);
  }
}
