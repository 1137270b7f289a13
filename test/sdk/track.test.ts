// track() and the tracker's own /metrics, on the real catalog and pipeline.
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_PATH } from '../../catalog/src/load.js';
import { createTracker, type TrackEvent } from '../../exporter/src/sources/sdk/index.js';
import { parseExposition, sum } from '../support/exposition.js';
import { event, listen, realCatalog, type Running } from '../server/helpers.js';

let server: Running | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createTracker().track()', () => {
  it('counts canonical events and reports bad ones without throwing', async () => {
    const t = createTracker({ catalog: realCatalog(), processMetrics: false });
    expect(t.track(event(0) as TrackEvent)).toEqual({ ok: true });
    expect(t.track(event(1, { provider: 'anthropic', model: 'claude-sonnet-4-20250514', cache_read_tokens: 50 }) as TrackEvent)).toEqual({ ok: true });
    const bad = t.track({ provider: 'openai', model: 'gpt-4o', input_tokens: 'many', output_tokens: 1 } as unknown as TrackEvent);
    expect(bad).toMatchObject({ ok: false, reason: 'invalid_field' });
    if (!bad.ok) expect(bad.message).toContain('input_tokens');
    expect(t.track(null as unknown as TrackEvent)).toMatchObject({ ok: false, reason: 'not_an_object' });

    const s = parseExposition(await t.metrics());
    expect(sum(s, 'ai_requests_total')).toBe(2);
    expect(sum(s, 'ai_tokens_input_total', { provider: 'anthropic' })).toBe(101);
    expect(sum(s, 'ai_tokens_cache_read_total', { provider: 'anthropic' })).toBe(50);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'track' })).toBe(4);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'track' })).toBe(2);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'http' })).toBe(0);
    expect(sum(s, 'ai_request_cost_dollars_sum')).toBeGreaterThan(0);
  });

  it('stamps events without a timestamp with the current time, and accepts a Date', async () => {
    const t = createTracker({ catalog: DEFAULT_CATALOG_PATH, processMetrics: false });
    const before = Date.now();
    const { timestamp: _omit, ...noTime } = event(0);
    expect(t.track(noTime as TrackEvent)).toEqual({ ok: true });
    expect(t.track({ ...event(1), timestamp: new Date('2025-06-01T00:00:00Z') } as TrackEvent)).toEqual({ ok: true });
    const s = parseExposition(await t.metrics());
    expect(sum(s, 'ai_requests_total')).toBe(2);
    const last = sum(s, 'ai_exporter_last_event_timestamp_seconds');
    expect(last * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('serves /metrics from the application with handler()', async () => {
    const t = createTracker({ catalog: realCatalog(), processMetrics: false });
    const app = express();
    app.get('/metrics', t.handler());
    server = await listen(app);
    t.track(event(0) as TrackEvent);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sum(parseExposition(await res.text()), 'ai_requests_total')).toBe(1);
  });

  it('shares a pipeline when given one', async () => {
    const a = createTracker({ catalog: realCatalog(), processMetrics: false });
    const b = createTracker({ pipeline: a.pipeline, processMetrics: false });
    b.track(event(0) as TrackEvent);
    expect(sum(parseExposition(await a.metrics()), 'ai_requests_total')).toBe(1);
  });
});
