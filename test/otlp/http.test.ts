// The OTLP/HTTP endpoints on bad input: each failure answers with the status code and body the OTLP
// specification asks for, and nothing valid in the same request is lost.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResponse, decodeStatus, root, type Encoding } from '../../exporter/src/sources/otlp/schema.js';
import { startExporter, sum, type Harness } from '../server/helpers.js';
import { chat, histogram, metrics, span, T0, toProtobuf, traces } from './otlp-json.js';

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${harness!.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

function body(signal: 'traces' | 'metrics', json: unknown, enc: Encoding): Buffer | string {
  return enc === 'protobuf' ? toProtobuf(signal, json) : JSON.stringify(json);
}

const typeOf = (enc: Encoding) => (enc === 'protobuf' ? PROTO : JSON_TYPE);

describe.each<Encoding>(['protobuf', 'json'])('OTLP/HTTP %s', (enc) => {
  it('answers 200 with partial_success for spans it cannot count, and counts the others', async () => {
    harness = await startExporter();
    const req = traces({ 'service.name': 'chat-api' }, [
      span({ attributes: chat(1000, 100) }),
      span({ attributes: chat(undefined, undefined) }), // a successful call without usage: counted, usage unknown
      span({ attributes: chat(2000, 200) }),
      span({ attributes: chat(10, 10, { 'gen_ai.request.model': '' }) }), // no model
      span({ attributes: { 'http.request.method': 'GET' } }), // not GenAI: ignored, not rejected
      span({ attributes: chat(undefined, undefined), error: true }), // a failed call: counted
    ]);
    const r = await post('/v1/traces', body('traces', req, enc), { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(200);
    expect(r.type).toContain(typeOf(enc));
    const resp = decodeResponse('traces', r.body, enc) as { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } };
    expect(resp.partialSuccess?.rejectedSpans).toBe(1);
    expect(resp.partialSuccess?.errorMessage).toContain('attributes.gen_ai.request.model');

    const s = await harness.samples();
    const w = { provider: 'openai', model: 'gpt-4o', feature: 'chat-api' };
    expect(sum(s, 'ai_requests_total', { ...w, status: 'success' })).toBe(3);
    expect(sum(s, 'ai_requests_total', { ...w, status: 'error' })).toBe(1);
    expect(sum(s, 'ai_unpriced_requests_total', { provider: 'openai', model: 'gpt-4o' })).toBe(1);
    expect(sum(s, 'ai_tokens_input_total', w)).toBe(3000);
    expect(sum(s, 'ai_cost_dollars_total', w)).toBeCloseTo(3000 * 2.5e-6 + 300 * 10e-6, 12);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'otlp' })).toBe(5);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'otlp', reason: 'missing_field' })).toBe(1);
    expect(sum(s, 'ai_exporter_otlp_ignored_spans_total', { reason: 'not_genai' })).toBe(1);
  });

  it('a lone UTF-16 surrogate in one span\'s attribute costs no other span (it reads as U+FFFD)', async () => {
    harness = await startExporter();
    const req = traces({ 'service.name': 'chat-api' }, [span({ attributes: chat(10, 1, { 'tokenscope.team': 'a\ud800b' }) }), span({ attributes: chat(20, 2) })]);
    let wire: Buffer | string;
    if (enc === 'json') {
      wire = JSON.stringify(req);
      expect(wire).toContain('\\ud800');
    } else {
      // Not through ProtoJSON, which refuses the surrogate: the UTF-8 encoder writes it as invalid bytes.
      const t = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
      wire = Buffer.from(t.encode(t.fromObject(req)).finish());
    }
    const r = await post('/v1/traces', wire, { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(200);
    expect(decodeResponse('traces', r.body, enc)).toEqual({});
    const s = await harness.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'chat-api' })).toBe(2);
    expect(sum(s, 'ai_tokens_input_total', { feature: 'chat-api' })).toBe(30);
    // One replacement character in JSON (one lone code unit); the binary path replaces each invalid byte.
    const team = s.find((x) => x.name === 'ai_requests_total' && x.labels.team?.startsWith('a\ufffd'))?.labels.team;
    expect(team).toMatch(/^a\ufffd+b$/);
  });

  it('answers 200 with an empty response when everything was counted', async () => {
    harness = await startExporter();
    const r = await post('/v1/traces', body('traces', traces({}, [span({ attributes: chat(5, 5) })]), enc), { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(200);
    expect(decodeResponse('traces', r.body, enc)).toEqual({});
    const empty = await post('/v1/traces', enc === 'protobuf' ? new Uint8Array(0) : '{}', { 'Content-Type': typeOf(enc) });
    expect(empty.status).toBe(200);
  });

  it('rejects metric points it cannot read and counts the rest', async () => {
    harness = await startExporter();
    const base = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat' };
    const start = Date.now() + 1; // the app started after the exporter: its first totals are all new
    const req = metrics({ 'service.name': 'batch' }, [
      histogram('gen_ai.client.token.usage', 2, [
        { attributes: { ...base, 'gen_ai.token.type': 'input' }, startMs: start, timeMs: start + 60_000, count: 3, sum: 3000 },
        { attributes: { ...base, 'gen_ai.token.type': 'output' }, startMs: start, timeMs: start + 60_000, count: 3, sum: 300 },
        { attributes: { ...base }, startMs: start, timeMs: start + 60_000, count: 1, sum: 5 }, // no token type
        { attributes: { 'gen_ai.token.type': 'input' }, startMs: start, timeMs: start + 60_000, count: 1, sum: 5 }, // no provider
      ]),
      histogram('gen_ai.client.operation.duration', 2, [{ attributes: base, startMs: start, timeMs: start + 60_000, count: 3 }]), // no sum
      { name: 'http.server.request.duration', histogram: { aggregationTemporality: 2, dataPoints: [] } },
    ]);
    const r = await post('/v1/metrics', body('metrics', req, enc), { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(200);
    const resp = decodeResponse('metrics', r.body, enc) as { partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string } };
    expect(resp.partialSuccess?.rejectedDataPoints).toBe(3);
    expect(resp.partialSuccess?.errorMessage).toContain('gen_ai.token.type');

    const s = await harness.samples();
    const w = { provider: 'openai', model: 'gpt-4o', feature: 'batch' };
    expect(sum(s, 'ai_requests_total', w)).toBe(3);
    expect(sum(s, 'ai_tokens_input_total', w)).toBe(3000);
    expect(sum(s, 'ai_cost_dollars_total', w)).toBeCloseTo(3000 * 2.5e-6 + 300 * 10e-6, 12);
  });

  it('answers 400 with a Status for a body that is not an export request, and counts nothing', async () => {
    harness = await startExporter();
    const good = body('traces', traces({}, [span({ attributes: chat(100, 10) }), span({ attributes: chat(200, 20) })]), enc);
    const bad = typeof good === 'string' ? good.slice(0, good.length - 10) : good.subarray(0, good.length - 7);
    const r = await post('/v1/traces', bad, { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(400);
    expect(r.type).toContain(typeOf(enc));
    const st = decodeStatus(r.body, enc);
    expect(st.code).toBe(3); // INVALID_ARGUMENT
    expect(st.message).toMatch(/not (a protobuf|an OTLP\/JSON) ExportTraceServiceRequest/);
    expect(sum(await harness.samples(), 'ai_exporter_lines_total', { source: 'otlp' })).toBe(0);
  });

  it('answers 413 past the body limit, on the wire and after gunzip', async () => {
    const limit = 64 * 1024;
    harness = await startExporter({ bodyLimitBytes: limit });
    const many = traces({}, Array.from({ length: 600 }, (_, i) => span({ attributes: chat(100 + i, 10) })));
    const big = body('traces', many, enc);
    expect(Buffer.byteLength(big)).toBeGreaterThan(limit);
    const r = await post('/v1/traces', big, { 'Content-Type': typeOf(enc) });
    expect(r.status).toBe(413);
    expect(decodeStatus(r.body, enc).message).toContain(`limit of ${limit} bytes`);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(limit);
    const z = await post('/v1/traces', zipped, { 'Content-Type': typeOf(enc), 'Content-Encoding': 'gzip' });
    expect(z.status).toBe(413);
    expect(decodeStatus(z.body, enc).code).toBe(8); // RESOURCE_EXHAUSTED
    expect(sum(await harness.samples(), 'ai_exporter_lines_total', { source: 'otlp' })).toBe(0);
  });

  it('takes gzip bodies', async () => {
    harness = await startExporter();
    const r = await post('/v1/traces', gzipSync(body('traces', traces({}, [span({ attributes: chat(100, 10) })]), enc)), { 'Content-Type': typeOf(enc), 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(sum(await harness.samples(), 'ai_requests_total', { model: 'gpt-4o' })).toBe(1);
  });

  it('answers 401 without the bearer token, in the request encoding', async () => {
    harness = await startExporter({ ingestToken: 'sesame' });
    const b = body('traces', traces({}, [span({ attributes: chat(100, 10) })]), enc);
    const none = await post('/v1/traces', b, { 'Content-Type': typeOf(enc) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(decodeStatus(none.body, enc).code).toBe(16); // UNAUTHENTICATED
    const wrong = await post('/v1/metrics', b, { 'Content-Type': typeOf(enc), Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const ok = await post('/v1/traces', b, { 'Content-Type': typeOf(enc), Authorization: 'Bearer sesame' });
    expect(ok.status).toBe(200);
  });

  it('does not count a retried export twice when spans carry gen_ai.response.id', async () => {
    harness = await startExporter();
    const b = body('traces', traces({}, [span({ attributes: chat(100, 10, { 'gen_ai.response.id': 'chatcmpl-9' }) })]), enc);
    for (let i = 0; i < 2; i++) expect((await post('/v1/traces', b, { 'Content-Type': typeOf(enc) })).status).toBe(200);
    const s = await harness.samples();
    expect(sum(s, 'ai_requests_total', { model: 'gpt-4o' })).toBe(1);
    expect(sum(s, 'ai_exporter_duplicate_requests_total', { source: 'otlp' })).toBe(1);
  });
});

describe('OTLP/HTTP content negotiation', () => {
  it('answers 415 for other media types and content codings', async () => {
    harness = await startExporter();
    for (const type of ['text/plain', 'application/x-ndjson', 'application/grpc', 'application/json; charset=latin1']) {
      const r = await post('/v1/traces', '{}', { 'Content-Type': type });
      expect(r.status, type).toBe(415);
      expect(decodeStatus(r.body, 'json').message).toMatch(/Content-Type|charset/);
    }
    const br = await post('/v1/metrics', '{}', { 'Content-Type': JSON_TYPE, 'Content-Encoding': 'br' });
    expect(br.status).toBe(415);
  });

  it('answers 400 for JSON that is not an export request', async () => {
    harness = await startExporter();
    for (const b of ['[]', '{"resourceSpans": 5}', '{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}', 'null']) {
      const r = await post('/v1/traces', b, { 'Content-Type': JSON_TYPE });
      expect(r.status, b).toBe(400);
    }
  });

  it('rejects a gen_ai metric that is not a histogram (JSON gauge)', async () => {
    harness = await startExporter();
    const req = metrics({}, [{ name: 'gen_ai.client.token.usage', gauge: { dataPoints: [{ asInt: '5' }] } }]);
    const r = await post('/v1/metrics', JSON.stringify(req), { 'Content-Type': JSON_TYPE });
    expect(r.status).toBe(200);
    expect(decodeResponse('metrics', r.body, 'json')).toMatchObject({ partialSuccess: { rejectedDataPoints: 1 } });
  });

  it('answers 405 to other methods and leaves other paths to the 404', async () => {
    harness = await startExporter();
    const r = await fetch(`${harness.url}/v1/traces`);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect((await fetch(`${harness.url}/v1/logs`)).status).toBe(405);
    expect((await fetch(`${harness.url}/v1/profiles`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('reads OTLP/JSON with a T0 span start as epoch nanoseconds', () => {
    expect(span({ attributes: {} }).startTimeUnixNano).toBe(`${T0}000000`);
  });
});
