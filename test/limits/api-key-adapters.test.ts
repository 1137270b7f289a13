// The API key each log shape carries lands in rec.apiKey; the request log holds only its keyed
// pseudonym, and /metrics neither the key nor the pseudonym.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import { loadCatalog } from '../../catalog/src/load.js';
import { fixedClock, setDefaultClock, type Clock } from '../../exporter/src/clock.js';
import { LineRejection, type RequestRecord } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { requestLogLine } from '../../exporter/src/log/request-log.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { fixture } from '../adapters/fixtures.js';

const keyOf = (obj: Record<string, unknown>) => (parseLine(JSON.stringify(obj)) as RequestRecord).apiKey;
const canonical = { timestamp: '2031-03-15T10:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 10, output_tokens: 2 };
// Event-time bounds are judged against the process clock: fix it at the events' instant.
let previous: Clock;
beforeAll(() => {
  previous = setDefaultClock(fixedClock(Date.parse('2031-03-15T10:00:00Z')));
});
afterAll(() => {
  setDefaultClock(previous);
});
const HASH = '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b';

describe('API key in each log shape', () => {
  it('canonical: api_key_id, else api_key', () => {
    expect(keyOf({ ...canonical, api_key_id: 'key_abc', api_key: 'sk-secret' })).toBe('key_abc');
    expect(keyOf({ ...canonical, api_key: 'sk-secret' })).toBe('sk-secret');
    expect(keyOf(canonical)).toBeUndefined();
  });

  it('canonical: a key that is not a string is rejected by field name, never by value', () => {
    let err: unknown;
    try {
      parseLine(JSON.stringify({ ...canonical, api_key_id: 123456789 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineRejection);
    expect((err as LineRejection).field).toBe('api_key_id');
    expect((err as Error).message).toBe('api_key_id: expected a string, got a number');
  });

  it('envelope: the same top-level field', () => {
    const env = { timestamp: '2031-03-15T10:00:00Z', provider: 'openai', api_key_id: 'key_env', response: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } } };
    expect(keyOf(env)).toBe('key_env');
  });

  it('LiteLLM StandardLoggingPayload: metadata.user_api_key_hash, else the alias', () => {
    const line = fixture('litellm-success');
    expect(keyOf(line)).toBe(HASH);
    const meta = { ...(line.metadata as Record<string, unknown>) };
    delete meta.user_api_key_hash;
    expect(keyOf({ ...line, metadata: meta })).toBe('support-bot-prod');
    delete meta.user_api_key_alias;
    expect(keyOf({ ...line, metadata: meta })).toBeUndefined();
  });

  it('LiteLLM SpendLogs row: the hashed api_key column, else the metadata JSON string', () => {
    const row = fixture('litellm-spendlogs');
    expect(keyOf(row)).toBe(HASH);
    const { api_key: _dropped, ...withoutColumn } = row;
    expect(keyOf(withoutColumn)).toBe(HASH); // metadata.user_api_key inside the JSON string
    const meta = JSON.parse(row.metadata as string) as Record<string, unknown>;
    delete meta.user_api_key;
    expect(keyOf({ ...withoutColumn, metadata: JSON.stringify(meta) })).toBe('support-bot-prod');
  });

  it('OpenTelemetry: tokenscope.api_key on the span or its resource; LiteLLM spans by their flattened metadata', () => {
    const attrs = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 };
    expect(keyOf({ timestamp: '2031-03-15T10:00:00Z', ...attrs, 'tokenscope.api_key': 'key-span' })).toBe('key-span');
    expect(keyOf({ startTimeUnixNano: '1931000000000000000', attributes: attrs, resource: { attributes: { 'tokenscope.api_key': 'key-resource' } } })).toBe('key-resource');
    const litellm = { ...attrs, 'litellm.provider.model': 'openai/gpt-4o', 'metadata.user_api_key_hash': HASH, 'metadata.user_api_key_alias': 'bot' };
    expect(keyOf({ timestamp: '2031-03-15T10:00:00Z', ...litellm })).toBe(HASH);
    // Not LiteLLM: a metadata.* attribute means nothing.
    expect(keyOf({ timestamp: '2031-03-15T10:00:00Z', ...attrs, 'metadata.user_api_key_hash': HASH })).toBeUndefined();
  });
});

describe('where the key goes', () => {
  it('the request log line carries its pseudonym, not the key', () => {
    const rec = parseLine(JSON.stringify({ ...canonical, api_key: 'sk-live-123', user_id: 'u-1' })) as RequestRecord;
    const line = requestLogLine(rec, { costUsd: 0, revenueUsd: 0, source: 'none', priced: false }, (id) => pseudonymize('k', id));
    expect(line.api_key).toBe(pseudonymize('k', 'sk-live-123'));
    expect(JSON.stringify(line)).not.toContain('sk-live-123');
  });

  it('is never a metric label', async () => {
    const pipeline = new Pipeline(loadCatalog());
    for (let i = 0; i < 3; i++) expect(pipeline.ingestLine(JSON.stringify({ ...canonical, api_key: `sk-live-${i}`, request_id: `r${i}` }), 'http').ok).toBe(true);
    const text = await new MetricsRenderer(pipeline, { processMetrics: false }).metrics();
    expect(text).toContain('ai_requests_total');
    for (let i = 0; i < 3; i++) {
      expect(text).not.toContain(`sk-live-${i}`);
      expect(text).not.toContain(pseudonymize('k', `sk-live-${i}`));
    }
    expect(text).not.toMatch(/api_key="/);
  });
});
