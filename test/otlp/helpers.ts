// The OpenTelemetry JS SDK as an instrumented application runs it: a tracer provider and a meter
// provider exporting over OTLP/HTTP (binary protobuf or JSON) to a URL, plus GenAI telemetry the
// way instrumentations record it (semantic conventions for generative AI).
import { type Attributes, type Histogram, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export type Wire = 'protobuf' | 'json';

export interface ClientOptions {
  wire: Wire;
  /** Exporter base URL, e.g. http://127.0.0.1:9477 */
  url: string;
  resource: Attributes;
  token?: string;
  gzip?: boolean;
}

type ExporterConfig = NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>;

function exporterConfig(o: ClientOptions, path: string): ExporterConfig {
  const headers: Record<string, string> = o.token ? { Authorization: `Bearer ${o.token}` } : {};
  // CompressionAlgorithm.GZIP is the string "gzip"; the enum lives in a package we do not import.
  const compression = (o.gzip ? 'gzip' : 'none') as ExporterConfig['compression'];
  return { url: `${o.url}${path}`, headers, compression };
}

export function tracing(o: ClientOptions): { provider: NodeTracerProvider; tracer: Tracer } {
  const cfg = exporterConfig(o, '/v1/traces');
  const exporter = o.wire === 'protobuf' ? new ProtoTraceExporter(cfg) : new JsonTraceExporter(cfg);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(o.resource),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, scheduledDelayMillis: 60_000 })],
  });
  return { provider, tracer: provider.getTracer('test-genai-instrumentation', '1.0.0') };
}

/** The semconv advisory bucket boundaries for gen_ai.client.operation.duration (seconds). */
export const DURATION_BOUNDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** …and for gen_ai.client.token.usage. */
export const TOKEN_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export interface GenAiMeters {
  provider: MeterProvider;
  tokens: Histogram;
  duration: Histogram;
}

export function metering(o: ClientOptions & { temporality?: 'cumulative' | 'delta'; exponential?: boolean }): GenAiMeters {
  const cfg = {
    ...exporterConfig(o, '/v1/metrics'),
    temporalityPreference: o.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  };
  const exporter = o.wire === 'protobuf' ? new ProtoMetricExporter(cfg) : new JsonMetricExporter(cfg);
  const views: ViewOptions[] = o.exponential
    ? [{ instrumentName: 'gen_ai.client.*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }]
    : [];
  const provider = new MeterProvider({
    resource: resourceFromAttributes(o.resource),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    views,
  });
  const meter = provider.getMeter('test-genai-instrumentation', '1.0.0');
  return {
    provider,
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Number of input and output tokens used.',
      advice: { explicitBucketBoundaries: TOKEN_BOUNDS },
    }),
    duration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'GenAI operation duration.',
      advice: { explicitBucketBoundaries: DURATION_BOUNDS },
    }),
  };
}

export interface Call {
  model?: string;
  input: number;
  output: number;
  cacheRead?: number;
  seconds: number;
  error?: string;
  attributes?: Attributes;
  /** Pre-1.27 conventions, as older OpenLLMetry releases write them: gen_ai.system, prompt/completion tokens. */
  legacy?: boolean;
}

/** Metrics for one call as an instrumentation records them: two token values and one duration. */
export function recordCall(m: GenAiMeters, c: Call, provider = 'openai'): void {
  const attrs: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': c.model ?? 'gpt-4o',
    'gen_ai.response.model': c.model ?? 'gpt-4o',
    'server.address': 'api.openai.com',
    ...c.attributes,
  };
  if (c.error) {
    m.duration.record(c.seconds, { ...attrs, 'error.type': c.error });
    return;
  }
  m.tokens.record(c.input, { ...attrs, 'gen_ai.token.type': 'input' });
  m.tokens.record(c.output, { ...attrs, 'gen_ai.token.type': 'output' });
  m.duration.record(c.seconds, attrs);
}

/** A chat span as an instrumentation writes it, started `agoMs` before now. */
export function chatSpan(tracer: Tracer, c: Call & { id?: string; agoMs?: number }, provider = 'openai'): void {
  const end = Date.now() - (c.agoMs ?? 0);
  const start = end - c.seconds * 1000;
  const model = c.model ?? 'gpt-4o';
  const usage = c.legacy
    ? { 'gen_ai.usage.prompt_tokens': c.input, 'gen_ai.usage.completion_tokens': c.output }
    : { 'gen_ai.usage.input_tokens': c.input, 'gen_ai.usage.output_tokens': c.output };
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    [c.legacy ? 'gen_ai.system' : 'gen_ai.provider.name']: provider,
    'gen_ai.request.model': model,
    'gen_ai.response.model': model,
    'server.address': 'api.openai.com',
    'gen_ai.response.finish_reasons': ['stop'],
    ...(c.id ? { 'gen_ai.response.id': c.id } : {}),
    ...(c.error ? {} : usage),
    ...(c.cacheRead ? { 'gen_ai.usage.cache_read.input_tokens': c.cacheRead } : {}),
    ...c.attributes,
  };
  const span = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, startTime: start, attributes });
  if (c.error) {
    const err = new Error('Rate limit reached for gpt-4o');
    err.name = c.error;
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }
  span.end(end);
}

/** A span that is not a model call: the app's own HTTP server span. */
export function httpSpan(tracer: Tracer): void {
  const span = tracer.startSpan('GET /chat', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/chat' } });
  span.end();
}
