// Conformance: the Vercel AI SDK, major 5 (`ai5` = ai@5 with @ai-sdk/openai@2 and @ai-sdk/anthropic@2)
// and the current major 7 (ai@7 with @ai-sdk/openai@4, @ai-sdk/anthropic@4 and its OpenTelemetry
// integration @ai-sdk/otel), calling the fake provider through OpenAI Chat Completions
// (`openai.chat`), OpenAI Responses (`openai.responses`, the provider's default) and Anthropic
// Messages, with generateText, streamText and a two-step tool call (stopWhen: stepCountIs(2)).
// Telemetry goes as an application sets it up: a registered NodeTracerProvider exporting OTLP/HTTP
// protobuf to the running exporter, `experimental_telemetry: { isEnabled: true }`, and for ai@7
// `registerTelemetry(new OpenTelemetry())`. Each case must show on /metrics exactly the requests,
// tokens by type and cost the fake served (see support/harness.ts), except the cases gaps.ts
// declares a client gap for: those must show exactly what the client emitted, and the gap must be
// real.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import * as ai7 from 'ai';
import * as ai5 from 'ai5';
import { createAnthropic as createAnthropic5 } from 'ai5-anthropic';
import { createOpenAI as createOpenAI5 } from 'ai5-openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import { gapFor } from './gaps.js';
import { checkCase, Conformance, npmVersion } from './support/harness.js';

const OPENAI_MODEL = 'o4-mini';
const ANTHROPIC_MODEL = 'claude-sonnet-4-20250514';

const V5 = `ai ${npmVersion('ai5')} (@ai-sdk/openai ${npmVersion('ai5-openai')}, @ai-sdk/anthropic ${npmVersion('ai5-anthropic')})`;
const V7 = `ai ${npmVersion('ai')} (@ai-sdk/openai ${npmVersion('@ai-sdk/openai')}, @ai-sdk/anthropic ${npmVersion('@ai-sdk/anthropic')}, @ai-sdk/otel ${npmVersion('@ai-sdk/otel')})`;
const SHORT = ['ai@5', 'ai@7', 'ai@7 LegacyOpenTelemetry', 'ai@7 OpenTelemetry({ usage: true })'];
const NAMES = [V5, `${V7} OpenTelemetry`, `ai ${npmVersion('ai')} LegacyOpenTelemetry`, `ai ${npmVersion('ai')} OpenTelemetry({ usage: true })`];

let conf: Conformance;
let provider: NodeTracerProvider;

beforeAll(async () => {
  conf = await Conformance.start('ai-sdk');
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'conformance-ai-sdk' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${conf.otlpUrl}/v1/traces` }))],
  });
  provider.register();
  ai7.registerTelemetry(new OpenTelemetry());
});

afterAll(async () => {
  await provider?.shutdown();
  if (conf) {
    console.log(conf.writeReport());
    await conf.close();
  }
});

type Api = 'openai.chat' | 'openai.responses' | 'anthropic.messages';
type Shape = 'generateText' | 'streamText' | 'tool call, 2 steps';

interface Sdk {
  name: string;
  // The two majors have different types; each case only passes what both accept.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  generateText: (o: any) => Promise<unknown>;
  streamText: (o: any) => { textStream: AsyncIterable<string>; usage: PromiseLike<unknown> };
  tool: (o: any) => any;
  stepCountIs: (n: number) => any;
  model: (api: Api) => any;
  telemetry: Record<string, unknown>;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

function sdks(): Sdk[] {
  const o5 = createOpenAI5({ baseURL: conf.fake.openaiBaseUrl, apiKey: 'sk-conformance' });
  const a5 = createAnthropic5({ baseURL: `${conf.fake.url}/v1`, apiKey: 'sk-ant-conformance' });
  const o7 = createOpenAI({ baseURL: conf.fake.openaiBaseUrl, apiKey: 'sk-conformance' });
  const a7 = createAnthropic({ baseURL: `${conf.fake.url}/v1`, apiKey: 'sk-ant-conformance' });
  const pick = (o: typeof o5 | typeof o7, a: typeof a5 | typeof a7) => (api: Api) =>
    api === 'openai.chat' ? o.chat(OPENAI_MODEL) : api === 'openai.responses' ? o.responses(OPENAI_MODEL) : a(ANTHROPIC_MODEL);
  const v5 = { generateText: ai5.generateText, streamText: ai5.streamText, tool: ai5.tool, stepCountIs: ai5.stepCountIs, model: pick(o5, a5) };
  const v7 = { generateText: ai7.generateText, streamText: ai7.streamText, tool: ai7.tool, stepCountIs: ai7.stepCountIs, model: pick(o7, a7) };
  return [
    { name: NAMES[0], ...v5, telemetry: { isEnabled: true } },
    { name: NAMES[1], ...v7, telemetry: { isEnabled: true } },
    // The same major with its other integrations, per call: the legacy `ai.*` spans, and the
    // GenAI spans with the AI SDK's extra usage details (reasoning, cache write) switched on.
    { name: NAMES[2], ...v7, telemetry: { isEnabled: true, integrations: [new LegacyOpenTelemetry()] } },
    { name: NAMES[3], ...v7, telemetry: { isEnabled: true, integrations: [new OpenTelemetry({ usage: true })] } },
  ];
}

async function runShape(sdk: Sdk, api: Api, shape: Shape): Promise<void> {
  const model = sdk.model(api);
  const telemetry = sdk.telemetry;
  if (shape === 'generateText') {
    await sdk.generateText({ model, prompt: 'What is the weather in Paris?', experimental_telemetry: telemetry });
  } else if (shape === 'streamText') {
    const r = sdk.streamText({ model, prompt: 'What is the weather in Paris?', experimental_telemetry: telemetry });
    for await (const _ of r.textStream) void _;
    await r.usage;
  } else {
    const weather = sdk.tool({
      description: 'Current weather for a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }: { city: string }) => ({ city, sky: 'sunny', celsius: 21 }),
    });
    await sdk.generateText({ model, prompt: 'What is the weather in Paris?', tools: { get_weather: weather }, stopWhen: sdk.stepCountIs(2), experimental_telemetry: telemetry });
  }
}

const APIS: Api[] = ['openai.chat', 'openai.responses', 'anthropic.messages'];
const SHAPES: Shape[] = ['generateText', 'streamText', 'tool call, 2 steps'];

describe('Vercel AI SDK → OTLP → tokenscope serve', () => {
  const plan: Array<{ sdk: number; api: Api; shape: Shape }> = [];
  for (const sdk of [0, 1]) for (const api of APIS) for (const shape of SHAPES) plan.push({ sdk, api, shape });
  // The other ai@7 integrations: the shapes where they differ (steps, cache, reasoning).
  for (const api of APIS) plan.push({ sdk: 2, api, shape: 'tool call, 2 steps' }, { sdk: 3, api, shape: 'tool call, 2 steps' });
  plan.push({ sdk: 2, api: 'openai.chat', shape: 'streamText' }, { sdk: 3, api: 'anthropic.messages', shape: 'streamText' });

  for (const p of plan) {
    it(`${SHORT[p.sdk]} ${p.api} ${p.shape}`, async () => {
      const sdk = sdks()[p.sdk];
      const gap = gapFor(SHORT[p.sdk], `${p.api} ${p.shape}`);
      const r = await conf.case(
        sdk.name,
        `${p.api} ${p.shape}`,
        async () => {
          await runShape(sdk, p.api, p.shape);
          await provider.forceFlush();
        },
        { calls: p.shape === 'tool call, 2 steps' ? 2 : 1, gap },
      );
      checkCase(r);
    });
  }
});
