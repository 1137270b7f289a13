// The project's OTLP schema agrees with the official encoders: the OpenTelemetry JS exporters send
// to a capture server, and what they sent is decoded with exporter/src/sources/otlp/schema.ts.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributesToObject, nanosToMs, toNumber } from '../../exporter/src/sources/otlp/attributes.js';
import { spanKey } from '../../exporter/src/sources/otlp/nesting.js';
import { decodeRequest, TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA, type Encoding } from '../../exporter/src/sources/otlp/schema.js';
import { DURATION_BOUNDS, metering, recordCall, tracing, type Wire } from './helpers.js';

interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let url: string;
const captured: Captured[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      captured.push({ path: req.url ?? '', headers: req.headers, body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw });
      res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/json' });
      res.end(req.headers['content-type'] === 'application/json' ? '{}' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function take(path: string): Captured[] {
  const out = captured.filter((c) => c.path === path);
  captured.length = 0;
  return out;
}

const encodingOf = (w: Wire): Encoding => w;

describe.each<Wire>(['protobuf', 'json'])('schema vs the OpenTelemetry %s exporters', (wire) => {
  it('reads spans: times, typed attributes, resource, status and the exception event', async () => {
    const { provider, tracer } = tracing({ wire, url, gzip: true, resource: { 'service.name': 'svc', 'deployment.environment': 'prod' } });
    const start = 1_750_000_000_123;
    const span = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.request.temperature': 0.25,
        'gen_ai.request.stream': true,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'http.response.status_code': 429,
      },
    });
    const err = new Error('slow down');
    err.name = 'RateLimitError';
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'slow down' });
    span.end(start + 2500);
    await provider.forceFlush();
    await provider.shutdown();

    const [c] = take('/v1/traces');
    expect(c.headers['content-type']).toBe(wire === 'protobuf' ? 'application/x-protobuf' : 'application/json');
    expect(c.headers['content-encoding']).toBe('gzip');
    const req = decodeRequest('traces', c.body, encodingOf(wire));
    const rs = req.resourceSpans![0];
    expect(attributesToObject(rs.resource?.attributes)).toMatchObject({ 'service.name': 'svc', 'deployment.environment': 'prod' });
    const s = rs.scopeSpans![0].spans![0];
    expect(s.name).toBe('chat gpt-4o');
    expect(nanosToMs(s.startTimeUnixNano)).toBe(start);
    expect(nanosToMs(s.endTimeUnixNano)).toBe(start + 2500);
    expect(attributesToObject(s.attributes)).toEqual({
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 1234,
      'gen_ai.request.temperature': 0.25,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'http.response.status_code': 429,
    });
    expect(s.status?.code).toBe(2);
    expect(s.status?.message).toBe('slow down');
    expect(s.events?.[0].name).toBe('exception');
    expect(attributesToObject(s.events?.[0].attributes)['exception.type']).toBe('RateLimitError');
  });

  it('reads trace, span and parent ids, so a child names its parent (the nesting rule)', async () => {
    const { provider, tracer } = tracing({ wire, url, resource: { 'service.name': 'svc' } });
    const parent = tracer.startSpan('parent');
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await provider.forceFlush();
    await provider.shutdown();
    const spans = decodeRequest('traces', take('/v1/traces')[0].body, encodingOf(wire)).resourceSpans![0].scopeSpans![0].spans!;
    const byName = new Map(spans.map((x) => [x.name, x]));
    const p = byName.get('parent')!;
    const c = byName.get('child')!;
    const key = spanKey(p.traceId, p.spanId);
    expect(key).toMatch(/^[0-9a-f]+:[0-9a-f]+$/);
    expect(spanKey(c.traceId, c.parentSpanId)).toBe(key);
    expect(spanKey(c.traceId, c.spanId)).not.toBe(key);
    expect(spanKey(p.traceId, p.parentSpanId)).toBe(''); // a root
    // Binary protobuf carries the ids as bytes: the key is the ids in hex, as the SDK wrote them.
    if (wire === 'protobuf') expect(key).toBe(`${parent.spanContext().traceId}:${parent.spanContext().spanId}`);
  });

  it('reads explicit-bucket histograms, cumulative', async () => {
    const m = metering({ wire, url, resource: { 'service.name': 'svc' } });
    recordCall(m, { input: 1000, output: 10, seconds: 0.5 });
    recordCall(m, { input: 3000, output: 30, seconds: 3 });
    await m.provider.forceFlush();
    await m.provider.shutdown();

    const bodies = take('/v1/metrics');
    const req = decodeRequest('metrics', bodies[0].body, encodingOf(wire));
    const sm = req.resourceMetrics![0].scopeMetrics![0];
    expect(sm.scope?.name).toBe('test-genai-instrumentation');
    expect(sm.scope?.version).toBe('1.0.0');
    const byName = new Map(sm.metrics!.map((x) => [x.name, x]));
    const tokens = byName.get('gen_ai.client.token.usage')!;
    expect(tokens.unit).toBe('{token}');
    expect(tokens.histogram?.aggregationTemporality).toBe(TEMPORALITY_CUMULATIVE);
    const input = tokens.histogram!.dataPoints!.find((p) => attributesToObject(p.attributes)['gen_ai.token.type'] === 'input')!;
    expect(toNumber(input.count)).toBe(2);
    expect(input.sum).toBe(4000);
    expect(toNumber(input.startTimeUnixNano)).toBeGreaterThan(0);
    expect(toNumber(input.timeUnixNano)).toBeGreaterThanOrEqual(toNumber(input.startTimeUnixNano));
    const dur = byName.get('gen_ai.client.operation.duration')!.histogram!.dataPoints![0];
    expect(dur.explicitBounds).toEqual(DURATION_BOUNDS);
    const counts = dur.bucketCounts!.map(toNumber);
    expect(counts).toHaveLength(DURATION_BOUNDS.length + 1);
    expect(counts[DURATION_BOUNDS.indexOf(0.64)]).toBe(1);
    expect(counts[DURATION_BOUNDS.indexOf(5.12)]).toBe(1);
    expect(dur.sum).toBe(3.5);
  });

  it('reads exponential histograms, delta', async () => {
    const m = metering({ wire, url, resource: { 'service.name': 'svc' }, temporality: 'delta', exponential: true });
    recordCall(m, { input: 1000, output: 10, seconds: 0.5 });
    recordCall(m, { input: 3000, output: 30, seconds: 3 });
    await m.provider.forceFlush();
    await m.provider.shutdown();

    const req = decodeRequest('metrics', take('/v1/metrics')[0].body, encodingOf(wire));
    const metrics = req.resourceMetrics![0].scopeMetrics![0].metrics!;
    const dur = metrics.find((x) => x.name === 'gen_ai.client.operation.duration')!.exponentialHistogram!;
    expect(dur.aggregationTemporality).toBe(TEMPORALITY_DELTA);
    const p = dur.dataPoints![0];
    expect(toNumber(p.count)).toBe(2);
    expect(p.sum).toBe(3.5);
    const counts = (p.positive?.bucketCounts ?? []).map(toNumber);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    // Bucket index offset + k covers (2^((offset+k)·2^-scale), 2^((offset+k+1)·2^-scale)].
    const base = Math.pow(2, Math.pow(2, -(p.scale ?? 0)));
    const first = (p.positive?.offset ?? 0) + counts.findIndex((c) => c > 0);
    expect(Math.pow(base, first)).toBeLessThan(0.5);
    expect(Math.pow(base, first + 1)).toBeGreaterThanOrEqual(0.5);
  });
});
