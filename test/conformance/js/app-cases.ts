// What an application does with the official `openai` and `@anthropic-ai/sdk` packages, as cases
// the instrumentation drivers run: plain and streamed calls to Chat Completions (streams ask for
// usage with stream_options.include_usage, as cost-aware apps do), Responses and Anthropic
// Messages, and a two-step tool loop on Chat Completions and on Messages. The same cases exist in
// python/driver.py.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { Cases } from './driver-runtime.js';

export const OPENAI_MODEL = 'o4-mini';
export const ANTHROPIC_MODEL = 'claude-sonnet-4-20250514';
const ASK = 'What is the weather in Paris?';
const PARAMS = { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] };

export function appCases(openai: () => OpenAI, anthropic: () => Anthropic): Cases {
  return {
    'openai.chat generate': async () => {
      await openai().chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: ASK }] });
    },
    'openai.chat stream': async () => {
      const s = await openai().chat.completions.create({ model: OPENAI_MODEL, messages: [{ role: 'user', content: ASK }], stream: true, stream_options: { include_usage: true } });
      for await (const _ of s) void _;
    },
    'openai.chat tool call, 2 steps': async () => {
      const client = openai();
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: PARAMS } }];
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: ASK }];
      const first = await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools });
      const msg = first.choices[0].message;
      messages.push(msg as OpenAI.Chat.ChatCompletionMessageParam);
      for (const call of msg.tool_calls ?? []) messages.push({ role: 'tool', tool_call_id: call.id, content: '{"sky":"sunny","celsius":21}' });
      await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools });
    },
    'openai.responses generate': async () => {
      await openai().responses.create({ model: OPENAI_MODEL, input: ASK });
    },
    'openai.responses stream': async () => {
      const s = await openai().responses.create({ model: OPENAI_MODEL, input: ASK, stream: true });
      for await (const _ of s) void _;
    },
    'anthropic.messages generate': async () => {
      await anthropic().messages.create({ model: ANTHROPIC_MODEL, max_tokens: 1024, messages: [{ role: 'user', content: ASK }] });
    },
    'anthropic.messages stream': async () => {
      const s = await anthropic().messages.create({ model: ANTHROPIC_MODEL, max_tokens: 1024, messages: [{ role: 'user', content: ASK }], stream: true });
      for await (const _ of s) void _;
    },
    'anthropic.messages tool call, 2 steps': async () => {
      const client = anthropic();
      const tools = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: PARAMS }];
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: ASK }];
      const first = await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 1024, messages, tools });
      messages.push({ role: 'assistant', content: first.content });
      const results = first.content.filter((b) => b.type === 'tool_use').map((b) => ({ type: 'tool_result' as const, tool_use_id: (b as { id: string }).id, content: '{"sky":"sunny","celsius":21}' }));
      messages.push({ role: 'user', content: results });
      await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 1024, messages, tools });
    },
  };
}

/** The case names, in the order the tests run them. */
export const APP_CASES = [
  'openai.chat generate',
  'openai.chat stream',
  'openai.chat tool call, 2 steps',
  'openai.responses generate',
  'openai.responses stream',
  'anthropic.messages generate',
  'anthropic.messages stream',
  'anthropic.messages tool call, 2 steps',
] as const;
