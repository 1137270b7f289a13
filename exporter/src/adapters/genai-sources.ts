// Which library wrote a GenAI span, and what depends on it: whether the span is a model call at
// all, and where its provider and model are. The same rules serve JSON log lines and OTLP spans
// (docs/otlp.md, "Which spans are counted" and "Attributes by library").
//
// Families: OpenTelemetry GenAI semantic conventions (also OpenLLMetry and OpenLIT, which use the
// gen_ai.* names), the Vercel AI SDK (ai.* attributes), OpenInference (Arize Phoenix: llm.*),
// Genkit (genkit:* attributes), and LiteLLM's `otel` callback (gen_ai.* plus litellm.* and a
// Python-repr usage dict in metadata.usage_object).
import { type JsonObject, invalid, missing } from './fields.js';
import { normalizeProvider } from './providers.js';

export type GenAiSource = 'semconv' | 'ai-sdk' | 'openinference' | 'genkit' | 'litellm';

/** True when the object looks like GenAI attributes of any family (a few property reads). */
export function hasGenAiAttributes(a: JsonObject): boolean {
  return (
    a['gen_ai.provider.name'] !== undefined ||
    a['gen_ai.system'] !== undefined ||
    a['gen_ai.request.model'] !== undefined ||
    a['ai.model.provider'] !== undefined ||
    a['llm.provider'] !== undefined ||
    a['llm.system'] !== undefined ||
    a['llm.model_name'] !== undefined ||
    a['genkit:metadata:subtype'] === 'model'
  );
}

export function sourceOf(a: JsonObject): GenAiSource {
  if (a['ai.operationId'] !== undefined || a['ai.model.provider'] !== undefined) return 'ai-sdk';
  if (a['genkit:metadata:subtype'] !== undefined) return 'genkit';
  if (a['litellm.provider.model'] !== undefined || a['metadata.usage_object'] !== undefined) return 'litellm';
  if (a['openinference.span.kind'] !== undefined || a['llm.model_name'] !== undefined || a['llm.provider'] !== undefined || a['llm.system'] !== undefined) {
    return 'openinference';
  }
  return 'semconv';
}

/** gen_ai.operation.name values of spans that wrap model calls (agents, tools, workflows). */
const WRAPPER_OPERATIONS = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow', 'workflow', 'framework', 'agent']);
/** gen_ai.operation.name values that are model calls, whatever else the span says ("responses": LiteLLM's Responses calls). */
const CALL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings', 'responses']);
/** OpenLLMetry's traceloop.span.kind for its workflow / task / agent / tool spans (LLM spans have none). */
const TRACELOOP_WRAPPERS = new Set(['workflow', 'task', 'agent', 'tool']);

/** The AI SDK's per-call spans: ai.generateText.doGenerate, ai.streamText.doStream, ai.embedMany.doEmbed… */
function isAiSdkCall(id: string): boolean {
  return id.endsWith('.doGenerate') || id.endsWith('.doStream') || id.endsWith('.doEmbed');
}
/**
 * The AI SDK's outer spans (their usage is the steps' sum) and tool calls. The v7 OpenTelemetry
 * integration names the outer embed spans `embeddings`, like their steps: the id decides first.
 */
const AI_SDK_WRAPPERS = new Set(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject', 'ai.embed', 'ai.embedMany', 'ai.rerank', 'ai.toolCall']);

/**
 * False for a span that wraps model calls rather than being one: its usage, where it has any, is
 * the sum of the calls below it, which are counted from their own spans.
 */
export function isModelCall(a: JsonObject, source: GenAiSource): boolean {
  const op = a['gen_ai.operation.name'];
  if (typeof op === 'string' && WRAPPER_OPERATIONS.has(op)) return false;
  const kind = a['traceloop.span.kind'];
  if (typeof kind === 'string' && TRACELOOP_WRAPPERS.has(kind)) return false;
  const id = a['ai.operationId'];
  if (typeof id === 'string') {
    if (isAiSdkCall(id)) return true;
    if (AI_SDK_WRAPPERS.has(id)) return false;
  }
  // CHAIN / AGENT / TOOL / RETRIEVER spans (LlamaIndex, LangChain) may carry aggregated counts.
  const oiKind = a['openinference.span.kind'];
  if (typeof oiKind === 'string') return oiKind.toUpperCase() === 'LLM';
  // Only Genkit's model action; the generate util and the flows around it repeat its usage.
  if (source === 'genkit') return a['genkit:metadata:subtype'] === 'model';
  if (typeof op === 'string' && CALL_OPERATIONS.has(op)) return true;
  // Another ai.operationId without a model-call operation name is not a provider call.
  return !(source === 'ai-sdk' && typeof id === 'string');
}

/** A string attribute ("" and null are absent); anything else is rejected with its path. */
export function text(a: JsonObject, key: string, prefix: string): string | undefined {
  const v = a[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  throw invalid(prefix + key, 'a string', v);
}

export interface Identity {
  /** The provider slug. */
  provider: string;
  /** The provider as written, lower-cased ("anthropic.messages", "vertex.anthropic.messages"). */
  rawProvider: string;
  model: string;
}

const PROVIDER_HELP = 'the provider (gen_ai.provider.name, gen_ai.system, ai.model.provider, llm.provider or a "provider/model" litellm.provider.model)';
const MODEL_HELP = 'the model (gen_ai.request.model, gen_ai.response.model, ai.model.id or llm.model_name)';

function semconvProvider(a: JsonObject, p: string): string | undefined {
  return text(a, 'gen_ai.provider.name', p) ?? text(a, 'gen_ai.system', p);
}

function semconvModel(a: JsonObject, p: string): string | undefined {
  return text(a, 'gen_ai.response.model', p) ?? text(a, 'gen_ai.request.model', p);
}

export function identityOf(a: JsonObject, source: GenAiSource, p: string): Identity {
  let provider: string | undefined;
  let model: string | undefined;
  switch (source) {
    case 'ai-sdk':
      provider = text(a, 'ai.model.provider', p) ?? semconvProvider(a, p);
      model = text(a, 'gen_ai.response.model', p) ?? text(a, 'ai.response.model', p) ?? text(a, 'gen_ai.request.model', p) ?? text(a, 'ai.model.id', p);
      break;
    case 'openinference':
      provider = text(a, 'llm.provider', p) ?? text(a, 'llm.system', p) ?? semconvProvider(a, p);
      model = text(a, 'llm.model_name', p) ?? semconvModel(a, p);
      break;
    case 'genkit': {
      // The model action is named "<plugin>/<model>": googleai/gemini-2.5-flash, vertexai/…, openai/…
      const name = text(a, 'genkit:name', p);
      const slash = name === undefined ? -1 : name.indexOf('/');
      provider = slash > 0 ? name!.slice(0, slash) : semconvProvider(a, p);
      model = semconvModel(a, p) ?? (slash > 0 ? name!.slice(slash + 1) : name);
      break;
    }
    case 'litellm': {
      // litellm.provider.model is "<provider>/<model>" as routed ("openai/o4-mini"), or only the
      // model on some calls (streams). gen_ai.system is the provider, but "" on Responses calls.
      const routed = text(a, 'litellm.provider.model', p);
      const slash = routed === undefined ? -1 : routed.indexOf('/');
      provider = semconvProvider(a, p) ?? (slash > 0 ? routed!.slice(0, slash) : undefined);
      model = semconvModel(a, p) ?? (slash > 0 ? routed!.slice(slash + 1) || undefined : routed);
      break;
    }
    default:
      provider = semconvProvider(a, p);
      model = semconvModel(a, p);
  }
  if (provider === undefined) throw missing(p + 'gen_ai.provider.name', PROVIDER_HELP);
  if (model === undefined) throw missing(p + 'gen_ai.request.model', MODEL_HELP);
  let slug = normalizeProvider(provider);
  // The AI SDK's gateway routes "<provider>/<model>" ids and bills at the provider's list price.
  if (slug === 'gateway') {
    const slash = model.indexOf('/');
    if (slash > 0 && slash < model.length - 1) {
      slug = normalizeProvider(model.slice(0, slash));
      model = model.slice(slash + 1);
    }
  }
  return { provider: slug, rawProvider: provider.trim().toLowerCase(), model };
}
