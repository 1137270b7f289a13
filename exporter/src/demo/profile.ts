// What the demo's synthetic traffic looks like: the catalog's 17 providers with a traffic share,
// a typical latency and models that tokenscope can price (catalog models, or ids that
// @pydantic/genai-prices knows for that provider), so the demo never shows unpriced requests.

export interface DemoModel {
  id: string;
  /** Relative share within the provider. */
  weight: number;
  /** Typical input/output sizes (tokens); sampled log-normally around these. */
  input: number;
  output: number;
  /** Fraction of output that is reasoning (reasoning models). */
  reasoning?: number;
}

export interface DemoProvider {
  slug: string;
  /** Relative share of all traffic. */
  weight: number;
  /** Median end-to-end latency in ms on a good day. */
  latencyMs: number;
  /** Fraction of input typically served from the prompt cache (providers that cache). */
  cacheRatio: number;
  models: DemoModel[];
}

export const DEMO_PROVIDERS: DemoProvider[] = [
  { slug: 'openai', weight: 24, latencyMs: 1800, cacheRatio: 0.3, models: [
    { id: 'gpt-4o', weight: 3, input: 2500, output: 450 },
    { id: 'gpt-4o-mini', weight: 5, input: 1800, output: 350 },
    { id: 'gpt-4.1-mini', weight: 2, input: 3000, output: 400 },
    { id: 'o4-mini', weight: 1, input: 2000, output: 1200, reasoning: 0.6 },
  ] },
  { slug: 'anthropic', weight: 18, latencyMs: 2600, cacheRatio: 0.45, models: [
    { id: 'claude-sonnet-4-20250514', weight: 5, input: 4000, output: 600 },
    { id: 'claude-3-5-haiku-20241022', weight: 4, input: 2000, output: 300 },
    { id: 'claude-opus-4-20250514', weight: 1, input: 5000, output: 800 },
  ] },
  { slug: 'google', weight: 10, latencyMs: 1500, cacheRatio: 0.2, models: [
    { id: 'gemini-2.5-flash', weight: 4, input: 3000, output: 500, reasoning: 0.3 },
    { id: 'gemini-2.5-pro', weight: 1, input: 6000, output: 900, reasoning: 0.4 },
  ] },
  { slug: 'azure', weight: 8, latencyMs: 2000, cacheRatio: 0.25, models: [
    { id: 'gpt-4o', weight: 2, input: 2500, output: 450 },
    { id: 'gpt-4o-mini', weight: 3, input: 1500, output: 300 },
  ] },
  { slug: 'bedrock', weight: 5, latencyMs: 2200, cacheRatio: 0, models: [
    { id: 'amazon.nova-pro-v1:0', weight: 2, input: 2500, output: 400 },
    { id: 'amazon.nova-lite-v1:0', weight: 3, input: 1500, output: 250 },
  ] },
  { slug: 'mistral', weight: 4, latencyMs: 1400, cacheRatio: 0, models: [
    { id: 'mistral-small-latest', weight: 3, input: 1500, output: 300 },
    { id: 'mistral-large-latest', weight: 1, input: 2500, output: 500 },
  ] },
  { slug: 'cohere', weight: 3, latencyMs: 1600, cacheRatio: 0, models: [
    { id: 'command-r', weight: 2, input: 3000, output: 300 },
    { id: 'command-r-plus', weight: 1, input: 3000, output: 400 },
  ] },
  { slug: 'groq', weight: 5, latencyMs: 450, cacheRatio: 0, models: [
    { id: 'llama-3.1-8b-instant', weight: 2, input: 1200, output: 250 },
    { id: 'llama-3.3-70b-versatile', weight: 3, input: 2000, output: 400 },
  ] },
  { slug: 'together', weight: 3, latencyMs: 1300, cacheRatio: 0, models: [{ id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', weight: 1, input: 2000, output: 400 }] },
  { slug: 'fireworks', weight: 2, latencyMs: 1200, cacheRatio: 0, models: [{ id: 'accounts/fireworks/models/deepseek-v3-0324', weight: 1, input: 2500, output: 500 }] },
  { slug: 'deepseek', weight: 4, latencyMs: 3000, cacheRatio: 0.5, models: [
    { id: 'deepseek-chat', weight: 3, input: 2500, output: 500 },
    { id: 'deepseek-reasoner', weight: 1, input: 2500, output: 2000, reasoning: 0.7 },
  ] },
  { slug: 'xai', weight: 2, latencyMs: 2000, cacheRatio: 0, models: [
    { id: 'grok-3-mini', weight: 2, input: 1800, output: 600, reasoning: 0.5 },
    { id: 'grok-3', weight: 1, input: 2500, output: 500 },
  ] },
  { slug: 'perplexity', weight: 2, latencyMs: 3000, cacheRatio: 0, models: [
    { id: 'sonar', weight: 3, input: 800, output: 400 },
    { id: 'sonar-pro', weight: 1, input: 1000, output: 600 },
  ] },
  { slug: 'openrouter', weight: 3, latencyMs: 2100, cacheRatio: 0, models: [
    { id: 'openai/gpt-4o-mini', weight: 2, input: 1500, output: 300 },
    { id: 'anthropic/claude-3.5-sonnet', weight: 1, input: 3000, output: 500 },
  ] },
  { slug: 'cerebras', weight: 2, latencyMs: 350, cacheRatio: 0, models: [
    { id: 'llama3.1-8b', weight: 2, input: 1200, output: 300 },
    { id: 'qwen-3-32b', weight: 1, input: 2000, output: 500 },
  ] },
  { slug: 'novita', weight: 1, latencyMs: 1700, cacheRatio: 0, models: [{ id: 'meta-llama/llama-3.1-8b-instruct', weight: 1, input: 1200, output: 300 }] },
  { slug: 'ollama', weight: 4, latencyMs: 4000, cacheRatio: 0, models: [
    { id: 'llama3.1:8b', weight: 3, input: 1500, output: 350 },
    { id: 'qwen2.5-coder:32b', weight: 1, input: 4000, output: 700 },
  ] },
];

/** Who calls: the catalog's budgeted teams, with the features and projects they own. */
export const DEMO_CALLERS = [
  { team: 'platform', weight: 4, features: ['chat', 'autocomplete'], projects: ['web', 'mobile'] },
  { team: 'search', weight: 3, features: ['search', 'rerank'], projects: ['web'] },
  { team: 'support', weight: 2, features: ['support-bot', 'summarise'], projects: ['helpdesk'] },
  { team: 'research', weight: 1, features: ['batch-eval', 'code-review'], projects: ['labs'] },
];

/** Distinct demo users (and one session each at a time). */
export const DEMO_USERS = 400;
