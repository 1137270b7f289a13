import { describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import type { BreakerRecord, IngestRecord, RequestRecord } from '../../exporter/src/events/types.js';
import { fixture, fixtureLine, fixtureNames } from './fixtures.js';

function request(name: string): RequestRecord {
  const rec = parseLine(fixtureLine(name));
  expect(rec.kind).toBe('request');
  return rec as RequestRecord;
}

function breaker(name: string): BreakerRecord {
  const rec = parseLine(fixtureLine(name));
  expect(rec.kind).toBe('breaker');
  return rec as BreakerRecord;
}

describe('canonical events', () => {
  it('maps every documented field', () => {
    expect(request('canonical-success')).toEqual({
      kind: 'request',
      timestampMs: Date.UTC(2025, 5, 1, 12, 0, 0, 250),
      provider: 'openai',
      model: 'gpt-4.1-mini',
      feature: 'search',
      team: 'discovery',
      project: 'storefront',
      userId: 'u-1842',
      sessionId: 'sess-77',
      requestId: 'req-canon-001',
      tokens: { input: 5200, output: 700, cacheRead: 4096, cacheWrite: 0, reasoning: 0 },
      estimatedInputTokens: 5000,
      latencySeconds: 1.83,
      ttftSeconds: 0.41,
      status: 'success',
      statusCode: 200,
      reportedCostUsd: 0.00231,
    });
  });

  it('maps an error event with a provider error type', () => {
    const rec = request('canonical-error');
    expect(rec.timestampMs).toBe(1748779230000);
    expect(rec.status).toBe('error');
    expect(rec.errorType).toBe('rate_limit');
    expect(rec.statusCode).toBe(429);
    expect(rec.errorMessage).toBe('Number of request tokens has exceeded your per-minute rate limit');
  });

  it('keeps an error_type that is already in the taxonomy', () => {
    const line = { ...fixture('canonical-error'), error_type: 'content_filter' };
    expect((parseLine(JSON.stringify(line)) as RequestRecord).errorType).toBe('content_filter');
  });

  it('derives status from status_code or error when status is absent', () => {
    const base = { timestamp: 1748779230000, provider: 'openai', model: 'gpt-4o', input_tokens: 10, output_tokens: 0 };
    expect((parseLine(JSON.stringify({ ...base, status_code: 503 })) as RequestRecord).errorType).toBe('server_error');
    expect((parseLine(JSON.stringify({ ...base, error: 'socket hang up' })) as RequestRecord).status).toBe('error');
    expect((parseLine(JSON.stringify(base)) as RequestRecord).status).toBe('success');
  });

  it('reads epoch seconds and epoch milliseconds', () => {
    const base = { provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 };
    expect(parseLine(JSON.stringify({ ...base, timestamp: 1748779230 })).timestampMs).toBe(1748779230000);
    expect(parseLine(JSON.stringify({ ...base, timestamp: 1748779230.5 })).timestampMs).toBe(1748779230500);
    expect(parseLine(JSON.stringify({ ...base, timestamp: 1748779230123 })).timestampMs).toBe(1748779230123);
  });

  it('reads ISO timestamps with offsets and fractions', () => {
    const base = { provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 };
    const at = (timestamp: string) => parseLine(JSON.stringify({ ...base, timestamp })).timestampMs;
    expect(at('2025-06-01T12:00:00Z')).toBe(Date.UTC(2025, 5, 1, 12));
    expect(at('2025-06-01T14:00:00.5+02:00')).toBe(Date.UTC(2025, 5, 1, 12, 0, 0, 500));
    expect(at('2024-02-29T23:59:59.999999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(at('2025-06-01')).toBe(Date.UTC(2025, 5, 1));
  });

  it('reads an ISO timestamp without a zone as UTC whatever the host time zone', () => {
    const base = { provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 };
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseLine(JSON.stringify({ ...base, timestamp: '2025-06-01T12:00:00' })).timestampMs).toBe(Date.UTC(2025, 5, 1, 12));
      expect(parseLine(JSON.stringify({ ...base, timestamp: '2025-06-01T12:00:00.25' })).timestampMs).toBe(Date.UTC(2025, 5, 1, 12, 0, 0, 250));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('envelope: OpenAI Chat Completions', () => {
  it('prompt_tokens already includes cached tokens; completion_tokens includes reasoning', () => {
    const rec = request('envelope-openai-chat');
    expect(rec.tokens).toEqual({ input: 5123, output: 1480, cacheRead: 4096, cacheWrite: 0, reasoning: 1216 });
  });

  it('takes the served model from the body and attribution from the envelope', () => {
    expect(request('envelope-openai-chat')).toMatchObject({
      provider: 'openai',
      model: 'o4-mini-2025-04-16',
      feature: 'code-review',
      team: 'platform',
      project: 'reviewbot',
      userId: 'u-1842',
      sessionId: 'sess-77',
      requestId: 'req-env-001',
      estimatedInputTokens: 5000,
      latencySeconds: 4.21,
      ttftSeconds: 3.9,
      status: 'success',
      statusCode: 200,
    });
  });

  it('falls back to the envelope model when the body has none', () => {
    const line = fixture('envelope-openai-chat');
    delete (line.response as Record<string, unknown>).model;
    expect((parseLine(JSON.stringify(line)) as RequestRecord).model).toBe('o4-mini');
  });

  it('a content_filter finish reason is an error of type content_filter, tokens kept', () => {
    const rec = request('envelope-openai-content-filter');
    expect(rec).toMatchObject({ provider: 'azure', model: 'gpt-4o-2024-11-20', status: 'error', errorType: 'content_filter', statusCode: 200 });
    expect(rec.tokens).toEqual({ input: 310, output: 12, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });
});

describe('envelope: OpenAI Responses API', () => {
  it('input_tokens includes cached tokens; output_tokens includes reasoning; provider inferred', () => {
    const rec = request('envelope-openai-responses');
    expect(rec.provider).toBe('openai');
    expect(rec.model).toBe('o3-2025-04-16');
    expect(rec.timestampMs).toBe(1748779260000);
    expect(rec.tokens).toEqual({ input: 3280, output: 912, cacheRead: 2048, cacheWrite: 0, reasoning: 384 });
    expect(rec.status).toBe('success');
  });

  it('a failed response is an error classified from its error code', () => {
    const line = fixture('envelope-openai-responses');
    Object.assign(line.response as object, { status: 'failed', error: { code: 'server_error', message: 'The model failed' }, usage: null });
    const rec = parseLine(JSON.stringify(line)) as RequestRecord;
    expect(rec).toMatchObject({ status: 'error', errorType: 'server_error', errorMessage: 'The model failed' });
    expect(rec.tokens.input).toBe(0);
  });
});

describe('envelope: Anthropic Messages', () => {
  it('input_tokens excludes cache reads and writes, so they are added', () => {
    const rec = request('envelope-anthropic');
    // 412 uncached + 18950 cache read + 2210 cache write
    expect(rec.tokens).toEqual({ input: 21572, output: 655, cacheRead: 18950, cacheWrite: 2210, reasoning: 0 });
    expect(rec.model).toBe('claude-sonnet-4-20250514');
    expect(rec.provider).toBe('anthropic');
    expect(rec.latencySeconds).toBe(6.12);
  });

  it('works without cache fields', () => {
    const line = fixture('envelope-anthropic');
    const usage = (line.response as { usage: Record<string, unknown> }).usage;
    delete usage.cache_read_input_tokens;
    delete usage.cache_creation_input_tokens;
    expect((parseLine(JSON.stringify(line)) as RequestRecord).tokens).toEqual({ input: 412, output: 655, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  it('a refusal is a content_filter error', () => {
    const line = fixture('envelope-anthropic');
    (line.response as Record<string, unknown>).stop_reason = 'refusal';
    expect(parseLine(JSON.stringify(line))).toMatchObject({ status: 'error', errorType: 'content_filter' });
  });
});

describe('envelope: Gemini generateContent', () => {
  it('thoughts are not in candidatesTokenCount, so they are added; cached is inside promptTokenCount', () => {
    const rec = request('envelope-gemini');
    expect(rec.tokens).toEqual({ input: 14820, output: 732 + 1638, cacheRead: 12288, cacheWrite: 0, reasoning: 1638 });
    expect(rec.provider).toBe('google');
    expect(rec.model).toBe('gemini-2.5-pro');
    expect(rec.timestampMs).toBe(Date.UTC(2025, 5, 1, 10, 2));
  });

  it('a >200k prompt keeps its full count, tool-use prompt tokens included', () => {
    const rec = request('envelope-gemini-long-prompt');
    expect(rec.tokens).toEqual({ input: 231456 + 1200, output: 2048 + 4096, cacheRead: 0, cacheWrite: 0, reasoning: 4096 });
    expect(rec.provider).toBe('google'); // vertex_ai
  });

  it('a blocked prompt is a content_filter error that still counts its prompt tokens', () => {
    const rec = request('envelope-gemini-blocked');
    expect(rec).toMatchObject({ status: 'error', errorType: 'content_filter', errorMessage: 'prompt blocked: SAFETY' });
    expect(rec.tokens).toEqual({ input: 58, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  it('a candidate stopped for SAFETY is a content_filter error', () => {
    const line = fixture('envelope-gemini');
    (line.response as { candidates: Record<string, unknown>[] }).candidates[0].finishReason = 'SAFETY';
    expect(parseLine(JSON.stringify(line))).toMatchObject({ status: 'error', errorType: 'content_filter' });
  });
});

describe('failed calls', () => {
  const cases: [string, Partial<RequestRecord>][] = [
    ['error-openai-429', { provider: 'openai', model: 'gpt-4o', errorType: 'rate_limit', statusCode: 429, latencySeconds: 0.12 }],
    ['error-openai-400', { provider: 'openai', model: 'gpt-4o-mini', errorType: 'invalid_request', statusCode: 400 }],
    ['error-anthropic-529', { provider: 'anthropic', model: 'claude-opus-4-20250514', errorType: 'server_error', statusCode: 529, errorMessage: 'Overloaded' }],
    ['error-anthropic-401', { provider: 'anthropic', errorType: 'auth_error', statusCode: 401, errorMessage: 'invalid x-api-key' }],
    ['error-gemini-429', { provider: 'google', model: 'gemini-2.5-flash', errorType: 'rate_limit', statusCode: 429 }],
    ['error-gemini-403', { provider: 'google', errorType: 'auth_error', statusCode: 403 }],
    ['error-no-body-timeout', { provider: 'anthropic', model: 'claude-3-5-haiku-latest', errorType: 'timeout', latencySeconds: 600 }],
  ];
  it.each(cases)('%s', (name, expected) => {
    const rec = request(name);
    expect(rec).toMatchObject({ status: 'error', ...expected });
    expect(rec.tokens).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  it('a status_code >= 400 alone makes an error even with an unknown body', () => {
    const rec = parseLine(JSON.stringify({ timestamp: 1748779230000, provider: 'openai', model: 'gpt-4o', status_code: 502, response: '<html>Bad gateway</html>' }));
    expect(rec).toMatchObject({ status: 'error', errorType: 'server_error', statusCode: 502 });
    expect(JSON.stringify(rec)).not.toContain('html');
  });

  it('keeps at most a 200-character summary of an error message', () => {
    const rec = parseLine(JSON.stringify({ timestamp: 1748779230000, provider: 'openai', model: 'gpt-4o', status_code: 500, error: 'x'.repeat(2000) })) as RequestRecord;
    expect(rec.errorMessage).toHaveLength(200);
    expect(rec.errorMessage!.endsWith('…')).toBe(true);
  });
});

describe('LiteLLM StandardLoggingPayload', () => {
  it('success: prompt_tokens includes cache; breakdown from response.usage; attribution from metadata', () => {
    expect(request('litellm-success')).toEqual({
      kind: 'request',
      timestampMs: 1748779320512,
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      feature: 'ticket-summary', // spend_logs_metadata wins over the feature: tag
      team: 'support',
      project: 'helpdesk',
      userId: 'cust-991', // end_user is empty, so the key's end user id
      sessionId: 'conv-5521',
      apiKey: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', // metadata.user_api_key_hash
      requestId: 'chatcmpl-2b3c1a4e-7f0d-4c55-9d5e-0a5e1f7c2b11',
      tokens: { input: 21572, output: 655, cacheRead: 18950, cacheWrite: 2210, reasoning: 0 },
      latencySeconds: expect.closeTo(4.469, 6),
      ttftSeconds: expect.closeTo(0.89, 6),
      status: 'success',
      reportedCostUsd: 0.0213915,
    });
  });

  it('failure: error class and code classify it; team id, end_user and tags are used', () => {
    expect(request('litellm-failure')).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      status: 'error',
      errorType: 'rate_limit',
      statusCode: 429,
      team: 'team-2b1c',
      userId: 'shopper-42',
      project: 'storefront',
      reportedCostUsd: 0,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
    expect(request('litellm-failure').errorMessage).toMatch(/^litellm\.RateLimitError/);
  });

  it('adds cache writes back when an older LiteLLM left them out of prompt_tokens', () => {
    const line = fixture('litellm-success');
    line.prompt_tokens = 412 + 18950; // reads in, writes out
    (line.response as { usage: Record<string, unknown> }).usage.prompt_tokens = 412 + 18950;
    // 19362 >= 18950 + 2210 is false, so the writes are added
    expect((parseLine(JSON.stringify(line)) as RequestRecord).tokens.input).toBe(21572);
  });

  it('maps LiteLLM provider names', () => {
    const line = fixture('litellm-success');
    for (const [raw, slug] of [['vertex_ai', 'google'], ['gemini', 'google'], ['together_ai', 'together'], ['ollama_chat', 'ollama'], ['bedrock', 'bedrock']]) {
      line.custom_llm_provider = raw;
      expect((parseLine(JSON.stringify(line)) as RequestRecord).provider).toBe(slug);
    }
  });
});

describe('OpenTelemetry GenAI spans', () => {
  it('flat attributes: input already includes cache (semconv), provider mapped', () => {
    expect(request('otel-flat')).toMatchObject({
      timestampMs: Date.UTC(2025, 5, 1, 12, 6),
      provider: 'bedrock',
      model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      requestId: 'msg_bdrk_01EXAMPLE',
      tokens: { input: 3200, output: 410, cacheRead: 2048, cacheWrite: 512, reasoning: 0 },
      status: 'success',
    });
  });

  it('a span: nanosecond times, old cache attribute name, resource attribution', () => {
    expect(request('otel-span')).toMatchObject({
      timestampMs: 1748779500123,
      latencySeconds: 2.5,
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      sessionId: 'conv_1',
      feature: 'search',
      team: 'discovery',
      tokens: { input: 1500, output: 200, cacheRead: 1024, cacheWrite: 0, reasoning: 0 },
      status: 'success',
    });
  });

  it('nanosecond strings are cut to milliseconds exactly', () => {
    const line = { ...fixture('otel-span'), startTimeUnixNano: '1748779500999999999' };
    expect(parseLine(JSON.stringify(line)).timestampMs).toBe(1748779500999);
  });

  it('an ERROR span with error.type', () => {
    expect(request('otel-span-error')).toMatchObject({
      provider: 'google',
      model: 'gemini-2.5-flash',
      status: 'error',
      errorType: 'timeout',
      errorMessage: 'Deadline expired before operation could complete.',
      latencySeconds: 30,
    });
  });

  it('an input total smaller than its cache parts is treated as exclusive and summed', () => {
    const line = { ...fixture('otel-flat'), 'gen_ai.usage.input_tokens': 400, 'gen_ai.usage.cache_read.input_tokens': 18950, 'gen_ai.usage.cache_creation.input_tokens': 2210 };
    expect((parseLine(JSON.stringify(line)) as RequestRecord).tokens.input).toBe(400 + 18950 + 2210);
  });
});

describe('circuit breaker events', () => {
  it('open, with provider normalised', () => {
    expect(breaker('breaker-open')).toEqual({ kind: 'breaker', timestampMs: Date.UTC(2025, 5, 1, 12, 7), provider: 'anthropic', state: 'open', failureCount: 12 });
  });
  it('half-open spelt with a hyphen, epoch seconds', () => {
    expect(breaker('breaker-half-open')).toEqual({ kind: 'breaker', timestampMs: 1748779650000, provider: 'google', state: 'half_open', failureCount: undefined });
  });
});

describe('all fixtures', () => {
  it('there are fixtures to test', () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtureNames)('%s never copies prompt or completion text into the record', (name) => {
    const rec: IngestRecord = parseLine(fixtureLine(name));
    const json = JSON.stringify(rec);
    expect(json).not.toContain('SECRET');
  });
});
