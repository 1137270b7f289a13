// Deterministic synthetic traffic for tests and benchmarks. Each event starts as a "truth" (tokens
// with tokenscope's semantics: input includes cache, output includes reasoning) and is written out
// in one provider's own log shape following that provider's documented token semantics, so the
// adapters are checked against totals they did not compute.
import { rng } from '../../exporter/src/demo/random.js';

export { rng };

export interface Truth {
  timestampMs: number;
  provider: string;
  model: string;
  feature: string;
  team: string;
  project: string;
  requestId: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  latencyMs: number;
  status: 'success' | 'error';
  statusCode: number;
}

export type Shape = 'canonical' | 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'litellm' | 'otel';


export const MIX: Array<{ provider: string; model: string; shapes: Shape[] }> = [
  { provider: 'openai', model: 'gpt-4o', shapes: ['openai-chat', 'canonical', 'litellm', 'otel'] },
  { provider: 'openai', model: 'gpt-4o-mini', shapes: ['openai-responses', 'openai-chat'] },
  { provider: 'anthropic', model: 'claude-sonnet-4-20250514', shapes: ['anthropic', 'canonical', 'otel'] },
  { provider: 'anthropic', model: 'claude-3-5-haiku-20241022', shapes: ['anthropic'] },
  { provider: 'google', model: 'gemini-2.5-flash', shapes: ['gemini', 'canonical'] },
  { provider: 'groq', model: 'llama-3.3-70b-versatile', shapes: ['canonical', 'litellm'] },
  { provider: 'mistral', model: 'mistral-small-latest', shapes: ['canonical'] },
  { provider: 'ollama', model: 'llama3.1:8b', shapes: ['canonical'] },
];

const FEATURES = ['chat', 'search', 'summarise'];
const TEAMS = ['platform', 'search', 'support'];
const PROJECTS = ['web', 'mobile'];

export function makeTruths(n: number, opts: { seed?: number; startMs?: number; spanMs?: number; errorRate?: number; duplicateRate?: number } = {}): Truth[] {
  const r = rng(opts.seed ?? 1);
  const start = opts.startMs ?? Date.UTC(2026, 10, 1);
  const span = opts.spanMs ?? 3_600_000;
  const out: Truth[] = [];
  for (let i = 0; i < n; i++) {
    const m = MIX[Math.floor(r() * MIX.length)];
    const error = r() < (opts.errorRate ?? 0.05);
    const input = error ? 0 : 50 + Math.floor(r() * 4000);
    const cacheRead = error || m.provider === 'ollama' || m.provider === 'groq' || m.provider === 'mistral' ? 0 : Math.floor(r() * input * 0.5);
    const cacheWrite = m.provider === 'anthropic' && !error ? Math.floor(r() * (input - cacheRead) * 0.3) : 0;
    const output = error ? 0 : 10 + Math.floor(r() * 800);
    const reasoning = error || m.model !== 'gemini-2.5-flash' ? 0 : Math.floor(r() * output * 0.5);
    out.push({
      timestampMs: start + Math.floor((i / n) * span),
      provider: m.provider,
      model: m.model,
      feature: FEATURES[Math.floor(r() * FEATURES.length)],
      team: TEAMS[Math.floor(r() * TEAMS.length)],
      project: PROJECTS[Math.floor(r() * PROJECTS.length)],
      requestId: `req-${opts.seed ?? 1}-${i}`,
      input,
      output,
      cacheRead,
      cacheWrite,
      reasoning,
      latencyMs: 200 + Math.floor(r() * 20_000),
      status: error ? 'error' : 'success',
      statusCode: error ? [429, 500, 503, 400, 401][Math.floor(r() * 5)] : 200,
    });
  }
  return out;
}

export function shapeFor(t: Truth, i: number): Shape {
  const m = MIX.find((x) => x.provider === t.provider && x.model === t.model)!;
  return m.shapes[i % m.shapes.length];
}

/** One log line for a truth, in the given shape. */
export function render(t: Truth, shape: Shape): string {
  const ts = new Date(t.timestampMs).toISOString();
  const base = { timestamp: ts, feature: t.feature, team: t.team, project: t.project, request_id: t.requestId, latency_ms: t.latencyMs, user_id: 'user-42', session_id: 'sess-7' };
  const failed = t.status === 'error';
  switch (shape) {
    case 'canonical':
      return JSON.stringify({
        ...base,
        provider: t.provider,
        model: t.model,
        input_tokens: t.input,
        output_tokens: t.output,
        cache_read_tokens: t.cacheRead,
        cache_write_tokens: t.cacheWrite,
        reasoning_tokens: t.reasoning,
        status: t.status,
        ...(failed ? { status_code: t.statusCode, error: 'upstream failure' } : {}),
      });
    case 'openai-chat':
      return JSON.stringify({
        ...base,
        provider: t.provider,
        model: t.model,
        status_code: t.statusCode,
        response: failed
          ? { error: { message: 'failure', type: t.statusCode === 429 ? 'rate_limit_error' : 'server_error' } }
          : {
              id: 'chatcmpl-1',
              object: 'chat.completion',
              model: t.model,
              choices: [{ index: 0, message: { role: 'assistant', content: 'hidden completion text' }, finish_reason: 'stop' }],
              // OpenAI: prompt_tokens includes cached tokens; completion_tokens includes reasoning.
              usage: { prompt_tokens: t.input, completion_tokens: t.output, total_tokens: t.input + t.output, prompt_tokens_details: { cached_tokens: t.cacheRead }, completion_tokens_details: { reasoning_tokens: t.reasoning } },
            },
      });
    case 'openai-responses':
      return JSON.stringify({
        ...base,
        provider: t.provider,
        model: t.model,
        status_code: t.statusCode,
        response: failed
          ? { error: { message: 'failure', type: 'server_error' } }
          : {
              id: 'resp_1',
              object: 'response',
              model: t.model,
              status: 'completed',
              usage: { input_tokens: t.input, output_tokens: t.output, total_tokens: t.input + t.output, input_tokens_details: { cached_tokens: t.cacheRead }, output_tokens_details: { reasoning_tokens: t.reasoning } },
            },
      });
    case 'anthropic':
      return JSON.stringify({
        ...base,
        provider: t.provider,
        model: t.model,
        status_code: t.statusCode,
        response: failed
          ? { type: 'error', error: { type: t.statusCode === 429 ? 'rate_limit_error' : 'api_error', message: 'failure' } }
          : {
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              model: t.model,
              content: [{ type: 'text', text: 'hidden completion text' }],
              stop_reason: 'end_turn',
              // Anthropic: input_tokens excludes cache reads and writes.
              usage: { input_tokens: t.input - t.cacheRead - t.cacheWrite, output_tokens: t.output, cache_read_input_tokens: t.cacheRead, cache_creation_input_tokens: t.cacheWrite },
            },
      });
    case 'gemini':
      return JSON.stringify({
        ...base,
        provider: t.provider,
        model: t.model,
        status_code: t.statusCode,
        response: failed
          ? { error: { code: t.statusCode, status: t.statusCode === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', message: 'failure' } }
          : {
              candidates: [{ content: { parts: [{ text: 'hidden completion text' }], role: 'model' }, finishReason: 'STOP' }],
              modelVersion: t.model,
              // Gemini: thoughtsTokenCount is output not counted in candidatesTokenCount.
              usageMetadata: { promptTokenCount: t.input, candidatesTokenCount: t.output - t.reasoning, thoughtsTokenCount: t.reasoning, cachedContentTokenCount: t.cacheRead, totalTokenCount: t.input + t.output },
            },
      });
    case 'litellm': {
      const startS = t.timestampMs / 1000;
      return JSON.stringify({
        id: t.requestId,
        call_type: 'acompletion',
        model: t.model,
        custom_llm_provider: t.provider,
        prompt_tokens: t.input,
        completion_tokens: t.output,
        total_tokens: t.input + t.output,
        response_cost: 0.5,
        startTime: startS,
        endTime: startS + t.latencyMs / 1000,
        completionStartTime: startS + t.latencyMs / 2000,
        status: failed ? 'failure' : 'success',
        ...(failed ? { error_str: 'upstream failure', error_information: { error_code: String(t.statusCode), error_class: 'APIError', llm_provider: t.provider } } : {}),
        metadata: { user_api_key_team_alias: t.team, requester_metadata: { feature: t.feature, project: t.project } },
        request_tags: [],
        end_user: 'user-42',
        response: failed ? null : { usage: { prompt_tokens: t.input, completion_tokens: t.output, prompt_tokens_details: { cached_tokens: t.cacheRead }, completion_tokens_details: { reasoning_tokens: t.reasoning } } },
      });
    }
    case 'otel':
      return JSON.stringify({
        startTimeUnixNano: String(BigInt(t.timestampMs) * 1_000_000n),
        endTimeUnixNano: String(BigInt(t.timestampMs + t.latencyMs) * 1_000_000n),
        attributes: {
          'gen_ai.system': t.provider,
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': t.model,
          'gen_ai.response.model': t.model,
          'gen_ai.response.id': t.requestId,
          'gen_ai.usage.input_tokens': t.input,
          'gen_ai.usage.output_tokens': t.output,
          'gen_ai.usage.cache_read.input_tokens': t.cacheRead,
          'gen_ai.usage.cache_creation.input_tokens': t.cacheWrite,
          ...(failed ? { 'error.type': String(t.statusCode) } : {}),
        },
      });
  }
}

export interface Totals {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export function totals(ts: Truth[]): Totals {
  const t: Totals = { requests: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const x of ts) {
    t.requests++;
    if (x.status === 'error') t.errors++;
    t.input += x.input;
    t.output += x.output;
    t.cacheRead += x.cacheRead;
    t.cacheWrite += x.cacheWrite;
  }
  return t;
}
