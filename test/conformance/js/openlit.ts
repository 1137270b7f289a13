// Driver: OpenLIT JS (`openlit` npm) on the official SDKs. openlit.init sets up its own tracer
// provider exporting OTLP/HTTP JSON to otlpEndpoint; the SDKs are ES modules here, so they are
// handed over through `instrumentations` (openlit's manual patching). Its price list is given
// inline so that it does not fetch one from GitHub; its metrics are off so that each case is
// measured by its spans alone (the exporter ignores a service's metrics once its spans arrive).
import * as AnthropicModule from '@anthropic-ai/sdk';
import { trace } from '@opentelemetry/api';
import * as openlitModule from 'openlit';
import OpenAI, * as OpenAIModule from 'openai';
import { appCases } from './app-cases.js';
import { env, serveCases } from './driver-runtime.js';

// A CommonJS module: the ESM default import is its exports object, whose `default` is Openlit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ol = openlitModule as any;
const openlit = typeof ol.default?.init === 'function' ? ol.default : ol.default.default;

openlit.init({
  applicationName: env('SERVICE_NAME'),
  otlpEndpoint: env('OTLP_URL'),
  disableBatch: true,
  disableMetrics: true,
  pricingJson: {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  instrumentations: { openai: OpenAIModule as any, anthropic: AnthropicModule as any },
});

// openlit registers its tracer provider globally; flushing it sends what is pending.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tp = () => (trace.getTracerProvider() as any).getDelegate?.() ?? trace.getTracerProvider();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const flush = async () => { await (tp() as any).forceFlush?.(); };

const fake = env('FAKE_URL');
await serveCases(
  appCases(
    () => new OpenAI({ baseURL: `${fake}/v1`, apiKey: 'sk-conformance' }),
    () => new AnthropicModule.Anthropic({ baseURL: fake, apiKey: 'sk-ant-conformance' }),
  ),
  flush,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async () => { await (tp() as any).shutdown?.(); },
);
