// The OTel / framework span mapping, one rule per test: each case's attributes go through both
// paths, a JSON log line (parseLine) and an OTLP span (protobuf and OTLP/JSON, decoded and read by
// the receiver's spanToRecord), and must give the same provider, model and tokens by type
// (docs/otlp.md, "Token usage by library").
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import type { IngestRecord, RequestRecord, TokenCounts } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { decodeRequest, type Encoding } from '../../exporter/src/sources/otlp/schema.js';
import { DEFAULT_ATTRIBUTION, spanToRecord } from '../../exporter/src/sources/otlp/spans.js';
import { span, T0, toProtobuf, traces } from '../otlp/otlp-json.js';
import { realCatalog } from '../server/helpers.js';
import { parseExposition, sum } from '../support/exposition.js';

type Attrs = Record<string, string | number | boolean>;

function viaLine(attrs: Attrs): IngestRecord {
  return parseLine(JSON.stringify({ timestamp: T0, ...attrs }));
}

function viaOtlp(attrs: Attrs, enc: Encoding): RequestRecord | string {
  const json = traces({}, [span({ attributes: attrs })]);
  const body = enc === 'protobuf' ? toProtobuf('traces', json) : Buffer.from(JSON.stringify(json));
  const s = decodeRequest('traces', body, enc).resourceSpans![0].scopeSpans![0].spans![0];
  const r = spanToRecord(s, {}, DEFAULT_ATTRIBUTION);
  return r.kind === 'record' ? r.rec : r.reason;
}

const T = (input: number, output: number, cacheRead = 0, cacheWrite = 0, reasoning = 0): TokenCounts => ({ input, output, cacheRead, cacheWrite, reasoning });

interface Case {
  name: string;
  attrs: Attrs;
  provider: string;
  model: string;
  tokens: TokenCounts;
  usageUnknown?: boolean;
}

const pm = (o: unknown) => JSON.stringify(o);

const cases: Case[] = [
  // OpenTelemetry GenAI conventions (and OpenLLMetry / OpenLIT): inclusive totals.
  {
    name: 'semconv: current names, inclusive',
    attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200, 'gen_ai.usage.cache_read.input_tokens': 600, 'gen_ai.usage.cache_creation.input_tokens': 100, 'gen_ai.usage.reasoning.output_tokens': 50 },
    provider: 'openai', model: 'gpt-4o', tokens: T(1000, 200, 600, 100, 50),
  },
  {
    name: 'semconv: cache_write.input_tokens is a cache write too',
    attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-0', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cache_write.input_tokens': 2000 },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(3000, 10, 0, 2000),
  },
  {
    name: 'semconv: older flat cache names and reasoning_tokens (OpenLLMetry)',
    attrs: { 'gen_ai.system': 'Anthropic', 'gen_ai.request.model': 'claude-sonnet-4-0', 'gen_ai.usage.prompt_tokens': 5000, 'gen_ai.usage.completion_tokens': 300, 'gen_ai.usage.cache_read_input_tokens': 3000, 'gen_ai.usage.cache_creation_input_tokens': 1000, 'gen_ai.usage.reasoning_tokens': 120 },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(5000, 300, 3000, 1000, 120),
  },
  {
    name: 'semconv: input_cached_tokens',
    attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 2048, 'gen_ai.usage.output_tokens': 1, 'gen_ai.usage.input_cached_tokens': 1024 },
    provider: 'openai', model: 'gpt-4o', tokens: T(2048, 1, 1024),
  },
  {
    name: 'semconv: legacy prompt/completion tokens are read on JSON lines too',
    attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 800, 'gen_ai.usage.completion_tokens': 50 },
    provider: 'openai', model: 'gpt-4o', tokens: T(800, 50),
  },
  {
    name: 'semconv: an input smaller than its cache parts was exclusive: the parts are added',
    attrs: { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-0', 'gen_ai.usage.input_tokens': 400, 'gen_ai.usage.output_tokens': 9, 'gen_ai.usage.cache_read.input_tokens': 18950, 'gen_ai.usage.cache_creation.input_tokens': 2210 },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(400 + 18950 + 2210, 9, 18950, 2210),
  },
  {
    name: 'semconv: no usage at all is counted with usage unknown',
    attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat' },
    provider: 'openai', model: 'gpt-4o', tokens: T(0, 0), usageUnknown: true,
  },
  // Vercel AI SDK: the doGenerate / doStream / doEmbed step spans.
  {
    name: 'AI SDK v4: promptTokens/completionTokens, OpenAI cache in providerMetadata (inclusive)',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o', 'ai.usage.promptTokens': 1000, 'ai.usage.completionTokens': 100, 'ai.response.providerMetadata': pm({ openai: { cachedPromptTokens: 512, reasoningTokens: 0 } }) },
    provider: 'openai', model: 'gpt-4o', tokens: T(1000, 100, 512),
  },
  {
    name: 'AI SDK v4: Anthropic prompt tokens exclude the cache (providerMetadata)',
    attrs: { 'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-0', 'ai.usage.promptTokens': 100, 'ai.usage.completionTokens': 20, 'ai.response.providerMetadata': pm({ anthropic: { cacheCreationInputTokens: 2000, cacheReadInputTokens: 3000 } }) },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(5100, 20, 3000, 2000),
  },
  {
    name: 'AI SDK v5: OpenAI inputTokens include cachedInputTokens; reasoning is part of output',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.responses', 'ai.model.id': 'o4-mini', 'gen_ai.system': 'openai.responses', 'gen_ai.request.model': 'o4-mini', 'gen_ai.response.model': 'o4-mini-2025-04-16', 'ai.usage.inputTokens': 1000, 'ai.usage.outputTokens': 300, 'ai.usage.totalTokens': 1300, 'ai.usage.cachedInputTokens': 800, 'ai.usage.reasoningTokens': 200, 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 300 },
    provider: 'openai', model: 'o4-mini-2025-04-16', tokens: T(1000, 300, 800, 0, 200),
  },
  {
    name: 'AI SDK v5: Anthropic inputTokens exclude cache reads and writes',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-0', 'ai.usage.inputTokens': 50, 'ai.usage.outputTokens': 70, 'ai.usage.cachedInputTokens': 4000, 'ai.response.providerMetadata': pm({ anthropic: { cacheCreationInputTokens: 1000, usage: { input_tokens: 50 } } }) },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(5050, 70, 4000, 1000),
  },
  {
    name: 'AI SDK v5: Anthropic on Vertex ("vertex.anthropic.messages") is Anthropic-shaped and billed by Google',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'vertex.anthropic.messages', 'ai.model.id': 'claude-sonnet-4@20250514', 'ai.usage.inputTokens': 10, 'ai.usage.outputTokens': 5, 'ai.usage.cachedInputTokens': 90 },
    provider: 'google', model: 'claude-sonnet-4@20250514', tokens: T(100, 5, 90),
  },
  {
    name: 'AI SDK v5: Bedrock inputTokens exclude the cache; writes in providerMetadata',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'amazon-bedrock', 'ai.model.id': 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'ai.usage.inputTokens': 200, 'ai.usage.outputTokens': 40, 'ai.response.providerMetadata': pm({ bedrock: { usage: { cacheReadInputTokens: 1000, cacheWriteInputTokens: 300 } } }) },
    provider: 'bedrock', model: 'anthropic.claude-3-5-sonnet-20241022-v2:0', tokens: T(1500, 40, 1000, 300),
  },
  {
    name: 'AI SDK v5: Gemini reasoning outside outputTokens, as totalTokens shows',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'google.generative-ai', 'ai.model.id': 'gemini-2.5-flash', 'ai.usage.inputTokens': 1000, 'ai.usage.outputTokens': 100, 'ai.usage.reasoningTokens': 400, 'ai.usage.totalTokens': 1500, 'ai.usage.cachedInputTokens': 256 },
    provider: 'google', model: 'gemini-2.5-flash', tokens: T(1000, 500, 256, 0, 400),
  },
  {
    name: 'AI SDK v6: inputTokenDetails make the split explicit (inputTokens is the total)',
    attrs: { 'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-5', 'ai.usage.inputTokens': 5050, 'ai.usage.inputTokenDetails.noCacheTokens': 50, 'ai.usage.inputTokenDetails.cacheReadTokens': 4000, 'ai.usage.inputTokenDetails.cacheWriteTokens': 1000, 'ai.usage.outputTokens': 300, 'ai.usage.outputTokenDetails.textTokens': 200, 'ai.usage.outputTokenDetails.reasoningTokens': 100, 'ai.usage.totalTokens': 5350 },
    provider: 'anthropic', model: 'claude-sonnet-4-5', tokens: T(5050, 300, 4000, 1000, 100),
  },
  {
    name: 'AI SDK v6: without inputTokens, the details are summed',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.responses', 'ai.model.id': 'gpt-4o', 'ai.usage.inputTokenDetails.noCacheTokens': 100, 'ai.usage.inputTokenDetails.cacheReadTokens': 900, 'ai.usage.outputTokens': 10 },
    provider: 'openai', model: 'gpt-4o', tokens: T(1000, 10, 900),
  },
  {
    name: 'AI SDK: only the gen_ai.* attributes (gen_ai.system is the provider id)',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'gen_ai.system': 'mistral.chat', 'gen_ai.request.model': 'mistral-large-latest', 'gen_ai.usage.input_tokens': 300, 'gen_ai.usage.output_tokens': 30 },
    provider: 'mistral', model: 'mistral-large-latest', tokens: T(300, 30),
  },
  {
    name: 'AI SDK: embeddings (ai.usage.tokens on doEmbed)',
    attrs: { 'ai.operationId': 'ai.embedMany.doEmbed', 'ai.model.provider': 'openai.embedding', 'ai.model.id': 'text-embedding-3-small', 'ai.usage.tokens': 42 },
    provider: 'openai', model: 'text-embedding-3-small', tokens: T(42, 0),
  },
  {
    name: 'AI SDK: the gateway names the provider in the model id',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'gateway', 'ai.model.id': 'anthropic/claude-sonnet-4', 'ai.usage.inputTokens': 10, 'ai.usage.outputTokens': 2 },
    provider: 'anthropic', model: 'claude-sonnet-4', tokens: T(10, 2),
  },
  {
    name: 'AI SDK: a step span without usage is counted with usage unknown',
    attrs: { 'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'xai.chat', 'ai.model.id': 'grok-4' },
    provider: 'xai', model: 'grok-4', tokens: T(0, 0), usageUnknown: true,
  },
  {
    name: 'AI SDK v5: Anthropic generateText has the cache read only in the raw usage in providerMetadata',
    attrs: {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-sonnet-4-20250514',
      'ai.usage.promptTokens': 309,
      'ai.usage.completionTokens': 108,
      'gen_ai.usage.input_tokens': 309,
      'gen_ai.usage.output_tokens': 108,
      'ai.response.providerMetadata': pm({ anthropic: { usage: { input_tokens: 309, output_tokens: 108, cache_creation_input_tokens: 420, cache_read_input_tokens: 1800 }, cacheCreationInputTokens: 420 } }),
    },
    provider: 'anthropic', model: 'claude-sonnet-4-20250514', tokens: T(309 + 1800 + 420, 108, 1800, 420),
  },
  {
    name: 'AI SDK v5: Anthropic cache write from the raw usage when cacheCreationInputTokens is absent',
    attrs: { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-0', 'ai.usage.inputTokens': 10, 'ai.usage.outputTokens': 1, 'ai.response.providerMetadata': pm({ anthropic: { usage: { cache_creation_input_tokens: 90 } } }) },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(100, 1, 0, 90),
  },
  {
    name: 'AI SDK v7 OpenTelemetry({ usage: true }): reasoning from ai.usage.outputTokenDetails on the chat span',
    attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o4-mini', 'gen_ai.usage.input_tokens': 1759, 'gen_ai.usage.output_tokens': 231, 'gen_ai.usage.cache_read.input_tokens': 1152, 'ai.usage.inputTokenDetails.noCacheTokens': 607, 'ai.usage.outputTokenDetails.textTokens': 140, 'ai.usage.outputTokenDetails.reasoningTokens': 91 },
    provider: 'openai', model: 'o4-mini', tokens: T(1759, 231, 1152, 0, 91),
  },
  {
    name: 'AI SDK v7: the gen_ai.* detail wins over ai.usage.*TokenDetails',
    attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-0', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cache_creation.input_tokens': 2000, 'ai.usage.inputTokenDetails.cacheWriteTokens': 7 },
    provider: 'anthropic', model: 'claude-sonnet-4-0', tokens: T(3000, 10, 0, 2000),
  },
  // LiteLLM's otel callback: cache and reasoning only in the Python repr of its usage object.
  {
    name: 'LiteLLM otel: OpenAI cache read and reasoning from metadata.usage_object (Python repr)',
    attrs: {
      'gen_ai.system': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.response.model': 'o4-mini',
      'litellm.provider.model': 'openai/o4-mini',
      'gen_ai.usage.input_tokens': 1317,
      'gen_ai.usage.output_tokens': 153,
      'metadata.usage_object':
        "{'completion_tokens': 153, 'prompt_tokens': 1317, 'total_tokens': 1470, 'completion_tokens_details': {'accepted_prediction_tokens': 0, 'audio_tokens': 0, 'reasoning_tokens': 65, 'rejected_prediction_tokens': 0, 'text_tokens': None}, 'prompt_tokens_details': {'audio_tokens': 0, 'cached_tokens': 1152}, 'cost': 0.0012033999999999999}",
    },
    provider: 'openai', model: 'o4-mini', tokens: T(1317, 153, 1152, 0, 65),
  },
  {
    name: 'LiteLLM otel: Anthropic cache read and write (prompt_tokens is inclusive)',
    attrs: {
      'gen_ai.system': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'litellm.provider.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 2507,
      'gen_ai.usage.output_tokens': 104,
      'metadata.usage_object':
        "{'completion_tokens': 104, 'prompt_tokens': 2507, 'completion_tokens_details': {'reasoning_tokens': 0, 'text_tokens': 104}, 'prompt_tokens_details': {'audio_tokens': None, 'cache_write_tokens': 420, 'cached_tokens': 1800, 'text_tokens': 287, 'cache_creation_tokens': 420, 'cache_creation_token_details': {'ephemeral_5m_input_tokens': 420, 'ephemeral_1h_input_tokens': 0}}, 'cache_creation_input_tokens': 420, 'cache_read_input_tokens': 1800, 'service_tier': 'standard'}",
    },
    provider: 'anthropic', model: 'claude-sonnet-4-20250514', tokens: T(2507, 104, 1800, 420),
  },
  {
    name: 'LiteLLM otel: a Responses call (gen_ai.system "") takes the provider from litellm.provider.model',
    attrs: {
      'gen_ai.system': '',
      'gen_ai.operation.name': 'responses',
      'llm.request.type': 'responses',
      'gen_ai.request.model': 'o4-mini',
      'litellm.provider.model': 'openai/o4-mini',
      'gen_ai.usage.input_tokens': 1385,
      'gen_ai.usage.output_tokens': 165,
      'metadata.usage_object': "{'completion_tokens': 165, 'prompt_tokens': 1385, 'completion_tokens_details': {'reasoning_tokens': 69, 'audio_tokens': None}, 'prompt_tokens_details': {'cached_tokens': 1152, 'audio_tokens': None}}",
    },
    provider: 'openai', model: 'o4-mini', tokens: T(1385, 165, 1152, 0, 69),
  },
  {
    name: 'LiteLLM otel: a usage object written as JSON is read too; explicit gen_ai.* details win',
    attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'litellm.provider.model': 'openai/gpt-4o', 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.cache_read.input_tokens': 1024, 'metadata.usage_object': pm({ prompt_tokens: 2000, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 999 }, completion_tokens_details: { reasoning_tokens: 7 } }) },
    provider: 'openai', model: 'gpt-4o', tokens: T(2000, 50, 1024, 0, 7),
  },
  {
    name: 'LiteLLM otel: a usage object outside the readable subset (a list, an object repr) leaves the gen_ai.* counts',
    attrs: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'litellm.provider.model': 'openai/gpt-4o', 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 50, 'metadata.usage_object': "{'prompt_tokens': 2000, 'prompt_tokens_details': PromptTokensDetails(cached_tokens=1024), 'iterations': [1]}" },
    provider: 'openai', model: 'gpt-4o', tokens: T(2000, 50),
  },
  // OpenInference (Arize Phoenix): details are parts of their totals.
  {
    name: 'OpenInference: llm.token_count.* with details, llm.provider and llm.model_name',
    attrs: { 'openinference.span.kind': 'LLM', 'llm.provider': 'openai', 'llm.system': 'openai', 'llm.model_name': 'gpt-4o-2024-08-06', 'llm.token_count.prompt': 1000, 'llm.token_count.completion': 200, 'llm.token_count.total': 1200, 'llm.token_count.prompt_details.cache_read': 400, 'llm.token_count.prompt_details.audio': 100, 'llm.token_count.completion_details.reasoning': 50 },
    provider: 'openai', model: 'gpt-4o-2024-08-06', tokens: { ...T(1000, 200, 400, 0, 50), inputAudio: 100 },
  },
  {
    name: 'OpenInference: cache writes, llm.system only ("mistralai")',
    attrs: { 'openinference.span.kind': 'LLM', 'llm.system': 'mistralai', 'llm.model_name': 'mistral-small-latest', 'llm.token_count.prompt': 700, 'llm.token_count.completion': 70, 'llm.token_count.prompt_details.cache_write': 600 },
    provider: 'mistral', model: 'mistral-small-latest', tokens: T(700, 70, 0, 600),
  },
  // Genkit: the model action's genkit:output usage.
  {
    name: 'Genkit: googleai model span, thoughts outside outputTokens (totalTokens says so)',
    attrs: { 'genkit:type': 'action', 'genkit:metadata:subtype': 'model', 'genkit:name': 'googleai/gemini-2.5-flash', 'genkit:state': 'success', 'genkit:output': pm({ message: { role: 'model', content: [{ text: 'SECRET' }] }, usage: { inputTokens: 1000, outputTokens: 200, thoughtsTokens: 300, totalTokens: 1500, cachedContentTokens: 400 } }) },
    provider: 'google', model: 'gemini-2.5-flash', tokens: T(1000, 500, 400, 0, 300),
  },
  {
    name: 'Genkit: thoughts inside outputTokens when the total has no room for them',
    attrs: { 'genkit:type': 'action', 'genkit:metadata:subtype': 'model', 'genkit:name': 'openai/gpt-4o', 'genkit:output': pm({ usage: { inputTokens: 100, outputTokens: 50, thoughtsTokens: 20, totalTokens: 150 } }) },
    provider: 'openai', model: 'gpt-4o', tokens: T(100, 50, 0, 0, 20),
  },
  {
    name: 'Genkit: a model span whose output is not JSON has usage unknown',
    attrs: { 'genkit:type': 'action', 'genkit:metadata:subtype': 'model', 'genkit:name': 'vertexai/gemini-2.5-pro', 'genkit:output': '{truncated' },
    provider: 'google', model: 'gemini-2.5-pro', tokens: T(0, 0), usageUnknown: true,
  },
];

describe.each(cases)('$name', (c) => {
  const expected = { provider: c.provider, model: c.model, tokens: c.tokens, usageUnknown: c.usageUnknown };
  it('as a JSON line', () => {
    const rec = viaLine(c.attrs) as RequestRecord;
    expect(rec.kind).toBe('request');
    expect({ provider: rec.provider, model: rec.model, tokens: rec.tokens, usageUnknown: rec.usageUnknown }).toEqual(expected);
    expect(JSON.stringify(rec)).not.toContain('SECRET');
  });
  it.each<Encoding>(['protobuf', 'json'])('as an OTLP span (%s)', (enc) => {
    const rec = viaOtlp(c.attrs, enc) as RequestRecord;
    expect({ provider: rec.provider, model: rec.model, tokens: rec.tokens, usageUnknown: rec.usageUnknown }).toEqual(expected);
  });
});

describe('spans that wrap model calls are skipped on both paths', () => {
  const wrappers: Array<[string, Attrs]> = [
    ['semconv invoke_agent', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10 }],
    ['semconv execute_tool', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }],
    ['AI SDK ai.generateText root', { 'ai.operationId': 'ai.generateText', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o', 'ai.usage.inputTokens': 3000, 'ai.usage.outputTokens': 300 }],
    ['AI SDK ai.streamText root', { 'ai.operationId': 'ai.streamText', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-0', 'ai.usage.inputTokens': 1 }],
    ['AI SDK ai.toolCall', { 'ai.operationId': 'ai.toolCall', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o' }],
    ['AI SDK ai.embedMany root, named "embeddings" (v7)', { 'ai.operationId': 'ai.embedMany', 'gen_ai.operation.name': 'embeddings', 'ai.model.provider': 'openai.embedding', 'ai.model.id': 'text-embedding-3-small', 'ai.usage.tokens': 84 }],
    ['AI SDK v7 invoke_agent root', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 3000 }],
    ['OpenLLMetry workflow', { 'traceloop.span.kind': 'workflow', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 3000 }],
    ['OpenLLMetry task', { 'traceloop.span.kind': 'task', 'gen_ai.system': 'Langchain', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 3000 }],
    ['OpenInference CHAIN', { 'openinference.span.kind': 'CHAIN', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai', 'llm.token_count.prompt': 3000 }],
    ['OpenInference AGENT', { 'openinference.span.kind': 'AGENT', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 3000 }],
  ];
  it.each(wrappers)('%s', (_name, attrs) => {
    expect(viaLine(attrs)).toEqual({ kind: 'skipped', timestampMs: T0, reason: 'not_a_model_call' });
    expect(viaOtlp(attrs, 'protobuf')).toBe('not_a_model_call');
    expect(viaOtlp(attrs, 'json')).toBe('not_a_model_call');
  });

  it('the pipeline reads a skipped line (one line, no rejection) and counts nothing else', () => {
    const p = new Pipeline(realCatalog());
    expect(p.ingestLine(JSON.stringify({ timestamp: T0, ...wrappers[2][1] }), 'file')).toEqual({ ok: true, skipped: true });
    expect([p.stats.linesFor('file'), p.stats.rejectedFor('file')]).toEqual([1, 0]);
    expect(sum(parseExposition(p.store.render()), 'ai_requests_total')).toBe(0);
  });

  it('a chat operation is a model call whatever library wrote it (AI SDK v7 steps)', () => {
    const attrs = { 'gen_ai.operation.name': 'chat', 'ai.operationId': 'ai.generateText.step', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 };
    expect((viaLine(attrs) as RequestRecord).tokens.input).toBe(5);
    expect((viaOtlp(attrs, 'json') as RequestRecord).tokens.input).toBe(5);
  });
});

describe('LiteLLM spans that name no provider are rejected on both paths, not guessed', () => {
  it('gen_ai.system "" and a litellm.provider.model without "provider/" (a streamed Responses call)', () => {
    const attrs = { 'gen_ai.system': '', 'gen_ai.operation.name': 'responses', 'gen_ai.request.model': 'o4-mini', 'litellm.provider.model': 'o4-mini', 'gen_ai.usage.input_tokens': 1402, 'gen_ai.usage.output_tokens': 168 };
    expect(() => viaLine(attrs)).toThrow('gen_ai.provider.name');
    expect(() => viaOtlp(attrs, 'protobuf')).toThrow('attributes.gen_ai.provider.name');
  });
});

describe('token counts are validated alike on both paths', () => {
  it.each([
    ['ai.usage.inputTokens', -1],
    ['llm.token_count.prompt', 1.5],
    ['gen_ai.usage.prompt_tokens', 'many'],
  ])('%s = %s is invalid_field', (key, value) => {
    const base: Attrs = key.startsWith('ai.') ? { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o' } : key.startsWith('llm.') ? { 'llm.provider': 'openai', 'llm.model_name': 'gpt-4o' } : { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' };
    const attrs = { ...base, [key]: value };
    expect(() => viaLine(attrs)).toThrow(key);
    expect(() => viaOtlp(attrs, 'json')).toThrow(`attributes.${key}`);
  });
});
