// Every provider response shape an envelope's `response` can hold (docs/events.md, "Envelope"):
// tokens by type and the cost they price to. Each expected cost is worked out by hand in the
// comment above it from the per-million prices in @pydantic/genai-prices (node_modules) — so a
// wrong number is a wrong reading or a wrong price, not a wrong test.
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import { loadCatalog } from '../../catalog/src/load.js';
import { LineRejection, type RequestRecord, type TokenCounts } from '../../exporter/src/events/types.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { fixture, fixtureLine } from './fixtures.js';

const pricer = new Pricer(loadCatalog());

function request(line: string): RequestRecord {
  const rec = parseLine(line);
  expect(rec.kind).toBe('request');
  return rec as RequestRecord;
}

const edited = (name: string, edit: (o: any) => void): string => {
  const o = fixture(name);
  edit(o);
  return JSON.stringify(o);
};

function rejection(line: string): LineRejection {
  try {
    parseLine(line);
  } catch (err) {
    expect(err).toBeInstanceOf(LineRejection);
    return err as LineRejection;
  }
  throw new Error('accepted');
}

const tok = (t: Partial<TokenCounts>): TokenCounts => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...t });

/** fixture, provider, model, tokens, cost in dollars (hand-computed). */
const SHAPES: [string, string, string, TokenCounts, number][] = [
  // gpt-audio: $2.50/M text in, $32/M audio in, $10/M text out, $64/M audio out.
  // (1200 − 820) × 2.5 + 820 × 32 + (530 − 410) × 10 + 410 × 64 = 950 + 26240 + 1200 + 26240 = 54,630 $/M
  ['envelope-openai-chat-audio', 'openai', 'gpt-audio-2025-08-28', tok({ input: 1200, output: 530, inputAudio: 820, outputAudio: 410 }), 0.05463],
  // openrouter anthropic/claude-sonnet-4: $3/M in, $0.30/M cache read, $3.75/M cache write, $15/M out.
  // (10200 − 8000 − 2000) × 3 + 8000 × 0.3 + 2000 × 3.75 + 300 × 15 = 600 + 2400 + 7500 + 4500 = 15,000 $/M
  ['envelope-openrouter-chat-cache-write', 'openrouter', 'anthropic/claude-sonnet-4', tok({ input: 10200, output: 300, cacheRead: 8000, cacheWrite: 2000 }), 0.015],
  // same prices: (5000 − 3000 − 1500) × 3 + 3000 × 0.3 + 1500 × 3.75 + 800 × 15 = 1500 + 900 + 5625 + 12000 = 20,025 $/M
  ['envelope-openrouter-responses-cache-write', 'openrouter', 'anthropic/claude-sonnet-4', tok({ input: 5000, output: 800, cacheRead: 3000, cacheWrite: 1500 }), 0.020025],
  // claude-sonnet-4: $3/M in, $0.30/M read, $3.75/M 5-minute write, $6/M 1-hour write, $15/M out.
  // 500 × 3 + 10000 × 0.3 + 1000 × 3.75 + 2000 × 6 + 700 × 15 = 1500 + 3000 + 3750 + 12000 + 10500 = 30,750 $/M
  ['envelope-anthropic-cache-ttl', 'anthropic', 'claude-sonnet-4-20250514', tok({ input: 13500, output: 700, cacheRead: 10000, cacheWrite: 3000, cacheWrite1h: 2000 }), 0.03075],
  // grok-3-mini: $0.30/M in, $0.075/M cached, $0.50/M out; reasoning is added to output (total 2400 = 1200 + 300 + 900).
  // (1200 − 400) × 0.3 + 400 × 0.075 + (300 + 900) × 0.5 = 240 + 30 + 600 = 870 $/M
  ['envelope-xai-chat-reasoning', 'xai', 'grok-3-mini', tok({ input: 1200, output: 1200, cacheRead: 400, reasoning: 900 }), 0.00087],
  // gemini-2.5-flash: $0.30/M text in, $0.03/M cached text, $1/M audio in, $0.10/M cached audio, $2.50/M out (thoughts too).
  // uncached text (7500 − 3000 − (6000 − 2000)) = 500 × 0.3 = 150; cached text 1000 × 0.03 = 30;
  // uncached audio 4000 × 1 = 4000; cached audio 2000 × 0.1 = 200; output (400 + 1200) × 2.5 = 4000 → 8,380 $/M
  ['envelope-gemini-audio', 'google', 'gemini-2.5-flash', tok({ input: 7500, output: 1600, cacheRead: 3000, reasoning: 1200, inputAudio: 6000, cacheReadAudio: 2000 }), 0.00838],
  // gpt-4o-mini: $0.15/M in, $0.075/M cached, $0.60/M out. 338 × 0.15 + 512 × 0.075 + 120 × 0.6 = 50.7 + 38.4 + 72 = 161.1 $/M
  ['envelope-openai-stream', 'openai', 'gpt-4o-mini-2024-07-18', tok({ input: 850, output: 120, cacheRead: 512 }), 0.0001611],
  // azure gpt-4o: $2.50/M in, $10/M out. 2000 × 2.5 + 250 × 10 = 7,500 $/M
  ['envelope-azure-stream-sse', 'azure', 'gpt-4o-2024-11-20', tok({ input: 2000, output: 250 }), 0.0075],
  // groq llama-3.3-70b-versatile: $0.59/M in, $0.79/M out. 1500 × 0.59 + 420 × 0.79 = 885 + 331.8 = 1,216.8 $/M
  ['envelope-groq-stream', 'groq', 'llama-3.3-70b-versatile', tok({ input: 1500, output: 420 }), 0.0012168],
  // claude-sonnet-4: message_start input 472 + cache read 2048, message_delta output 589 (not 1, not 590).
  // 472 × 3 + 2048 × 0.3 + 589 × 15 = 1416 + 614.4 + 8835 = 10,865.4 $/M
  ['envelope-anthropic-stream', 'anthropic', 'claude-sonnet-4-20250514', tok({ input: 2520, output: 589, cacheRead: 2048 }), 0.0108654],
  // o4-mini: $1.10/M in, $0.275/M cached, $4.40/M out. 1176 × 1.1 + 1024 × 0.275 + 640 × 4.4 = 1293.6 + 281.6 + 2816 = 4,391.2 $/M
  ['envelope-openai-responses-stream', 'openai', 'o4-mini-2025-04-16', tok({ input: 2200, output: 640, cacheRead: 1024, reasoning: 448 }), 0.0043912],
  // gemini-2.5-flash, last chunk: 1200 × 0.3 + (300 + 500) × 2.5 = 360 + 2000 = 2,360 $/M
  ['envelope-gemini-stream', 'google', 'gemini-2.5-flash', tok({ input: 1200, output: 800, reasoning: 500 }), 0.00236],
  // aws claude-3.5-sonnet v2: $3/M in, $0.30/M read, $3.75/M write, $15/M out; inputTokens 120 excludes the cache.
  // 120 × 3 + 3000 × 0.3 + 1000 × 3.75 + 350 × 15 = 360 + 900 + 3750 + 5250 = 10,260 $/M
  ['envelope-bedrock-converse', 'bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', tok({ input: 4120, output: 350, cacheRead: 3000, cacheWrite: 1000 }), 0.01026],
  // aws amazon.nova-pro-v1:0: $0.80/M in, $3.20/M out. 900 × 0.8 + 210 × 3.2 = 720 + 672 = 1,392 $/M
  ['envelope-bedrock-converse-stream', 'bedrock', 'amazon.nova-pro-v1:0', tok({ input: 900, output: 210 }), 0.001392],
  // cohere command-r-plus: $2.50/M in, $10/M out, billed units. 412 × 2.5 + 96 × 10 = 1030 + 960 = 1,990 $/M
  ['envelope-cohere-v1', 'cohere', 'command-r-plus', tok({ input: 412, output: 96 }), 0.00199],
  // cohere command-a: $2.50/M in, $10/M out. 1024 × 2.5 + 256 × 10 = 2560 + 2560 = 5,120 $/M
  ['envelope-cohere-v2', 'cohere', 'command-a-03-2025', tok({ input: 1024, output: 256 }), 0.00512],
  // claude-3-5-haiku: $0.80/M in, $0.08/M read, $1/M write, $4/M out. 300 × 0.8 + 4000 × 0.08 + 1200 × 1 + 250 × 4 = 240 + 320 + 1200 + 1000 = 2,760 $/M
  ['envelope-anthropic-untyped', 'anthropic', 'claude-3-5-haiku-20241022', tok({ input: 5500, output: 250, cacheRead: 4000, cacheWrite: 1200 }), 0.00276],
  // gpt-4.1: $2/M in, $0.50/M cached, $8/M out. 2000 × 2 + 4000 × 0.5 + 900 × 8 = 4000 + 2000 + 7200 = 13,200 $/M
  ['envelope-openai-responses-untyped', 'openai', 'gpt-4.1-2025-04-14', tok({ input: 6000, output: 900, cacheRead: 4000 }), 0.0132],
  // claude-sonnet-4 via LiteLLM: 412 × 3 + 18950 × 0.3 + 2210 × 3.75 + 655 × 15 = 1236 + 5685 + 8287.5 + 9825 = 25,033.5 $/M
  ['litellm-spendlogs', 'anthropic', 'claude-sonnet-4-20250514', tok({ input: 21572, output: 655, cacheRead: 18950, cacheWrite: 2210 }), 0.0250335],
];

describe('response shapes: tokens by type and cost', () => {
  it.each(SHAPES)('%s', (name, provider, model, tokens, cost) => {
    const rec = request(fixtureLine(name));
    expect(rec).toMatchObject({ provider, model, status: 'success' });
    expect(rec.tokens).toEqual(tokens);
    const price = pricer.price(rec);
    expect(price.source).toBe('genai-prices');
    expect(price.costUsd).toBeCloseTo(cost, 12);
  });

  it("audio is priced through genai-prices' own Usage fields", () => {
    // The same request priced by calcPrice directly, with its input_audio / cache_audio_read / output_audio units.
    const gemini = calcPrice(
      { input_tokens: 7500, cache_read_tokens: 3000, input_audio_tokens: 6000, cache_audio_read_tokens: 2000, output_tokens: 1600 },
      'gemini-2.5-flash',
      { providerId: 'google', timestamp: new Date('2025-09-01T09:40:00Z') },
    );
    expect(pricer.price(request(fixtureLine('envelope-gemini-audio'))).costUsd).toBeCloseTo(gemini!.total_price, 12);
    const audio = calcPrice({ input_tokens: 1200, input_audio_tokens: 820, output_tokens: 530, output_audio_tokens: 410 }, 'gpt-audio-2025-08-28', {
      providerId: 'openai',
      timestamp: new Date('2025-09-01T09:15:00Z'),
    });
    expect(pricer.price(request(fixtureLine('envelope-openai-chat-audio'))).costUsd).toBeCloseTo(audio!.total_price, 12);
  });

  it('keeps envelope attribution and stream latency', () => {
    expect(request(fixtureLine('envelope-openai-stream'))).toMatchObject({ feature: 'search', latencySeconds: 1.84, ttftSeconds: 0.31 });
    expect(request(fixtureLine('envelope-anthropic-stream'))).toMatchObject({ team: 'support', feature: 'support-chat' });
  });
});

describe('OpenAI-shaped usage', () => {
  it('xAI via a gateway reports reasoning inside completion_tokens: total = prompt + completion, nothing added', () => {
    const rec = request(
      edited('envelope-xai-chat-reasoning', (o) => {
        o.provider = 'openrouter';
        Object.assign(o.response.usage, { completion_tokens: 1200, total_tokens: 2400 });
      }),
    );
    expect(rec.tokens).toEqual(tok({ input: 1200, output: 1200, cacheRead: 400, reasoning: 900 }));
  });

  it('without total_tokens, a completion count below the reasoning cannot include it, so it is added', () => {
    const rec = request(edited('envelope-xai-chat-reasoning', (o) => delete o.response.usage.total_tokens));
    expect(rec.tokens.output).toBe(1200);
  });

  it('a total matching neither convention with completion < reasoning is rejected on completion_tokens', () => {
    const r = rejection(edited('envelope-xai-chat-reasoning', (o) => (o.response.usage.total_tokens = 1500)));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response.usage.completion_tokens' });
  });

  it('audio that cannot fit in the uncached prompt was read from the cache', () => {
    // 1200 prompt, 1000 cached, 820 audio: at most 200 uncached, so at least 620 audio was cached.
    const rec = request(edited('envelope-openai-chat-audio', (o) => (o.response.usage.prompt_tokens_details.cached_tokens = 1000)));
    expect(rec.tokens).toMatchObject({ cacheRead: 1000, inputAudio: 820, cacheReadAudio: 620 });
  });

  it('audio tokens above their total are rejected, naming the field', () => {
    const r = rejection(edited('envelope-openai-chat-audio', (o) => (o.response.usage.prompt_tokens_details.audio_tokens = 5000)));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response.usage.prompt_tokens_details.audio_tokens' });
    expect(r.message).not.toMatch(/5000|1200/);
  });

  it('a single final usage chunk is a body of its own', () => {
    const chunks = fixture('envelope-openai-stream').response as object[];
    const line = JSON.stringify({ ...fixture('envelope-openai-stream'), response: chunks[chunks.length - 1] });
    expect(request(line).tokens).toEqual(tok({ input: 850, output: 120, cacheRead: 512 }));
  });
});

describe('Anthropic usage', () => {
  it('the TTL split alone gives the cache writes', () => {
    const rec = request(edited('envelope-anthropic-cache-ttl', (o) => delete o.response.usage.cache_creation_input_tokens));
    expect(rec.tokens).toEqual(tok({ input: 13500, output: 700, cacheRead: 10000, cacheWrite: 3000, cacheWrite1h: 2000 }));
  });

  it('a split larger than cache_creation_input_tokens is rejected', () => {
    const r = rejection(edited('envelope-anthropic-cache-ttl', (o) => (o.response.usage.cache_creation.ephemeral_1h_input_tokens = 2500)));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response.usage.cache_creation_input_tokens' });
  });

  it('output_tokens_details.thinking_tokens is the reasoning part of output_tokens', () => {
    const rec = request(edited('envelope-anthropic-cache-ttl', (o) => (o.response.usage.output_tokens_details = { thinking_tokens: 400 })));
    expect(rec.tokens).toMatchObject({ output: 700, reasoning: 400 });
  });

  it('a 1-hour write the price data has no price for is priced at 2x base input (Claude on Bedrock)', () => {
    // aws claude-sonnet-4: $3/M in, $0.30/M read, $3.75/M write, no 1-hour price → 2 × $3 = $6/M.
    // 500 × 3 + 10000 × 0.3 + 1000 × 3.75 + 2000 × 6 + 700 × 15 = 30,750 $/M (without the rule: 2000 × 3.75 → 0.0273)
    const rec = request(
      edited('envelope-anthropic-cache-ttl', (o) => {
        o.provider = 'bedrock';
        o.model = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
        delete o.response.model;
      }),
    );
    expect(pricer.price(rec)).toMatchObject({ source: 'genai-prices' });
    expect(pricer.price(rec).costUsd).toBeCloseTo(0.03075, 12);
  });

  it('a stream as a list of events reads the same as its transcript', () => {
    const sse = fixture('envelope-anthropic-stream').response as string;
    const events = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    const rec = request(JSON.stringify({ ...fixture('envelope-anthropic-stream'), response: events }));
    expect(rec.tokens).toEqual(tok({ input: 2520, output: 589, cacheRead: 2048 }));
  });

  it('cumulative counts: the last message_delta wins, and later counts replace message_start ones', () => {
    const sse = fixture('envelope-anthropic-stream').response as string;
    const events = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    const delta = events.find((e) => e.type === 'message_delta');
    events.splice(events.indexOf(delta), 0, { ...delta, usage: { output_tokens: 200 } });
    delta.usage = { input_tokens: 472, cache_read_input_tokens: 2048, cache_creation_input_tokens: 100, output_tokens: 589 };
    const rec = request(JSON.stringify({ ...fixture('envelope-anthropic-stream'), response: events }));
    expect(rec.tokens).toEqual(tok({ input: 2620, output: 589, cacheRead: 2048, cacheWrite: 100 }));
  });

  it('a refusal in message_delta is a content filter; an error event a failure', () => {
    const refused = edited('envelope-anthropic-stream', (o) => (o.response = o.response.replace('"stop_reason":"end_turn"', '"stop_reason":"refusal"')));
    expect(request(refused)).toMatchObject({ status: 'error', errorType: 'content_filter' });
    const overloaded = edited(
      'envelope-anthropic-stream',
      (o) => (o.response += 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'),
    );
    expect(request(overloaded)).toMatchObject({ status: 'error', errorType: 'server_error', errorMessage: 'Overloaded' });
  });
});

describe('Gemini modality details', () => {
  it('without cacheTokensDetails, cached audio is inferred only when the uncached part cannot hold it', () => {
    const rec = request(edited('envelope-gemini-audio', (o) => delete o.response.usageMetadata.cacheTokensDetails));
    // 7500 prompt − 3000 cached = 4500 uncached < 6000 audio → at least 1500 audio was cached.
    expect(rec.tokens).toMatchObject({ inputAudio: 6000, cacheReadAudio: 1500 });
  });

  it('audio output from candidatesTokensDetails', () => {
    const rec = request(
      edited('envelope-gemini-audio', (o) => (o.response.usageMetadata.candidatesTokensDetails = [{ modality: 'AUDIO', tokenCount: 400 }])),
    );
    expect(rec.tokens).toMatchObject({ output: 1600, reasoning: 1200, outputAudio: 400 });
  });

  it('a bad tokenCount is rejected with its path and without its value', () => {
    const r = rejection(edited('envelope-gemini-audio', (o) => (o.response.usageMetadata.promptTokensDetails[1].tokenCount = 'SECRET-6000')));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response.usageMetadata.promptTokensDetails[1].tokenCount' });
    expect(r.message).not.toContain('SECRET');
  });

  it('cached audio above the cache reads is rejected', () => {
    const r = rejection(edited('envelope-gemini-audio', (o) => (o.response.usageMetadata.cacheTokensDetails[1].tokenCount = 3500)));
    expect(r.field).toBe('response.usageMetadata.cacheTokensDetails');
  });
});

describe('streams', () => {
  it('a chat stream without a usage chunk is rejected: usage needs stream_options.include_usage', () => {
    const r = rejection(edited('envelope-openai-stream', (o) => o.response.pop()));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'missing_field', field: 'response[2]' });
    expect(r.message).toContain('include_usage');
  });

  it('a bad count names the event it is in', () => {
    const r = rejection(edited('envelope-openai-stream', (o) => (o.response[3].usage.prompt_tokens = '850')));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response[3].usage.prompt_tokens' });
    const g = rejection(edited('envelope-groq-stream', (o) => (o.response[2].x_groq.usage.completion_tokens = -1)));
    expect(g.field).toBe('response[2].x_groq.usage.completion_tokens');
    const a = rejection(edited('envelope-anthropic-stream', (o) => (o.response = o.response.replace('"output_tokens":589', '"output_tokens":"589"'))));
    expect(a.field).toBe('response[5].usage.output_tokens');
  });

  it('a transcript whose data is not JSON is rejected without quoting it', () => {
    const r = rejection(edited('envelope-azure-stream-sse', (o) => (o.response = o.response.replace('{"choices":[{"content_filter_results":{"hate"', '{SECRET-COMPLETION-TEXT'))));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response[2]' });
    expect(r.message).not.toContain('SECRET');
  });

  it('a failed call whose transcript was cut off mid-event is still counted as the failure', () => {
    const line = edited('envelope-anthropic-stream', (o) => {
      o.response = o.response.slice(0, o.response.indexOf('"delta":{"stop_reason"'));
      o.status_code = 504;
    });
    expect(request(line)).toMatchObject({ status: 'error', errorType: 'timeout', tokens: tok({}) });
  });

  it('an Azure content-filtered stream is a content_filter error with its usage', () => {
    const rec = request(edited('envelope-azure-stream-sse', (o) => (o.response = o.response.replace('"finish_reason":"stop"', '"finish_reason":"content_filter"'))));
    expect(rec).toMatchObject({ status: 'error', errorType: 'content_filter', tokens: tok({ input: 2000, output: 250 }) });
  });

  it('a Responses stream cut before response.completed has no usage to read', () => {
    const r = rejection(edited('envelope-openai-responses-stream', (o) => o.response.splice(2)));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'missing_field', field: 'response[1].response.usage' });
  });

  it('a stream element that is not an object is rejected', () => {
    const r = rejection(edited('envelope-openai-stream', (o) => o.response.push('SECRET-COMPLETION-TEXT')));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'response[4]' });
    expect(r.message).not.toContain('SECRET');
  });
});

describe('Bedrock Converse and Cohere', () => {
  it('a totalTokens of inputTokens + outputTokens means inputTokens already included the cache', () => {
    const rec = request(
      edited('envelope-bedrock-converse', (o) => Object.assign(o.response.usage, { inputTokens: 4120, totalTokens: 4470 })),
    );
    expect(rec.tokens).toEqual(tok({ input: 4120, output: 350, cacheRead: 3000, cacheWrite: 1000 }));
  });

  it('a guardrail stop is a content_filter error', () => {
    const rec = request(edited('envelope-bedrock-converse', (o) => (o.response.stopReason = 'guardrail_intervened')));
    expect(rec).toMatchObject({ status: 'error', errorType: 'content_filter' });
  });

  it("Cohere's ERROR_TOXIC is a content_filter error; a bad billed count names its path", () => {
    expect(request(edited('envelope-cohere-v1', (o) => (o.response.finish_reason = 'ERROR_TOXIC')))).toMatchObject({ errorType: 'content_filter' });
    const r = rejection(edited('envelope-cohere-v2', (o) => (o.response.usage.billed_units.output_tokens = 2.5)));
    expect(r.field).toBe('response.usage.billed_units.output_tokens');
  });
});

describe('LiteLLM_SpendLogs rows', () => {
  it('reads attribution from the parsed metadata string and the row', () => {
    expect(request(fixtureLine('litellm-spendlogs'))).toMatchObject({
      requestId: 'chatcmpl-6c0e9a1d-EXAMPLE',
      timestampMs: Date.UTC(2025, 8, 1, 11, 0, 0, 512),
      latencySeconds: expect.closeTo(4.469, 6),
      ttftSeconds: expect.closeTo(0.89, 6),
      team: 'support',
      feature: 'ticket-summary',
      project: 'helpdesk',
      sessionId: 'conv-5521',
      userId: 'cust-991',
      reportedCostUsd: 0.0250335,
    });
  });

  it('metadata may also be an object', () => {
    const line = edited('litellm-spendlogs', (o) => (o.metadata = JSON.parse(o.metadata)));
    expect(request(line).tokens).toEqual(tok({ input: 21572, output: 655, cacheRead: 18950, cacheWrite: 2210 }));
  });

  it('metadata that is not JSON is rejected without echoing it', () => {
    const r = rejection(edited('litellm-spendlogs', (o) => (o.metadata = '{"user_api_key_alias": "SECRET-KEY-ALIAS",')));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'metadata' });
    expect(r.message).not.toContain('SECRET');
  });

  it('a bad usage_object count names its path inside metadata', () => {
    const r = rejection(edited('litellm-spendlogs', (o) => (o.metadata = o.metadata.replace('"cached_tokens": 18950', '"cached_tokens": "SECRET"'))));
    expect({ reason: r.reason, field: r.field }).toEqual({ reason: 'invalid_field', field: 'metadata.usage_object.prompt_tokens_details.cached_tokens' });
    expect(r.message).not.toContain('SECRET');
  });

  it('a failure row is classified from metadata.error_information', () => {
    const line = edited('litellm-spendlogs', (o) => {
      const m = JSON.parse(o.metadata);
      delete m.usage_object;
      m.error_information = { error_code: '429', error_class: 'RateLimitError', llm_provider: 'anthropic', error_message: 'rate limited' };
      Object.assign(o, { status: 'failure', metadata: JSON.stringify(m), prompt_tokens: 0, completion_tokens: 0, spend: 0 });
    });
    expect(request(line)).toMatchObject({ status: 'error', errorType: 'rate_limit', statusCode: 429 });
  });
});
