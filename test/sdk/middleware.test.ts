// trackTokens() in a tiny real Express app whose routes return provider-shaped bodies, as an app
// proxying LLM calls would. Token semantics come from the adapters: checked via /metrics.
import express, { type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracker, trackTokens, type Tracker, type TrackTarget } from '../../exporter/src/sources/sdk/index.js';
import { parseExposition, sum, type Sample } from '../support/exposition.js';
import { listen, realCatalog, type Running } from '../server/helpers.js';

const ANTHROPIC_BODY = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [{ type: 'text', text: 'Sure, here is the answer.' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 50 },
};

const OPENAI_BODY = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320, prompt_tokens_details: { cached_tokens: 100 } },
};

let server: Running | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function captureLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), lines };
}

/** The proxy app: auth stand-in, JSON body parser, and LLM routes behind trackTokens. */
async function startApp(tracker: TrackTarget, mw = trackTokens(tracker)): Promise<Running> {
  const app = express();
  let n = 0;
  app.use(express.json());
  app.use((req: Request, _res: Response, next: NextFunction) => {
    Object.assign(req, { user: { id: 'user-42' }, session: { id: 'sess-7' }, id: `app-req-${++n}` });
    next();
  });
  app.post('/anthropic', mw, async (_req, res) => {
    await new Promise((r) => setTimeout(r, 50));
    res.json(ANTHROPIC_BODY);
  });
  app.post('/openai', mw, (_req, res) => {
    res.send(OPENAI_BODY); // res.send of an object goes through res.json
  });
  app.post('/throws', mw, () => {
    throw new Error('upstream exploded');
  });
  app.post('/fails', mw, (_req, res) => {
    res.status(500).json({ error: 'upstream failed' });
  });
  app.post('/rate-limited', mw, (_req, res) => {
    res.status(429).json({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });
  app.get('/status', mw, (_req, res) => {
    res.json({ ok: true });
  });
  if ('handler' in tracker) app.get('/metrics', (tracker as Tracker).handler());
  return listen(app);
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<globalThis.Response> {
  return fetch(`${server!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function scrape(): Promise<Sample[]> {
  return parseExposition(await (await fetch(`${server!.url}/metrics`)).text());
}

describe('trackTokens middleware', () => {
  it('records an Anthropic response with Anthropic token semantics and the request attribution', async () => {
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker);
    const res = await post('/anthropic', { model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'hello' }] }, {
      'x-feature': 'support-bot',
      'x-team': 'support',
      'x-project': 'helpdesk',
      'x-request-id': 'abc-123',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(ANTHROPIC_BODY); // the app's response is untouched

    const s = await scrape();
    const where = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', feature: 'support-bot', team: 'support' };
    expect(sum(s, 'ai_requests_total', { ...where, status: 'success' })).toBe(1);
    // Anthropic's input_tokens excludes the cache: inclusive input = 100 + 1000 + 200.
    expect(sum(s, 'ai_tokens_input_total', where)).toBe(1300);
    expect(sum(s, 'ai_tokens_cache_read_total', where)).toBe(1000);
    expect(sum(s, 'ai_tokens_cache_write_total', where)).toBe(200);
    expect(sum(s, 'ai_tokens_output_total', where)).toBe(50);
    expect(sum(s, 'ai_project_requests_total', { project: 'helpdesk' })).toBe(1);
    expect(sum(s, 'ai_cost_dollars_total', where)).toBeGreaterThan(0);
    // Latency is measured from the request to res.json: the route waited 50 ms.
    expect(sum(s, 'ai_request_duration_seconds_sum', { provider: 'anthropic' })).toBeGreaterThanOrEqual(0.03);
    expect(sum(s, 'ai_request_duration_seconds_sum', { provider: 'anthropic' })).toBeLessThan(5);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'track' })).toBe(1);
  });

  it('records an OpenAI body sent with res.send, and dedupes on x-request-id', async () => {
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker);
    await post('/openai', { model: 'gpt-4o' }, { 'x-request-id': 'same' });
    await post('/openai', { model: 'gpt-4o' }, { 'x-request-id': 'same' });
    await post('/openai', { model: 'gpt-4o' }); // no header: falls back to req.id, unique per request
    const s = await scrape();
    expect(sum(s, 'ai_requests_total', { provider: 'openai', model: 'gpt-4o-2024-08-06', feature: 'unknown' })).toBe(2);
    expect(sum(s, 'ai_tokens_input_total', { provider: 'openai' })).toBe(600);
    expect(sum(s, 'ai_tokens_cache_read_total', { provider: 'openai' })).toBe(200);
    expect(sum(s, 'ai_exporter_duplicate_requests_total', { source: 'track' })).toBe(1);
  });

  it('counts a route that throws and one that answers 500 as failed requests', async () => {
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker);
    const thrown = await post('/throws', { model: 'claude-sonnet-4-20250514', messages: [] });
    expect(thrown.status).toBe(500);
    const failed = await post('/fails', { model: 'gpt-4o' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'upstream failed' });
    const limited = await post('/rate-limited', { model: 'claude-sonnet-4-20250514' });
    expect(limited.status).toBe(429);

    const s = await scrape();
    expect(sum(s, 'ai_requests_total', { status: 'success' })).toBe(0);
    expect(sum(s, 'ai_requests_total', { provider: 'anthropic', model: 'claude-sonnet-4-20250514', status: 'error' })).toBe(2);
    expect(sum(s, 'ai_requests_total', { provider: 'openai', model: 'gpt-4o', status: 'error' })).toBe(1);
    expect(sum(s, 'ai_request_errors_total', { provider: 'anthropic', error_type: 'server_error' })).toBe(1);
    expect(sum(s, 'ai_request_errors_total', { provider: 'anthropic', error_type: 'rate_limit' })).toBe(1);
    expect(sum(s, 'ai_request_errors_total', { provider: 'openai', error_type: 'server_error' })).toBe(1);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'track' })).toBe(0);
  });

  it('ignores JSON responses that are not LLM calls', async () => {
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker);
    const res = await fetch(`${server.url}/status`);
    expect(await res.json()).toEqual({ ok: true });
    const s = await scrape();
    expect(sum(s, 'ai_exporter_lines_total', { source: 'track' })).toBe(0);
  });

  it('uses the provider option over the body shape', async () => {
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker, trackTokens(tracker, { provider: () => 'azure' }));
    await post('/openai', { model: 'gpt-4o' });
    const s = await scrape();
    expect(sum(s, 'ai_requests_total', { provider: 'azure' })).toBe(1);
    expect(sum(s, 'ai_requests_total', { provider: 'openai' })).toBe(0);
  });

  it('never breaks the response when tracking fails, and logs the failure', async () => {
    const { logger, lines } = captureLogger();
    const throwing: TrackTarget = {
      track: () => {
        throw new Error('tracker is broken');
      },
    };
    server = await startApp(throwing, trackTokens(throwing, { logger }));
    const res = await post('/anthropic', { model: 'claude-sonnet-4-20250514' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(ANTHROPIC_BODY);
    const failed = await post('/fails', { model: 'gpt-4o' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'upstream failed' });
    expect(lines.filter((l) => String(l.msg).includes('tracking failed'))).toHaveLength(2);

    // A throwing provider callback is a tracking failure too.
    await server.close();
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    server = await startApp(tracker, trackTokens(tracker, { logger, provider: () => { throw new Error('no'); } }));
    const res2 = await post('/openai', { model: 'gpt-4o' });
    expect(await res2.json()).toEqual(OPENAI_BODY);
    expect(lines.filter((l) => String(l.msg).includes('tracking failed'))).toHaveLength(3);
  });

  it('logs (and does not count) a provider body the adapters reject, still answering normally', async () => {
    const { logger, lines } = captureLogger();
    const tracker = createTracker({ catalog: realCatalog(), processMetrics: false });
    const app = express();
    app.post('/weird', trackTokens(tracker, { logger }), (_req, res) => {
      res.json({ type: 'message', model: 'claude-sonnet-4-20250514', usage: { input_tokens: 'lots', output_tokens: 1 } });
    });
    app.get('/metrics', tracker.handler());
    server = await listen(app);
    const res = await fetch(`${server.url}/weird`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await res.json()).usage.input_tokens).toBe('lots');
    const warn = lines.find((l) => String(l.msg).includes('request not tracked'));
    expect(warn).toMatchObject({ reason: 'invalid_field' });
    const s = await scrape();
    expect(sum(s, 'ai_requests_total')).toBe(0);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'track', reason: 'invalid_field' })).toBe(1);
  });
});
