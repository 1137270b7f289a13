// Driver: OpenLLMetry JS — @traceloop/instrumentation-openai and -anthropic on the official SDKs,
// with a NodeTracerProvider exporting OTLP/HTTP protobuf. The SDKs are ES modules here, so the
// instrumentations are applied with manuallyInstrument (what Traceloop's `instrumentModules` does).
import * as AnthropicModule from '@anthropic-ai/sdk';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { appCases } from './app-cases.js';
import { env, serveCases } from './driver-runtime.js';

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': env('SERVICE_NAME') }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${env('OTLP_URL')}/v1/traces` }))],
});
provider.register();

const openaiInstrumentation = new OpenAIInstrumentation();
openaiInstrumentation.setTracerProvider(provider);
openaiInstrumentation.manuallyInstrument(OpenAI);
const anthropicInstrumentation = new AnthropicInstrumentation();
anthropicInstrumentation.setTracerProvider(provider);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
anthropicInstrumentation.manuallyInstrument(AnthropicModule as any);

const fake = env('FAKE_URL');
await serveCases(
  appCases(
    () => new OpenAI({ baseURL: `${fake}/v1`, apiKey: 'sk-conformance' }),
    () => new AnthropicModule.Anthropic({ baseURL: fake, apiKey: 'sk-ant-conformance' }),
  ),
  () => provider.forceFlush(),
  () => provider.shutdown(),
);
