// Traffic that lights up every panel: all catalog providers (hosted, self-hosted, gateways), every
// error type, a model failing above the "with issues" threshold, an unpriced model, caller
// estimates, cache and reasoning tokens, projects, and circuit-breaker events. Written as canonical
// JSONL lines (docs/events.md), the format the exporter tails.
import type { Catalog } from '../../../catalog/src/schema.js';
import { ERROR_TYPES } from '../../../exporter/src/events/types.js';
import { rng } from '../../support/traffic.js';

/** Providers without catalog models get a model their public price list knows (or not: then unpriced). */
const FALLBACK_MODELS: Record<string, string> = {
  bedrock: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  fireworks: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
  xai: 'grok-3',
  perplexity: 'sonar',
  openrouter: 'openai/gpt-4o-mini',
  cerebras: 'llama3.1-8b',
  novita: 'meta-llama/llama-3.1-8b-instruct',
};

/** A model no price source knows: counted in ai_unpriced_requests_total, cost 0. */
export const UNPRICED = { provider: 'openai', model: 'tokenscope-test-unpriced-model' };
/** Fails half its calls: above catalog thresholds.model_error_ratio, so "Models with Issues" lists it. */
export const FLAKY = { provider: 'groq', model: 'llama-3.1-8b-instant' };

const TEAMS = ['platform', 'search', 'support', 'research'];
const FEATURES = ['chat', 'search', 'summarise'];
const PROJECTS = ['web', 'mobile', 'batch'];
const STATUS_FOR: Record<string, number> = {
  timeout: 504, rate_limit: 429, auth_error: 401, invalid_request: 400, content_filter: 400, server_error: 500, other: 520,
};

export class Scenario {
  private seq = 0;
  private readonly r = rng(42);
  private readonly targets: Array<{ provider: string; model: string }>;

  constructor(catalog: Catalog) {
    this.targets = catalog.providers.flatMap((p) => {
      const models = catalog.models.filter((m) => m.provider === p.slug).map((m) => m.id);
      return (models.length ? models.slice(0, 2) : [FALLBACK_MODELS[p.slug] ?? `${p.slug}-test-model`]).map((model) => ({ provider: p.slug, model }));
    });
    this.targets.push(UNPRICED);
    if (!this.targets.some((t) => t.provider === FLAKY.provider && t.model === FLAKY.model)) this.targets.push(FLAKY);
  }

  providers(): string[] {
    return [...new Set(this.targets.map((t) => t.provider))];
  }

  /** Breaker state changes: groq open (as in docs/events.md), cerebras half-open. */
  breakerLines(now = Date.now()): string[] {
    const ts = new Date(now).toISOString();
    return [
      JSON.stringify({ type: 'circuit_breaker', timestamp: ts, provider: 'groq', state: 'open', failure_count: 12 }),
      JSON.stringify({ type: 'circuit_breaker', timestamp: ts, provider: 'cerebras', state: 'half_open', failure_count: 3 }),
    ];
  }

  /** One request per target; about 4 % fail (the flaky model 50 %), cycling through the error types. */
  batch(now = Date.now()): string[] {
    return this.targets.map((t) => this.request(t, now));
  }

  private request(t: { provider: string; model: string }, now: number): string {
    const i = this.seq++;
    const flaky = t.provider === FLAKY.provider && t.model === FLAKY.model;
    const failed = flaky ? i % 2 === 0 : i % 25 === 7;
    const errorType = ERROR_TYPES[i % ERROR_TYPES.length];
    const input = failed ? 0 : 200 + Math.floor(this.r() * 3000);
    const cacheRead = failed || t.provider === 'ollama' ? 0 : Math.floor(input * 0.3 * this.r());
    const cacheWrite = failed || t.provider !== 'anthropic' ? 0 : Math.floor((input - cacheRead) * 0.2 * this.r());
    const output = failed ? 0 : 20 + Math.floor(this.r() * 600);
    const reasoning = failed || !/^(o3|o4|gemini-2\.5|deepseek-reasoner)/.test(t.model) ? 0 : Math.floor(output * 0.4 * this.r());
    const latencyMs = 150 + Math.floor(this.r() * (t.provider === 'ollama' ? 20_000 : 9_000));
    return JSON.stringify({
      timestamp: new Date(now).toISOString(),
      provider: t.provider,
      model: t.model,
      feature: FEATURES[i % FEATURES.length],
      team: TEAMS[i % TEAMS.length],
      project: PROJECTS[i % PROJECTS.length],
      request_id: `dash-${i}`,
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: cacheRead,
      cache_write_tokens: cacheWrite,
      reasoning_tokens: reasoning,
      // Callers over-estimate by ~10 %: the efficiency gauge has something to measure.
      estimated_input_tokens: failed ? 0 : Math.round(input * 1.1),
      latency_ms: latencyMs,
      ttft_ms: Math.round(latencyMs / 4),
      status: failed ? 'error' : 'success',
      status_code: failed ? STATUS_FOR[errorType] : 200,
      ...(failed ? { error_type: errorType, error: `${errorType} from upstream (test)` } : {}),
    });
  }
}
