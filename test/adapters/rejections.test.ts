import { describe, expect, it } from 'vitest';
import { normalize, parseLine } from '../../exporter/src/adapters/index.js';
import { LineRejection, type RejectReason } from '../../exporter/src/events/types.js';
import { fixture } from './fixtures.js';

function rejection(line: string): LineRejection {
  try {
    parseLine(line);
  } catch (err) {
    expect(err).toBeInstanceOf(LineRejection);
    return err as LineRejection;
  }
  throw new Error(`accepted: ${line}`);
}

/** Applies `edit` to a copy of a fixture and returns the rejection of the edited line. */
function rejectEdited(name: string, edit: (o: any) => void): LineRejection {
  const obj = fixture(name);
  edit(obj);
  return rejection(JSON.stringify(obj));
}

function expectRejected(r: LineRejection, reason: RejectReason, field?: string): void {
  expect({ reason: r.reason, field: r.field }).toEqual({ reason, field });
}

describe('line-level rejections', () => {
  it('invalid JSON', () => expectRejected(rejection('{"timestamp": '), 'invalid_json'));
  it('a JSON value that is not an object', () => {
    expectRejected(rejection('[1,2]'), 'not_an_object');
    expectRejected(rejection('"text"'), 'not_an_object');
    expectRejected(rejection('null'), 'not_an_object');
  });
  it('an over-long line is rejected before parsing', () => {
    expectRejected(rejection(`{"a":"${'x'.repeat(1_000_000)}"}`), 'too_long');
  });
  it('an unknown format', () => {
    expectRejected(rejection('{"hello":"world"}'), 'unknown_format');
    expectRejected(rejection('{"timestamp":"2025-06-01T00:00:00Z","model":"gpt-4o"}'), 'unknown_format');
  });
  it('an envelope whose body matches no provider', () => {
    expectRejected(rejectEdited('envelope-openai-chat', (o) => (o.response = { foo: 1 })), 'unknown_format', 'response');
  });
});

describe('missing and invalid fields name their JSON path', () => {
  const cases: [string, string, (o: any) => void, RejectReason, string][] = [
    ['canonical', 'canonical-success', (o) => delete o.timestamp, 'missing_field', 'timestamp'],
    ['canonical', 'canonical-success', (o) => (o.timestamp = 'yesterday'), 'invalid_field', 'timestamp'],
    ['canonical', 'canonical-success', (o) => (o.timestamp = -5), 'invalid_field', 'timestamp'],
    ['canonical', 'canonical-success', (o) => (o.timestamp = 1.7e15), 'invalid_field', 'timestamp'], // microseconds
    ['canonical', 'canonical-success', (o) => delete o.provider, 'missing_field', 'provider'],
    ['canonical', 'canonical-success', (o) => (o.model = 42), 'invalid_field', 'model'],
    ['canonical', 'canonical-success', (o) => delete o.output_tokens, 'missing_field', 'output_tokens'],
    ['canonical', 'canonical-success', (o) => (o.input_tokens = '5200'), 'invalid_field', 'input_tokens'],
    ['canonical', 'canonical-success', (o) => (o.input_tokens = -1), 'invalid_field', 'input_tokens'],
    ['canonical', 'canonical-success', (o) => (o.output_tokens = 1.5), 'invalid_field', 'output_tokens'],
    ['canonical', 'canonical-success', (o) => (o.cache_read_tokens = 9999), 'invalid_field', 'input_tokens'], // exclusive counts
    ['canonical', 'canonical-success', (o) => (o.reasoning_tokens = 701), 'invalid_field', 'output_tokens'],
    ['canonical', 'canonical-success', (o) => (o.latency_ms = 'slow'), 'invalid_field', 'latency_ms'],
    ['canonical', 'canonical-success', (o) => (o.status = 'ok'), 'invalid_field', 'status'],
    ['canonical', 'canonical-success', (o) => (o.status_code = 99), 'invalid_field', 'status_code'],
    ['canonical', 'canonical-success', (o) => (o.team = ['a']), 'invalid_field', 'team'],
    ['canonical', 'canonical-success', (o) => (o.cost_usd = -0.1), 'invalid_field', 'cost_usd'],
    ['canonical', 'canonical-error', (o) => (o.error = 42), 'invalid_field', 'error'],
    ['openai chat', 'envelope-openai-chat', (o) => delete o.response.usage.prompt_tokens, 'missing_field', 'response.usage.prompt_tokens'],
    ['openai chat', 'envelope-openai-chat', (o) => (o.response.usage.completion_tokens = null), 'missing_field', 'response.usage.completion_tokens'],
    ['openai chat', 'envelope-openai-chat', (o) => (o.response.usage.prompt_tokens_details.cached_tokens = -3), 'invalid_field', 'response.usage.prompt_tokens_details.cached_tokens'],
    ['openai chat', 'envelope-openai-chat', (o) => (o.response.usage.prompt_tokens_details.cached_tokens = 6000), 'invalid_field', 'response.usage.prompt_tokens'],
    ['openai chat', 'envelope-openai-chat', (o) => delete o.response.usage, 'missing_field', 'response.usage'],
    ['openai chat', 'envelope-openai-chat', (o) => delete o.timestamp, 'missing_field', 'timestamp'],
    ['openai chat', 'envelope-openai-chat', (o) => (o.response = 'text'), 'invalid_field', 'response'],
    ['openai chat', 'envelope-openai-chat', (o) => (o.response = null), 'missing_field', 'response'],
    ['openai responses', 'envelope-openai-responses', (o) => (o.response.usage.output_tokens = '912'), 'invalid_field', 'response.usage.output_tokens'],
    ['openai responses', 'envelope-openai-responses', (o) => (o.response.usage.output_tokens_details.reasoning_tokens = 1e3), 'invalid_field', 'response.usage.output_tokens'],
    ['anthropic', 'envelope-anthropic', (o) => delete o.response.usage.input_tokens, 'missing_field', 'response.usage.input_tokens'],
    ['anthropic', 'envelope-anthropic', (o) => (o.response.usage.cache_read_input_tokens = 'many'), 'invalid_field', 'response.usage.cache_read_input_tokens'],
    ['anthropic', 'envelope-anthropic', (o) => (o.response.model = 7), 'invalid_field', 'response.model'],
    ['gemini', 'envelope-gemini', (o) => (o.response.usageMetadata.thoughtsTokenCount = -1), 'invalid_field', 'response.usageMetadata.thoughtsTokenCount'],
    ['gemini', 'envelope-gemini', (o) => (o.response.usageMetadata.cachedContentTokenCount = 20000), 'invalid_field', 'response.usageMetadata.promptTokenCount'],
    ['gemini', 'envelope-gemini', (o) => delete o.response.usageMetadata, 'missing_field', 'response.usageMetadata'],
    ['gemini', 'envelope-gemini', (o) => { delete o.response.modelVersion; delete o.model; }, 'missing_field', 'model'],
    ['error body', 'error-openai-429', (o) => delete o.model, 'missing_field', 'model'],
    ['no body', 'error-no-body-timeout', (o) => delete o.provider, 'missing_field', 'provider'],
    ['litellm', 'litellm-success', (o) => delete o.startTime, 'missing_field', 'startTime'],
    ['litellm', 'litellm-success', (o) => delete o.prompt_tokens, 'missing_field', 'prompt_tokens'],
    ['litellm', 'litellm-success', (o) => (o.completion_tokens = -655), 'invalid_field', 'completion_tokens'],
    ['litellm', 'litellm-success', (o) => (o.custom_llm_provider = null), 'missing_field', 'custom_llm_provider'],
    ['litellm', 'litellm-success', (o) => (o.status = 'weird'), 'invalid_field', 'status'],
    ['litellm', 'litellm-success', (o) => (o.response_cost = 'free'), 'invalid_field', 'response_cost'],
    ['litellm', 'litellm-success', (o) => (o.metadata.user_api_key_team_alias = 5), 'invalid_field', 'metadata.user_api_key_team_alias'],
    ['litellm', 'litellm-success', (o) => (o.response.usage.prompt_tokens_details.cached_tokens = 1.5), 'invalid_field', 'response.usage.prompt_tokens_details.cached_tokens'],
    ['otel flat', 'otel-flat', (o) => delete o['gen_ai.request.model'] && delete o['gen_ai.response.model'], 'missing_field', 'gen_ai.request.model'],
    ['otel flat', 'otel-flat', (o) => (o['gen_ai.usage.output_tokens'] = 'lots'), 'invalid_field', 'gen_ai.usage.output_tokens'],
    ['otel flat', 'otel-flat', (o) => delete o.timestamp, 'missing_field', 'startTimeUnixNano'],
    ['otel span', 'otel-span', (o) => delete o.attributes['gen_ai.system'], 'missing_field', 'attributes.gen_ai.provider.name'],
    ['otel span', 'otel-span', (o) => (o.attributes['gen_ai.usage.input_tokens'] = -5), 'invalid_field', 'attributes.gen_ai.usage.input_tokens'],
    ['otel span', 'otel-span', (o) => (o.startTimeUnixNano = 'soon'), 'invalid_field', 'startTimeUnixNano'],
    ['otel span', 'otel-span', (o) => (o.startTimeUnixNano = 1748779500123), 'invalid_field', 'startTimeUnixNano'], // ms, not ns
    ['breaker', 'breaker-open', (o) => (o.state = 'ajar'), 'invalid_field', 'state'],
    ['breaker', 'breaker-open', (o) => delete o.provider, 'missing_field', 'provider'],
    ['breaker', 'breaker-open', (o) => (o.failure_count = -1), 'invalid_field', 'failure_count'],
  ];
  it.each(cases)('%s (%s): %s', (_format, name, edit, reason, field) => {
    expectRejected(rejectEdited(name, edit), reason, field);
  });

  it('says what was expected and the kind of value it got, never the value', () => {
    const r = rejectEdited('envelope-openai-chat', (o) => (o.response.usage.prompt_tokens = '5123'));
    expect(r.message).toBe('response.usage.prompt_tokens: expected a non-negative integer token count, got a string');
    const id = rejectEdited('canonical-success', (o) => (o.user_id = 4242424242));
    expect(id.message).toBe('user_id: expected a string, got a number');
    const text = rejectEdited('canonical-success', (o) => (o.model = { prompt: 'my secret question for bob@example.com' }));
    expect(text.message).toBe('model: expected a string, got an object');
    const json = rejection('{"timestamp": "2025-06-01T00:00:00Z", "note": secret-prompt-text}');
    expect(json.message).not.toContain('secret');
    expect(json.message).toMatch(/^not valid JSON/);
    const totals = rejectEdited('canonical-success', (o) => (o.cache_read_tokens = 987654));
    expect(totals.message).not.toContain('987654');
  });

  const ceilings: [string, (o: any) => void, string][] = [
    ['input_tokens 2^53 - 1', (o) => (o.input_tokens = 9007199254740991), 'input_tokens'],
    ['output_tokens 1e9', (o) => (o.output_tokens = 1_000_000_000), 'output_tokens'],
    ['estimated_input_tokens over 100M', (o) => (o.estimated_input_tokens = 100_000_001), 'estimated_input_tokens'],
    ['cost_usd 1e308', (o) => (o.cost_usd = 1e308), 'cost_usd'],
    ['cost_usd over $10,000', (o) => (o.cost_usd = 10_000.01), 'cost_usd'],
    ['latency_ms over a day', (o) => (o.latency_ms = 86_400_001), 'latency_ms'],
    ['ttft_ms 1e300', (o) => (o.ttft_ms = 1e300), 'ttft_ms'],
  ];
  it.each(ceilings)('rejects %s as over its ceiling, naming the field and not the value', (_what, edit, field) => {
    const r = rejectEdited('canonical-success', edit);
    expectRejected(r, 'invalid_field', field);
    expect(r.message).toMatch(/over the ceiling of /);
    expect(r.message).not.toMatch(/9007199254740991|1e\+?308|1e\+?300|86400001|10000\.01|100000001|1000000000\b/);
  });

  it('accepts values at the ceilings', () => {
    const obj = fixture('canonical-success');
    Object.assign(obj, { input_tokens: 100_000_000, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 10_000, latency_ms: 86_400_000 });
    expect(() => parseLine(JSON.stringify(obj))).not.toThrow();
  });

  it('normalize rejects like parseLine for an already-parsed object', () => {
    expect(() => normalize({ foo: 'bar' })).toThrow(LineRejection);
  });
});
