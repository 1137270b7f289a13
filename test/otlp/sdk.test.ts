// A real client: the OpenTelemetry JS SDK (NodeTracerProvider, MeterProvider, the OTLP/HTTP protobuf
// and JSON exporters) against the running exporter, checked on what /metrics then exposes. Costs are
// hand-computed from gpt-4o's price: $2.50 per million input tokens, $1.25 cached input, $10 output.
import { afterEach, describe, expect, it } from 'vitest';
import { startExporter, sum, type Harness } from '../server/helpers.js';
import type { Sample } from '../support/exposition.js';
import { chatSpan, httpSpan, metering, recordCall, tracing, type Wire } from './helpers.js';

const TOKEN = 'otlp-test-token';
const IN = 2.5e-6;
const CACHED = 1.25e-6;
const OUT = 10e-6;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function series(samples: Sample[], feature: string, team = 'unknown') {
  const w = { provider: 'openai', model: 'gpt-4o', feature, team };
  return {
    success: sum(samples, 'ai_requests_total', { ...w, status: 'success' }),
    error: sum(samples, 'ai_requests_total', { ...w, status: 'error' }),
    input: sum(samples, 'ai_tokens_input_total', w),
    output: sum(samples, 'ai_tokens_output_total', w),
    cacheRead: sum(samples, 'ai_tokens_cache_read_total', w),
    cost: sum(samples, 'ai_cost_dollars_total', w),
    // The cost distribution is by provider and model only.
    costCount: sum(samples, 'ai_request_cost_dollars_count', { provider: w.provider, model: w.model }),
  };
}

describe.each<Wire>(['protobuf', 'json'])('OpenTelemetry JS SDK over OTLP/HTTP %s', (wire) => {
  it('counts GenAI spans as priced requests and ignores the other spans', async () => {
    harness = await startExporter({ ingestToken: TOKEN });
    const { provider, tracer } = tracing({ wire, url: harness.url, token: TOKEN, gzip: wire === 'protobuf', resource: { 'service.name': 'chat-api', team: 'search' } });
    chatSpan(tracer, { id: 'chatcmpl-1', input: 1200, output: 300, seconds: 1.5 });
    chatSpan(tracer, { id: 'chatcmpl-2', input: 5000, cacheRead: 4096, output: 120, seconds: 0.8 });
    // An older OpenLLMetry release: gen_ai.system and the pre-1.27 token names.
    chatSpan(tracer, { input: 800, output: 50, seconds: 2.2, legacy: true });
    chatSpan(tracer, { input: 0, output: 0, seconds: 0.3, error: 'RateLimitError' });
    httpSpan(tracer);
    const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' } });
    agent.end();
    await provider.forceFlush();
    await provider.shutdown();

    const s = await harness.samples();
    const got = series(s, 'chat-api', 'search');
    expect(got.success).toBe(3);
    expect(got.error).toBe(1);
    expect(got.input).toBe(1200 + 5000 + 800);
    expect(got.output).toBe(300 + 120 + 50);
    expect(got.cacheRead).toBe(4096);
    const cost = 1200 * IN + 300 * OUT + (904 * IN + 4096 * CACHED + 120 * OUT) + (800 * IN + 50 * OUT);
    expect(got.cost).toBeCloseTo(cost, 12);
    expect(got.costCount).toBe(4);
    expect(sum(s, 'ai_request_errors_total', { provider: 'openai', model: 'gpt-4o', error_type: 'rate_limit' })).toBe(1);
    expect(sum(s, 'ai_request_duration_seconds_count', { provider: 'openai', model: 'gpt-4o' })).toBe(4);
    expect(sum(s, 'ai_request_duration_seconds_sum', { provider: 'openai', model: 'gpt-4o' })).toBeCloseTo(1.5 + 0.8 + 2.2 + 0.3, 6);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'otlp' })).toBe(4);
    expect(sum(s, 'ai_exporter_otlp_ignored_spans_total', { reason: 'not_genai' })).toBe(1);
    expect(sum(s, 'ai_exporter_otlp_ignored_spans_total', { reason: 'not_a_model_call' })).toBe(1);
  });

  it('turns cumulative gen_ai.client.* histograms into exact increments', async () => {
    harness = await startExporter({ ingestToken: TOKEN });
    const m = metering({ wire, url: harness.url, token: TOKEN, resource: { 'service.name': 'batch-jobs', team: 'data' } });
    const calls = [
      { input: 1000, output: 100, seconds: 0.5 },
      { input: 2000, output: 200, seconds: 1.5 },
      { input: 3000, output: 300, seconds: 2.5 },
      { input: 4000, output: 400, seconds: 12 },
    ];
    for (const c of calls) recordCall(m, c);
    await m.provider.forceFlush();

    let s = await harness.samples();
    let got = series(s, 'batch-jobs', 'data');
    expect(got.success).toBe(4);
    expect(got.input).toBe(10_000);
    expect(got.output).toBe(1000);
    expect(got.cost).toBeCloseTo(10_000 * IN + 1000 * OUT, 12);
    expect(got.costCount).toBe(4);
    const pm = { provider: 'openai', model: 'gpt-4o' };
    expect(sum(s, 'ai_request_duration_seconds_count', pm)).toBe(4);
    expect(sum(s, 'ai_request_duration_seconds_sum', pm)).toBeCloseTo(16.5, 9);
    // OTel buckets (0.32,0.64], (1.28,2.56] ×2, (10.24,20.48] land in the store's le=1, 3, 30.
    const le = (v: string) => sum(s, 'ai_request_duration_seconds_bucket', { ...pm, le: v });
    expect([le('0.5'), le('1'), le('3'), le('10'), le('30')]).toEqual([0, 1, 3, 3, 4]);

    // The next export repeats the running totals: only what is new is added.
    recordCall(m, { input: 500, output: 50, seconds: 0.2 });
    recordCall(m, { input: 500, output: 50, seconds: 0.3 });
    recordCall(m, { input: 0, output: 0, seconds: 30, error: 'timeout' });
    await m.provider.forceFlush();
    await m.provider.forceFlush(); // unchanged totals: nothing more
    await m.provider.shutdown();

    s = await harness.samples();
    got = series(s, 'batch-jobs', 'data');
    expect(got.success).toBe(6);
    expect(got.error).toBe(1);
    expect(got.input).toBe(11_000);
    expect(got.output).toBe(1100);
    expect(got.cost).toBeCloseTo(11_000 * IN + 1100 * OUT, 12);
    expect(sum(s, 'ai_request_errors_total', { ...pm, error_type: 'timeout' })).toBe(1);
    expect(sum(s, 'ai_request_duration_seconds_count', pm)).toBe(7);
    expect(sum(s, 'ai_request_duration_seconds_sum', pm)).toBeCloseTo(16.5 + 0.5 + 30, 9);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'otlp' })).toBe(0);
  });

  it('takes delta temporality and exponential histograms too', async () => {
    harness = await startExporter();
    const m = metering({ wire, url: harness.url, resource: { 'service.name': 'batch-delta' }, temporality: 'delta', exponential: true });
    recordCall(m, { input: 1500, output: 500, seconds: 4 });
    recordCall(m, { input: 2500, output: 700, seconds: 6 });
    await m.provider.forceFlush();
    recordCall(m, { input: 1000, output: 100, seconds: 1 });
    await m.provider.forceFlush();
    await m.provider.shutdown();

    const s = await harness.samples();
    const got = series(s, 'batch-delta');
    expect(got.success).toBe(3);
    expect(got.input).toBe(5000);
    expect(got.output).toBe(1300);
    expect(got.cost).toBeCloseTo(5000 * IN + 1300 * OUT, 12);
    const pm = { provider: 'openai', model: 'gpt-4o' };
    expect(sum(s, 'ai_request_duration_seconds_count', pm)).toBe(3);
    expect(sum(s, 'ai_request_duration_seconds_sum', pm)).toBeCloseTo(11, 6);
    // Every exponential bucket's upper bound is within a few % of its values: 1 s ≤ le=1 (single
    // call: exact), 4 s ≤ 5, 6 s ≤ 7.5.
    expect(sum(s, 'ai_request_duration_seconds_bucket', { ...pm, le: '1' })).toBe(1);
    expect(sum(s, 'ai_request_duration_seconds_bucket', { ...pm, le: '5' })).toBe(2);
    expect(sum(s, 'ai_request_duration_seconds_bucket', { ...pm, le: '7.5' })).toBe(3);
  });

  it('spans win: a service that sends GenAI spans has its gen_ai metrics ignored', async () => {
    harness = await startExporter();
    const resource = { 'service.name': 'both-signals' };
    const { provider, tracer } = tracing({ wire, url: harness.url, resource });
    const m = metering({ wire, url: harness.url, resource });
    const calls = [
      { input: 1000, output: 100, seconds: 1 },
      { input: 3000, output: 300, seconds: 2 },
    ];
    // The app instruments each call twice, as OpenLLMetry or OpenLIT do with metrics enabled.
    for (const c of calls) {
      chatSpan(tracer, c);
      recordCall(m, c);
    }
    await provider.forceFlush();
    await m.provider.forceFlush();

    const s = await harness.samples();
    await Promise.all([provider.shutdown(), m.provider.shutdown()]);
    const got = series(s, 'both-signals');
    expect(got.success).toBe(2);
    expect(got.input).toBe(4000);
    expect(got.cost).toBeCloseTo(4000 * IN + 400 * OUT, 12);
    // Two token streams and one duration stream, all left to the spans.
    expect(sum(s, 'ai_exporter_otlp_ignored_data_points_total', { reason: 'spans_win' })).toBe(3);
  });
});
