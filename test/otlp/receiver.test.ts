// OtlpReceiver without HTTP: attribution options, the spans-over-metrics rule and its edge, and how
// metric points become request counts.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { requestLogLine, type RequestLogLine } from '../../exporter/src/log/request-log.js';
import { OtlpReceiver, type OtlpOptions } from '../../exporter/src/sources/otlp/receiver.js';
import { decodeRequest } from '../../exporter/src/sources/otlp/schema.js';
import { parseExposition, sum } from '../support/exposition.js';
import { realCatalog } from '../server/helpers.js';
import { chat, histogram, metrics, span, traces, type PointSpec } from './otlp-json.js';

const NOW = 1_750_000_000_000;

function setup(opts: OtlpOptions = {}) {
  const pipeline = new Pipeline(realCatalog());
  const registry = new Registry();
  const rx = new OtlpReceiver(pipeline, { registry, now: () => NOW, ...opts });
  return {
    rx,
    traces: (json: unknown) => rx.exportTraces(decodeRequest('traces', Buffer.from(JSON.stringify(json)), 'json')),
    metrics: (json: unknown) => rx.exportMetrics(decodeRequest('metrics', Buffer.from(JSON.stringify(json)), 'json')),
    samples: async () => parseExposition(pipeline.store.render() + pipeline.stats.render() + (await registry.metrics())),
  };
}

const CALL = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat' };

/** One export's worth of points for `calls` calls of `input`/`output` tokens and `seconds` each, cumulative. */
function usage(startMs: number, timeMs: number, calls: number, input: number, output: number, seconds: number, extra: Record<string, string> = {}): unknown[] {
  const a = { ...CALL, ...extra };
  const pt = (attributes: PointSpec['attributes'], count: number, s: number): PointSpec => ({ attributes, startMs, timeMs, count, sum: s });
  return [
    histogram('gen_ai.client.token.usage', 2, [pt({ ...a, 'gen_ai.token.type': 'input' }, calls, calls * input), pt({ ...a, 'gen_ai.token.type': 'output' }, calls, calls * output)]),
    histogram('gen_ai.client.operation.duration', 2, [pt(a, calls, calls * seconds)]),
  ];
}

describe('attribution', () => {
  it('maps the configured attributes to feature and team; tokenscope.* wins; the SDK default service.name is no feature', async () => {
    const t = setup({ featureAttribute: 'gen_ai.agent.name', teamAttribute: 'k8s.namespace.name' });
    await t.traces(traces({ 'service.name': 'svc', 'k8s.namespace.name': 'payments' }, [span({ attributes: chat(10, 1, { 'gen_ai.agent.name': 'refunds' }) })]));
    await t.traces(traces({ 'service.name': 'svc', 'k8s.namespace.name': 'payments', 'tokenscope.team': 'billing' }, [span({ attributes: chat(10, 1, { 'tokenscope.feature': 'explicit' }) })]));
    const s = await t.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'refunds', team: 'payments' })).toBe(1);
    expect(sum(s, 'ai_requests_total', { feature: 'explicit', team: 'billing' })).toBe(1);

    const d = setup(); // defaults: service.name → feature, team → team
    await d.traces(traces({ 'service.name': 'unknown_service:node', team: 'search' }, [span({ attributes: chat(10, 1) })]));
    await d.traces(traces({ 'service.name': 'chat-api' }, [span({ attributes: chat(10, 1) })]));
    const ds = await d.samples();
    expect(sum(ds, 'ai_requests_total', { feature: 'unknown', team: 'search' })).toBe(1);
    expect(sum(ds, 'ai_requests_total', { feature: 'chat-api', team: 'unknown' })).toBe(1);

    const off = setup({ featureAttribute: '', teamAttribute: '' });
    await off.traces(traces({ 'service.name': 'chat-api', team: 'search' }, [span({ attributes: chat(10, 1) })]));
    expect(sum(await off.samples(), 'ai_requests_total', { feature: 'unknown', team: 'unknown' })).toBe(1);
  });

  it('maps the same attributes on metric points and their resource', async () => {
    const t = setup({ teamAttribute: 'team' });
    await t.metrics(metrics({ 'service.name': 'batch', team: 'data' }, usage(NOW + 1, NOW + 60_000, 2, 100, 10, 1)));
    expect(sum(await t.samples(), 'ai_requests_total', { feature: 'batch', team: 'data' })).toBe(2);
  });
});

describe('spans over metrics', () => {
  it('counts metrics from a service until its first GenAI span, and ignores them from then on', async () => {
    const t = setup();
    const res = { 'service.name': 'both' };
    const start = NOW + 1;
    // Metrics arrive first (e.g. spans are exported later): counted, there is nothing else.
    await t.metrics(metrics(res, usage(start, start + 60_000, 2, 1000, 100, 1)));
    // The first span batch: the spans are counted…
    await t.traces(traces(res, [span({ attributes: chat(1000, 100) })]));
    // …and from now on the service's gen_ai metrics are not, though they report a new call.
    const r = await t.metrics(metrics(res, usage(start, start + 120_000, 3, 1000, 100, 1)));
    expect(r).toEqual({ accepted: 0, rejected: 0, errorMessage: '' });
    const s = await t.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'both' })).toBe(3);
    expect(sum(s, 'ai_exporter_otlp_ignored_data_points_total', { reason: 'spans_win' })).toBe(3);
    // Other services' metrics are still counted.
    await t.metrics(metrics({ 'service.name': 'metrics-only' }, usage(start, start + 60_000, 1, 10, 1, 1)));
    expect(sum(await t.samples(), 'ai_requests_total', { feature: 'metrics-only' })).toBe(1);
  });

  it('only a counted model-call span makes a service a span sender', async () => {
    const t = setup();
    await t.traces(traces({ 'service.name': 'agents' }, [span({ attributes: { ...CALL, 'gen_ai.operation.name': 'invoke_agent' } })]));
    await t.traces(traces({ 'service.name': 'web' }, [span({ attributes: { 'http.request.method': 'GET' } })]));
    await t.traces(traces({ 'service.name': 'no-usage' }, [span({ attributes: chat(undefined, undefined) })])); // counted, usage unknown
    await t.traces(traces({ 'service.name': 'chat' }, [span({ attributes: chat(1, 1) })]));
    expect(['agents', 'web', 'no-usage', 'chat'].map((s) => t.rx.sendsSpans(s))).toEqual([false, false, false, true]);
  });
});

describe('metric points as request counts', () => {
  it('baselines streams older than the receiver, then counts what is new', async () => {
    const t = setup();
    const old = NOW - 86_400_000; // the app has been up for a day; the exporter just restarted
    let r = await t.metrics(metrics({ 'service.name': 'b' }, usage(old, NOW + 10_000, 500, 1000, 100, 2)));
    expect(r.accepted).toBe(0);
    expect(sum(await t.samples(), 'ai_requests_total', { feature: 'b' })).toBe(0);
    expect(sum(await t.samples(), 'ai_exporter_otlp_ignored_data_points_total', { reason: 'baseline' })).toBe(3);
    r = await t.metrics(metrics({ 'service.name': 'b' }, usage(old, NOW + 70_000, 504, 1000, 100, 2)));
    expect(r.accepted).toBe(3);
    const s = await t.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'b' })).toBe(4);
    expect(sum(s, 'ai_tokens_input_total', { feature: 'b' })).toBe(4000);
    expect(sum(s, 'ai_cost_dollars_total', { feature: 'b' })).toBeCloseTo(4 * (1000 * 2.5e-6 + 100 * 10e-6), 12);
    // All four at the mean cost of $0.0035: the 0.005 bucket of the model's cost histogram.
    expect(sum(s, 'ai_request_cost_dollars_bucket', { model: 'gpt-4o', le: '0.0025' })).toBe(0);
    expect(sum(s, 'ai_request_cost_dollars_bucket', { model: 'gpt-4o', le: '0.005' })).toBe(4);
  });

  it('counts calls from the token histograms when there is no duration histogram', async () => {
    const t = setup();
    const [tokens] = usage(NOW + 1, NOW + 60_000, 3, 200, 20, 1);
    await t.metrics(metrics({ 'service.name': 'tok' }, [tokens]));
    const s = await t.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'tok' })).toBe(3);
    expect(sum(s, 'ai_request_duration_seconds_count', { model: 'gpt-4o' })).toBe(0);
  });

  it('counts failed calls from the duration histogram, by error.type', async () => {
    const t = setup();
    const a = { ...CALL, 'error.type': '429' };
    await t.metrics(metrics({ 'service.name': 'f' }, [histogram('gen_ai.client.operation.duration', 1, [{ attributes: a, startMs: NOW, timeMs: NOW + 60_000, count: 2, sum: 0.4 }])]));
    const s = await t.samples();
    expect(sum(s, 'ai_requests_total', { feature: 'f', status: 'error' })).toBe(2);
    expect(sum(s, 'ai_request_errors_total', { error_type: 'rate_limit' })).toBe(2);
    expect(sum(s, 'ai_cost_dollars_total', { feature: 'f' })).toBe(0);
  });

  it('re-buckets durations conservatively, and exactly for a single call', async () => {
    const t = setup();
    // The JS SDK's default bounds (no advice): 0, 5, 10, 25, … seconds.
    const bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    const counts = [0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const d = (timeMs: number, count: number, s: number, c: number[]): PointSpec => ({ attributes: CALL, startMs: NOW + 1, timeMs, count, sum: s, bounds, counts: c });
    await t.metrics(metrics({}, [histogram('gen_ai.client.operation.duration', 2, [d(NOW + 60_000, 4, 9, counts)])]));
    // One more call of 0.7 s: the difference holds one call, whose duration is the sum exactly.
    const counts2 = [...counts];
    counts2[1]++;
    await t.metrics(metrics({}, [histogram('gen_ai.client.operation.duration', 2, [d(NOW + 120_000, 5, 9.7, counts2)])]));
    const s = await t.samples();
    const le = (v: string) => sum(s, 'ai_request_duration_seconds_bucket', { model: 'gpt-4o', le: v });
    // (0,5] → le=5, (5,10] → le=10: never faster than they were; the single 0.7 s call → le=1.
    expect([le('0.5'), le('1'), le('3'), le('5'), le('10')]).toEqual([0, 1, 1, 4, 5]);
    expect(sum(s, 'ai_request_duration_seconds_sum', { model: 'gpt-4o' })).toBeCloseTo(9.7, 9);
  });

  it('prices each call at the mean usage, so per-call price tiers apply as they would per call', async () => {
    const t = setup();
    // gemini-2.5-pro charges more above 200k input tokens per call. 10 calls of 100k are all below it.
    const g = { 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-2.5-pro' };
    const pt = (type: string, s: number): PointSpec => ({ attributes: { ...g, 'gen_ai.token.type': type }, startMs: NOW + 1, timeMs: NOW + 60_000, count: 10, sum: s });
    await t.metrics(metrics({}, [histogram('gen_ai.client.token.usage', 2, [pt('input', 1_000_000), pt('output', 0)])]));
    const s = await t.samples();
    const per = sum(s, 'ai_request_cost_dollars_sum', { model: 'gemini-2.5-pro' });
    // $1.25/M below the tier: 10 × 100k × 1.25e-6 = $1.25 (the aggregate 1M tokens priced as one call would be $2.50).
    expect(per).toBeCloseTo(1.25, 9);
  });
});

describe('a successful call without usage', () => {
  it('is a request with unknown usage on both paths (OTLP span, JSON line), never a free success', async () => {
    const lines: RequestLogLine[] = [];
    const pipeline = new Pipeline(realCatalog(), { sinks: [{ request: (rec, price) => lines.push(requestLogLine(rec, price, (x) => x)) }] });
    const registry = new Registry();
    const rx = new OtlpReceiver(pipeline, { registry, now: () => NOW });
    const r = await rx.exportTraces(decodeRequest('traces', Buffer.from(JSON.stringify(traces({ 'service.name': 'otlp' }, [span({ attributes: chat(undefined, undefined) })]))), 'json'));
    expect(r).toEqual({ accepted: 1, rejected: 0, errorMessage: '' });
    expect(pipeline.ingestLine(JSON.stringify({ timestamp: NOW, 'tokenscope.feature': 'line', ...chat(undefined, undefined) }), 'file')).toEqual({ ok: true });
    const s = parseExposition(pipeline.store.render() + pipeline.stats.render() + (await registry.metrics()));
    for (const feature of ['otlp', 'line']) {
      expect(sum(s, 'ai_requests_total', { feature, status: 'success' })).toBe(1);
      expect(sum(s, 'ai_cost_dollars_total', { feature })).toBe(0);
    }
    // Both priced at 0 in the model's cost histogram.
    expect(sum(s, 'ai_request_cost_dollars_count', { provider: 'openai', model: 'gpt-4o' })).toBe(2);
    expect(sum(s, 'ai_request_cost_dollars_sum', { provider: 'openai', model: 'gpt-4o' })).toBe(0);
    expect(sum(s, 'ai_unpriced_requests_total', { provider: 'openai', model: 'gpt-4o' })).toBe(2);
    expect(sum(s, 'ai_tokens_input_total')).toBe(0);
    expect(lines.map((l) => [l.usage_unknown, l.priced, l.cost_usd])).toEqual([
      [true, false, 0],
      [true, false, 0],
    ]);
    // gpt-4o itself is priced: no "no price for model" warning is due.
    expect(pipeline.pricer.unpricedModels()).toEqual([]);
  });
});
