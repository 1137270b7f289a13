// /metrics, /healthz, /readyz, unknown routes and the error handler, over real HTTP.
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import pino from 'pino';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { createApp } from '../../exporter/src/server/app.js';
import { METRICS_CONTENT_TYPE } from '../../exporter/src/exposition/http.js';
import { parseExposition, sum } from '../support/exposition.js';
import { event, listen, postEvents, realCatalog, startExporter, type Running } from './helpers.js';

let servers: Running[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A raw GET, so the test sees the bytes and headers as sent (fetch would decompress). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /metrics', () => {
  it('serves the exposition with the Prometheus text content type, gzipped when accepted', async () => {
    const h = await startExporter();
    servers.push(h);
    await postEvents(h.url, JSON.stringify([event(0), event(1)]), { 'content-type': 'application/json' });

    const gz = await rawGet(`${h.url}/metrics`, { 'accept-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/i);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    const text = gunzipSync(gz.body).toString('utf8');
    expect(sum(parseExposition(text), 'ai_requests_total')).toBe(2);

    const plain = await rawGet(`${h.url}/metrics`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(text);
    expect(plain.body.length).toBeGreaterThan(gz.body.length);

    const refused = await rawGet(`${h.url}/metrics`, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString('utf8')).toBe(text);
  });

  it('shares one render between concurrent scrapes', async () => {
    const h = await startExporter();
    servers.push(h);
    await postEvents(h.url, JSON.stringify([event(0)]), { 'content-type': 'application/json' });
    const before = h.renderer.renders;
    const [a, b, c] = await Promise.all([
      rawGet(`${h.url}/metrics`, { 'accept-encoding': 'gzip' }),
      rawGet(`${h.url}/metrics`, { 'accept-encoding': 'gzip' }),
      rawGet(`${h.url}/metrics`),
    ]);
    expect(h.renderer.renders).toBe(before + 1);
    expect(gunzipSync(a.body).equals(gunzipSync(b.body))).toBe(true);
    expect(gunzipSync(a.body).equals(c.body)).toBe(true);
    // New data, new render.
    await postEvents(h.url, JSON.stringify([event(1)]), { 'content-type': 'application/json' });
    const after = await rawGet(`${h.url}/metrics`);
    expect(h.renderer.renders).toBe(before + 2);
    expect(sum(parseExposition(after.body.toString('utf8')), 'ai_requests_total')).toBe(2);
  });

  it('answers HEAD, and 405 with Allow for other methods', async () => {
    const h = await startExporter();
    servers.push(h);
    const head = await fetch(`${h.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${h.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const get = await fetch(`${h.url}/v1/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await get.json()).error).toBe('method_not_allowed');
  });
});

describe('health, unknown routes, errors', () => {
  it('serves /healthz and /readyz', async () => {
    let ready = false;
    const pipeline = new Pipeline(realCatalog());
    const s = await listen(createApp({ pipeline, renderer: new MetricsRenderer(pipeline, { processMetrics: false }), ready: () => ready }));
    servers.push(s);
    let res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    ready = true;
    res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const h = await startExporter();
    servers.push(h);
    const res = await fetch(`${h.url}/v2/nothing?x=1`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no route for DELETE /v2/nothing' });
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('never leaks a stack trace or an internal message', async () => {
    const pipeline = new Pipeline(realCatalog());
    const broken = {
      metrics: () => Promise.reject(new Error('database password is hunter2')),
    } as unknown as MetricsRenderer;
    const logged: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (s: string) => void logged.push(JSON.parse(s)) });
    const s = await listen(createApp({ pipeline, renderer: broken, logger }));
    servers.push(s);
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal_error', message: 'internal server error' });
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/\bat \S+ \(/); // no stack frames
    expect(logged).toHaveLength(1); // but the operator sees it

    // A malformed URI is express's own 400, still JSON.
    const bad = await fetch(`${s.url}/%E0%A4%A`);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
