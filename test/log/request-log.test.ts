// The per-request log line: its fields, the keyed pseudonyms, and that no prompt or completion
// text ever reaches it, through the real pipeline and catalog.
import { createHash, createHmac } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { createRequestLog } from '../../exporter/src/log/request-log.js';
import { createTracker, trackTokens } from '../../exporter/src/sources/sdk/index.js';
import { listen, realCatalog, type Running } from '../server/helpers.js';

const KEY = 'test-hash-key-0123456789';

function capture(): { destination: { write(s: string): void }; raw: string[]; lines(): Array<Record<string, any>> } {
  const raw: string[] = [];
  return { destination: { write: (s: string) => void raw.push(s) }, raw, lines: () => raw.map((s) => JSON.parse(s)) };
}

function loggedPipeline(hashKey: string | Buffer = KEY) {
  const out = capture();
  const log = createRequestLog({ destination: out.destination, hashKey });
  const pipeline = new Pipeline(realCatalog(), { sinks: [log] });
  return { out, log, pipeline };
}

let server: Running | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('pseudonymize', () => {
  it('is HMAC-SHA256(key, id) in hex, truncated to 16 characters', () => {
    const expected = createHmac('sha256', KEY).update('alice@example.com').digest('hex').slice(0, 16);
    expect(pseudonymize(KEY, 'alice@example.com')).toBe(expected);
    expect(pseudonymize(KEY, 'alice@example.com')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is stable for an id and keyed: another key or id gives another pseudonym', () => {
    const a = pseudonymize(KEY, 'user-1');
    expect(pseudonymize(KEY, 'user-1')).toBe(a);
    expect(pseudonymize(Buffer.from(KEY), 'user-1')).toBe(a);
    expect(pseudonymize('another-key', 'user-1')).not.toBe(a);
    expect(pseudonymize(KEY, 'user-2')).not.toBe(a);
    // Not an unkeyed hash of the id, which anyone could recompute from a guess.
    expect(createHash('sha256').update('user-1').digest('hex')).not.toContain(a);
  });

  it('refuses an empty key', () => {
    expect(() => pseudonymize('', 'x')).toThrow(/key/);
    expect(() => createRequestLog({ hashKey: '', destination: capture().destination })).toThrow(/hashKey/);
  });
});

describe('createRequestLog', () => {
  it('writes one llm_request line per counted request with every field', () => {
    const { out, pipeline } = loggedPipeline();
    const r = pipeline.ingestObject(
      {
        timestamp: '2025-06-01T12:00:00.000Z',
        provider: 'anthropic',
        model: 'claude-sonnet-4-20250514',
        feature: 'summarise',
        team: 'research',
        project: 'atlas',
        user_id: 'alice@example.com',
        session_id: 'session-99',
        request_id: 'req-1',
        input_tokens: 1500,
        output_tokens: 300,
        cache_read_tokens: 1000,
        cache_write_tokens: 200,
        reasoning_tokens: 120,
        latency_ms: 1234.5,
        ttft_ms: 210,
        status_code: 200,
      },
      'http',
    );
    expect(r).toEqual({ ok: true });
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    const l = lines[0];
    expect(out.raw[0].endsWith('\n')).toBe(true);
    expect(l).toMatchObject({
      level: 'info',
      msg: 'llm_request',
      request_id: 'req-1',
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      feature: 'summarise',
      team: 'research',
      project: 'atlas',
      user: pseudonymize(KEY, 'alice@example.com'),
      session: pseudonymize(KEY, 'session-99'),
      tokens: { input: 1500, output: 300, cache_read: 1000, cache_write: 200, reasoning: 120, total: 1800 },
      price_source: expect.any(String),
      priced: true,
      status: 'success',
      status_code: 200,
      latency_ms: 1234.5,
      ttft_ms: 210,
      event_time: '2025-06-01T12:00:00.000Z',
    });
    expect(l.cost_usd).toBeGreaterThan(0);
    expect(l.revenue_usd).toBeGreaterThan(l.cost_usd); // the catalog's 35 % markup
    expect(typeof l.time).toBe('string');
    expect(l.pid).toBeUndefined();
    // Ids appear only pseudonymised.
    expect(out.raw[0]).not.toContain('alice@example.com');
    expect(out.raw[0]).not.toContain('session-99');
  });

  it('logs failures with their type and message, and nothing for duplicates or rejected lines', () => {
    const { out, pipeline } = loggedPipeline();
    const ev = {
      timestamp: 1748779200000,
      provider: 'openai',
      model: 'gpt-4o',
      request_id: 'r-9',
      input_tokens: 10,
      output_tokens: 0,
      status_code: 429,
      error: { type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o' },
    };
    expect(pipeline.ingestObject(ev, 'file')).toEqual({ ok: true });
    expect(pipeline.ingestObject(ev, 'file')).toEqual({ ok: true, duplicate: true });
    expect(pipeline.ingestObject({ junk: true }, 'file').ok).toBe(false);
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      status: 'error',
      error_type: 'rate_limit',
      error_message: 'Rate limit reached for gpt-4o',
      status_code: 429,
      event_time: '2025-06-01T12:00:00.000Z',
    });
    expect(lines[0].user).toBeUndefined();
    expect(lines[0].latency_ms).toBeUndefined();
  });

  it('gives the same user the same pseudonym across lines, and a different one under another key', () => {
    const a = loggedPipeline('key-a');
    const b = loggedPipeline('key-b');
    for (const p of [a.pipeline, b.pipeline]) {
      for (let i = 0; i < 3; i++) {
        p.ingestObject({ timestamp: '2025-06-01T12:00:00Z', provider: 'openai', model: 'gpt-4o', user_id: i < 2 ? 'bob' : 'carol', input_tokens: 1, output_tokens: 1 }, 'track');
      }
    }
    const ua = a.out.lines().map((l) => l.user);
    const ub = b.out.lines().map((l) => l.user);
    expect(ua[0]).toBe(ua[1]);
    expect(ua[2]).not.toBe(ua[0]);
    expect(ub[0]).toBe(ub[1]);
    expect(ub[0]).not.toBe(ua[0]);
    expect(ua[0]).toBe(pseudonymize('key-a', 'bob'));
  });

  it('never writes prompt or completion text, from an envelope or through the middleware', async () => {
    const { out, pipeline, log } = loggedPipeline();
    pipeline.ingestObject(
      {
        timestamp: '2025-06-01T12:00:00Z',
        request: { messages: [{ role: 'user', content: 'SECRET_PROMPT_1 my card is 4111' }] },
        messages: [{ role: 'user', content: 'SECRET_PROMPT_2' }],
        prompt: 'SECRET_PROMPT_3',
        response: {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          model: 'gpt-4o',
          choices: [{ index: 0, message: { role: 'assistant', content: 'SECRET_COMPLETION_1' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
        },
      },
      'http',
    );

    const tracker = createTracker({ pipeline, processMetrics: false });
    const app = express();
    app.use(express.json());
    app.post('/chat', trackTokens(tracker), (_req, res) => {
      res.json({
        id: 'msg_1',
        type: 'message',
        model: 'claude-sonnet-4-20250514',
        content: [{ type: 'text', text: 'SECRET_COMPLETION_2' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 7, output_tokens: 3 },
      });
    });
    server = await listen(app);
    const res = await fetch(`${server.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-feature': 'chat' },
      body: JSON.stringify({ model: 'claude-sonnet-4-20250514', system: 'SECRET_PROMPT_4', messages: [{ role: 'user', content: 'SECRET_PROMPT_5' }] }),
    });
    expect(res.status).toBe(200);
    log.flush();

    const lines = out.lines();
    expect(lines).toHaveLength(2); // both were counted and logged...
    expect(lines[1]).toMatchObject({ provider: 'anthropic', feature: 'chat', tokens: { input: 7, output: 3, total: 10 } });
    const all = out.raw.join('');
    expect(all).not.toMatch(/SECRET_/); // ...without a word of what was said
    expect(all).not.toContain('4111');
  });

  it('writes asynchronously to a file descriptor; flushAsync() writes every line in order, flush() what is buffered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-log-'));
    const ingest = (pipeline: Pipeline, prefix: string) => {
      for (let i = 0; i < 5; i++) {
        pipeline.ingestObject({ timestamp: '2025-06-01T12:00:00Z', provider: 'openai', model: 'gpt-4o', request_id: `${prefix}-${i}`, input_tokens: 1, output_tokens: 1 }, 'file');
      }
    };
    const ids = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((s) => JSON.parse(s).request_id as string);

    const fileA = join(dir, 'a.log');
    const fdA = openSync(fileA, 'w');
    try {
      const log = createRequestLog({ destination: fdA, hashKey: KEY });
      ingest(new Pipeline(realCatalog(), { sinks: [log] }), 'a');
      // Asynchronous: the first line went to the thread pool, the rest are buffered.
      expect(ids(fileA).length).toBeLessThan(5);
      await log.flushAsync();
      expect(ids(fileA)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    } finally {
      closeSync(fdA);
    }

    const fileB = join(dir, 'b.log');
    const fdB = openSync(fileB, 'w');
    try {
      const log = createRequestLog({ destination: fdB, hashKey: KEY });
      ingest(new Pipeline(realCatalog(), { sinks: [log] }), 'b');
      log.flush(); // synchronous: everything buffered is on disk when it returns
      expect(ids(fileB)).toEqual(expect.arrayContaining(['b-1', 'b-2', 'b-3', 'b-4']));
      await log.flushAsync();
      expect(ids(fileB).sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);
    } finally {
      closeSync(fdB);
    }
  });

  it('respects the level option', () => {
    const out = capture();
    const log = createRequestLog({ destination: out.destination, hashKey: KEY, level: 'warn' });
    const pipeline = new Pipeline(realCatalog(), { sinks: [log] });
    pipeline.ingestObject({ timestamp: '2025-06-01T12:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 }, 'file');
    expect(out.raw).toHaveLength(0);
    expect(log.logger.level).toBe('warn');
  });
});
