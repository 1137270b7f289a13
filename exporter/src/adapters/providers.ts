// Provider slugs: one lower-case name per billing provider, whatever the log's writer called it
// (LiteLLM's custom_llm_provider, OTel's gen_ai.provider.name / gen_ai.system, the AI SDK's
// `<provider>.<api>` ids such as "openai.responses", OpenInference's llm.provider, free text).

const ALIASES = new Map<string, string>(Object.entries({
  // Google: the Gemini API and Vertex AI are both billed by Google.
  gemini: 'google',
  google_ai_studio: 'google',
  google_genai: 'google',
  vertex: 'google',
  vertex_ai: 'google',
  vertex_ai_beta: 'google',
  vertexai: 'google',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  gcp: 'google',
  googleai: 'google',
  'google-vertex': 'google',
  // AWS
  aws: 'bedrock',
  'aws.bedrock': 'bedrock',
  aws_bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  amazon: 'bedrock',
  'amazon-bedrock': 'bedrock',
  // Azure
  azure_openai: 'azure',
  'azure-openai': 'azure',
  azure_ai: 'azure',
  'azure.ai.openai': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.inference': 'azure',
  az: 'azure',
  // A dotted semantic-convention name that is a provider of its own (not `<provider>.<api>`).
  'ibm.watsonx.ai': 'ibm.watsonx.ai',
  // Others whose writers spell them several ways
  'x-ai': 'xai',
  x_ai: 'xai',
  'x.ai': 'xai',
  together_ai: 'together',
  'together-ai': 'together',
  togetherai: 'together',
  fireworks_ai: 'fireworks',
  'fireworks-ai': 'fireworks',
  mistral_ai: 'mistral',
  mistralai: 'mistral',
  cohere_chat: 'cohere',
  ollama_chat: 'ollama',
  text_completion_openai: 'openai',
  'text-completion-openai': 'openai',
}));

// Raw name -> slug. Bounded so a stream of junk provider names cannot grow memory.
const cache = new Map<string, string>();
const CACHE_LIMIT = 512;

/**
 * Lower-cases and resolves aliases ("Google"→"google", "vertex_ai"→"google", "aws"→"bedrock").
 * A dotted name that is not an alias itself is the AI SDK's `<provider>.<api>` id: its first
 * segment names the provider ("openai.responses"→"openai", "google.vertex.chat"→"google",
 * "azure-openai.chat"→"azure"). Unknown names pass through lower-cased.
 */
export function normalizeProvider(name: string): string {
  let slug = cache.get(name);
  if (slug !== undefined) return slug;
  const lower = name.trim().toLowerCase();
  slug = ALIASES.get(lower);
  if (slug === undefined) {
    const dot = lower.indexOf('.');
    const head = dot > 0 ? lower.slice(0, dot) : lower;
    slug = ALIASES.get(head) ?? head;
  }
  if (cache.size < CACHE_LIMIT) cache.set(name, slug);
  return slug;
}
