// Span trees as the frameworks write them, recorded with the real OpenTelemetry JS SDK and exported
// over OTLP/HTTP to a running exporter: each model call is counted once, whatever the nesting
// (docs/otlp.md, "Which spans are counted"). Costs are referenced straight from @pydantic/genai-prices.
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { afterEach, describe, expect, it } from 'vitest';
import { startExporter, sum, type Harness } from '../server/helpers.js';
import { tracing, type Wire } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface Usage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** The reference price of calls, from genai-prices (providerId as in catalog/tokenscope.yaml). */
function refCost(providerId: string, model: string, calls: Usage[]): number {
  let total = 0;
  for (const u of calls) {
    const r = calcPrice({ input_tokens: u.input, output_tokens: u.output, cache_read_tokens: u.cacheRead ?? 0, cache_write_tokens: u.cacheWrite ?? 0 }, model, { providerId });
    if (!r) throw new Error(`no reference price for ${providerId}/${model}`);
    total += r.total_price;
  }
  return total;
}

/** Starts a span, as a child of `parent` when given. */
function start(tracer: Tracer, name: string, attributes: Attributes, parent?: Span, kind = SpanKind.INTERNAL): Span {
  return tracer.startSpan(name, { kind, attributes }, parent ? trace.setSpan(context.active(), parent) : undefined);
}

async function run(wire: Wire, record: (tracer: Tracer, flush: () => Promise<void>) => Promise<void> | void) {
  harness = await startExporter();
  const { provider, tracer } = tracing({ wire, url: harness.url, resource: { 'service.name': 'app' } });
  await record(tracer, () => provider.forceFlush());
  await provider.forceFlush();
  await provider.shutdown();
  const s = await harness.samples();
  const w = { feature: 'app' };
  return {
    s,
    requests: sum(s, 'ai_requests_total', w),
    input: sum(s, 'ai_tokens_input_total', w),
    output: sum(s, 'ai_tokens_output_total', w),
    cacheRead: sum(s, 'ai_tokens_cache_read_total', w),
    cacheWrite: sum(s, 'ai_tokens_cache_write_total', w),
    reasoning: sum(s, 'ai_tokens_reasoning_total', w),
    cost: sum(s, 'ai_cost_dollars_total', w),
    ignored: (reason: string) => sum(s, 'ai_exporter_otlp_ignored_spans_total', { reason }),
  };
}

const aiSdk = (operationId: string, provider: string, model: string, usage: Attributes = {}): Attributes => ({
  'operation.name': `${operationId} chat-handler`,
  'ai.operationId': operationId,
  'ai.model.provider': provider,
  'ai.model.id': model,
  'ai.telemetry.functionId': 'chat-handler',
  ...usage,
});

describe.each<Wire>(['protobuf', 'json'])('span trees over OTLP/HTTP %s', (wire) => {
  it('AI SDK v5 generateText: the two doGenerate steps count, the root and the tool call do not', async () => {
    const got = await run(wire, (tracer) => {
      const root = start(tracer, 'ai.generateText', aiSdk('ai.generateText', 'openai.responses', 'gpt-4o', { 'ai.usage.inputTokens': 3000, 'ai.usage.outputTokens': 300 }));
      const step = (id: string, input: number, cached: number, output: number) =>
        start(
          tracer,
          'ai.generateText.doGenerate',
          {
            ...aiSdk('ai.generateText.doGenerate', 'openai.responses', 'gpt-4o', { 'ai.usage.inputTokens': input, 'ai.usage.outputTokens': output, 'ai.usage.cachedInputTokens': cached }),
            'gen_ai.system': 'openai.responses',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o',
            'gen_ai.response.id': id,
            'gen_ai.usage.input_tokens': input,
            'gen_ai.usage.output_tokens': output,
          },
          root,
          SpanKind.CLIENT,
        );
      const s1 = step('resp_1', 1000, 0, 100);
      const tool = start(tracer, 'ai.toolCall', { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'weather' }, s1);
      tool.end();
      s1.end();
      const s2 = step('resp_2', 2000, 1024, 200);
      s2.end();
      root.end();
    });
    expect([got.requests, got.input, got.cacheRead, got.output]).toEqual([2, 3000, 1024, 300]);
    expect(got.cost).toBeCloseTo(refCost('openai', 'gpt-4o', [{ input: 1000, output: 100 }, { input: 2000, cacheRead: 1024, output: 200 }]), 12);
    expect(got.ignored('not_a_model_call')).toBe(1); // the root; ai.toolCall has no GenAI attributes
    expect(got.ignored('not_genai')).toBe(1);
  });

  it('AI SDK v6 streamText with Anthropic: one doStream step with explicit token details and a time to first chunk', async () => {
    const got = await run(wire, (tracer) => {
      const usage = {
        'ai.usage.inputTokens': 5050,
        'ai.usage.inputTokenDetails.noCacheTokens': 50,
        'ai.usage.inputTokenDetails.cacheReadTokens': 4000,
        'ai.usage.inputTokenDetails.cacheWriteTokens': 1000,
        'ai.usage.outputTokens': 300,
        'ai.usage.outputTokenDetails.reasoningTokens': 100,
      };
      const root = start(tracer, 'ai.streamText', aiSdk('ai.streamText', 'anthropic.messages', 'claude-sonnet-4-0', usage));
      const step = start(tracer, 'ai.streamText.doStream', { ...aiSdk('ai.streamText.doStream', 'anthropic.messages', 'claude-sonnet-4-0', usage), 'ai.response.msToFirstChunk': 350 }, root);
      step.end();
      root.end();
    });
    expect([got.requests, got.input, got.cacheRead, got.cacheWrite, got.output, got.reasoning]).toEqual([1, 5050, 4000, 1000, 300, 100]);
    expect(got.cost).toBeCloseTo(refCost('anthropic', 'claude-sonnet-4-0', [{ input: 5050, cacheRead: 4000, cacheWrite: 1000, output: 300 }]), 12);
    expect(sum(got.s, 'ai_time_to_first_token_seconds_sum', { provider: 'anthropic' })).toBeCloseTo(0.35, 9);
  });

  it('AI SDK v7: the invoke_agent root is skipped, its chat steps count', async () => {
    const got = await run(wire, (tracer) => {
      const base = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
      const root = start(tracer, 'invoke_agent support', { ...base, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 1500, 'gen_ai.usage.output_tokens': 150 });
      for (const [i, o] of [[500, 50], [1000, 100]]) {
        start(tracer, 'chat gpt-4o', { ...base, 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': i, 'gen_ai.usage.output_tokens': o }, root, SpanKind.CLIENT).end();
      }
      root.end();
    });
    expect([got.requests, got.input, got.output]).toEqual([2, 1500, 150]);
    expect(got.cost).toBeCloseTo(refCost('openai', 'gpt-4o', [{ input: 500, output: 50 }, { input: 1000, output: 100 }]), 12);
  });

  it('OpenLLMetry LangChain: workflow and task spans are skipped, the LLM span counts', async () => {
    const got = await run(wire, (tracer) => {
      const agg = { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 1200, 'gen_ai.usage.completion_tokens': 80 };
      const wf = start(tracer, 'rag.workflow', { 'traceloop.span.kind': 'workflow', 'traceloop.entity.name': 'rag', ...agg });
      const task = start(tracer, 'RunnableSequence.task', { 'traceloop.span.kind': 'task', ...agg }, wf);
      const llm = start(tracer, 'ChatOpenAI.chat', { 'llm.request.type': 'chat', ...agg, 'gen_ai.usage.cache_read_input_tokens': 1024, 'llm.usage.total_tokens': 1280 }, task, SpanKind.CLIENT);
      llm.end();
      task.end();
      wf.end();
    });
    expect([got.requests, got.input, got.cacheRead, got.output]).toEqual([1, 1200, 1024, 80]);
    expect(got.ignored('not_a_model_call')).toBe(2);
  });

  it('LiteLLM otel callback: litellm_request counts once, with the cache and reasoning of its usage object; its raw_gen_ai_request child does not count', async () => {
    const usage = "{'completion_tokens': 153, 'prompt_tokens': 1317, 'completion_tokens_details': {'reasoning_tokens': 65}, 'prompt_tokens_details': {'cached_tokens': 1152, 'audio_tokens': None}}";
    const got = await run(wire, (tracer) => {
      for (const [system, op] of [['openai', 'chat'], ['', 'responses']]) {
        const call = start(tracer, 'litellm_request', {
          'gen_ai.system': system,
          'gen_ai.operation.name': op,
          'gen_ai.request.model': 'o4-mini',
          'litellm.provider.model': 'openai/o4-mini',
          'gen_ai.usage.input_tokens': 1317,
          'gen_ai.usage.output_tokens': 153,
          'metadata.usage_object': usage,
        });
        // The raw provider response, as LiteLLM attaches it: the same usage again, under llm.<provider>.*.
        start(tracer, 'raw_gen_ai_request', { 'llm.openai.usage': usage, 'llm.openai.model': 'o4-mini' }, call).end();
        call.end();
      }
    });
    expect([got.requests, got.input, got.cacheRead, got.output, got.reasoning]).toEqual([2, 2634, 2304, 306, 130]);
    expect(got.ignored('not_genai')).toBe(2);
    expect(got.ignored('wraps_model_calls')).toBe(0);
    expect(got.cost).toBeCloseTo(2 * refCost('openai', 'o4-mini', [{ input: 1317, cacheRead: 1152, output: 153 }]), 12);
  });

  it('OpenInference (LlamaIndex): the CHAIN span with aggregated counts is skipped, the LLM span counts', async () => {
    const got = await run(wire, (tracer) => {
      const chain = start(tracer, 'query', { 'openinference.span.kind': 'CHAIN', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai', 'llm.token_count.prompt': 900, 'llm.token_count.completion': 90 });
      start(tracer, 'OpenAI.chat', { 'openinference.span.kind': 'LLM', 'llm.provider': 'openai', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 900, 'llm.token_count.completion': 90, 'llm.token_count.total': 990 }, chain).end();
      chain.end();
    });
    expect([got.requests, got.input, got.output]).toEqual([1, 900, 90]);
    expect(got.cost).toBeCloseTo(refCost('openai', 'gpt-4o', [{ input: 900, output: 90 }]), 12);
  });

  it('Genkit: only the model action counts, not the generate util or the flow repeating its usage', async () => {
    const out = JSON.stringify({ finishReason: 'stop', usage: { inputTokens: 2000, outputTokens: 100, thoughtsTokens: 50, totalTokens: 2150 } });
    const got = await run(wire, (tracer) => {
      const flow = start(tracer, 'supportFlow', { 'genkit:type': 'action', 'genkit:metadata:subtype': 'flow', 'genkit:name': 'supportFlow', 'genkit:isRoot': true });
      const gen = start(tracer, 'generate', { 'genkit:type': 'util', 'genkit:metadata:subtype': 'util', 'genkit:name': 'generate', 'genkit:output': out }, flow);
      start(tracer, 'googleai/gemini-2.5-flash', { 'genkit:type': 'action', 'genkit:metadata:subtype': 'model', 'genkit:name': 'googleai/gemini-2.5-flash', 'genkit:state': 'success', 'genkit:output': out }, gen).end();
      gen.end();
      flow.end();
    });
    expect([got.requests, got.input, got.output, got.reasoning]).toEqual([1, 2000, 150, 50]);
    expect(got.cost).toBeCloseTo(refCost('google', 'gemini-2.5-flash', [{ input: 2000, output: 150 }]), 12);
  });

  it('a root chat span summing its per-turn chat spans is skipped (nesting rule, same export)', async () => {
    const got = await run(wire, (tracer) => {
      const base = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
      const root = start(tracer, 'chat gpt-4o', { ...base, 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 300 });
      const loop = start(tracer, 'agent loop', { 'app.step': 'loop' }, root); // not GenAI, in between
      start(tracer, 'chat gpt-4o #0', { ...base, 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 }, loop, SpanKind.CLIENT).end();
      start(tracer, 'chat gpt-4o #1', { ...base, 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 200 }, loop, SpanKind.CLIENT).end();
      loop.end();
      root.end();
    });
    expect([got.requests, got.input, got.output]).toEqual([2, 3000, 300]);
    expect(got.ignored('wraps_model_calls')).toBe(1);
  });

  it('two instrumentations on one call count once, also when the outer span arrives in a later export', async () => {
    const got = await run(wire, async (tracer, flush) => {
      const call = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 700, 'gen_ai.usage.output_tokens': 70 };
      const outer = start(tracer, 'invoke_workflow triage', { 'app.workflow': 'triage' }); // not GenAI
      const framework = start(tracer, 'chat gpt-4o', call, outer); // e.g. a framework's LLM span
      const client = start(tracer, 'chat gpt-4o', call, framework, SpanKind.CLIENT); // the provider client's span
      client.end();
      await flush(); // the inner span is exported alone…
      framework.end();
      await flush(); // …its wrapper in the next export
      // A later sibling call under the same non-GenAI span is still counted.
      start(tracer, 'chat gpt-4o', { ...call, 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 1 }, outer, SpanKind.CLIENT).end();
      outer.end();
    });
    expect([got.requests, got.input, got.output]).toEqual([2, 710, 71]);
    expect(got.ignored('wraps_model_calls')).toBe(1);
  });

  it('a retried call: the failed attempt without usage and the successful one count, the wrapper does not', async () => {
    const got = await run(wire, (tracer) => {
      const call = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
      const usage = { 'gen_ai.usage.input_tokens': 400, 'gen_ai.usage.output_tokens': 40 };
      const wrapper = start(tracer, 'chat gpt-4o', { ...call, ...usage });
      const failed = start(tracer, 'chat gpt-4o', { ...call, 'error.type': 'RateLimitError' }, wrapper, SpanKind.CLIENT);
      failed.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      failed.end();
      start(tracer, 'chat gpt-4o', { ...call, ...usage }, wrapper, SpanKind.CLIENT).end();
      wrapper.end();
    });
    expect(sum(got.s, 'ai_requests_total', { feature: 'app', status: 'success' })).toBe(1);
    expect(sum(got.s, 'ai_requests_total', { feature: 'app', status: 'error' })).toBe(1);
    expect(got.input).toBe(400);
  });
});
