import { describe, expect, it } from 'vitest';
import { normalizeProvider } from '../../exporter/src/adapters/index.js';

const cases: [string, string][] = [
  ['openai', 'openai'],
  ['OpenAI', 'openai'],
  ['Google', 'google'],
  ['gemini', 'google'],
  ['vertex_ai', 'google'],
  ['gcp.gemini', 'google'],
  ['gcp.vertex_ai', 'google'],
  ['aws', 'bedrock'],
  ['aws.bedrock', 'bedrock'],
  ['x-ai', 'xai'],
  ['x_ai', 'xai'],
  ['together_ai', 'together'],
  ['fireworks_ai', 'fireworks'],
  ['azure_openai', 'azure'],
  ['azure.ai.openai', 'azure'],
  ['az.ai.openai', 'azure'],
  ['mistral_ai', 'mistral'],
  ['ollama_chat', 'ollama'],
  ['ibm.watsonx.ai', 'ibm.watsonx.ai'],
  ['azure.ai.inference', 'azure'],
  ['gcp.gen_ai', 'google'],
  ['x.ai', 'xai'],
  // The AI SDK's provider ids, `<provider>.<api>` (gen_ai.system and ai.model.provider)
  ['openai.chat', 'openai'],
  ['openai.responses', 'openai'],
  ['openai.embedding', 'openai'],
  ['anthropic.messages', 'anthropic'],
  ['google.generative-ai', 'google'],
  ['google.vertex.chat', 'google'],
  ['vertex.anthropic.messages', 'google'],
  ['amazon-bedrock', 'bedrock'],
  ['azure-openai.chat', 'azure'],
  ['azure.responses', 'azure'],
  ['mistral.chat', 'mistral'],
  ['xai.chat', 'xai'],
  ['groq.chat', 'groq'],
  ['deepseek.chat', 'deepseek'],
  ['togetherai.chat', 'together'],
  ['fireworks.chat', 'fireworks'],
  ['cohere.chat', 'cohere'],
  ['cerebras.chat', 'cerebras'],
  ['perplexity', 'perplexity'],
  // OpenInference llm.provider / llm.system values, Genkit plugin names
  ['mistralai', 'mistral'],
  ['vertexai', 'google'],
  ['googleai', 'google'],
  ['  Anthropic ', 'anthropic'],
  ['SomeNewCo', 'somenewco'],
  // names that are properties of Object.prototype must not resolve to them
  ['constructor', 'constructor'],
  ['__proto__', '__proto__'],
];

describe('normalizeProvider', () => {
  it.each(cases)('%s -> %s', (raw, slug) => {
    expect(normalizeProvider(raw)).toBe(slug);
    expect(normalizeProvider(raw)).toBe(slug); // cached path
  });
});
