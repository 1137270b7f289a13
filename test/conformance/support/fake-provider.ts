// A stand-in for api.openai.com and api.anthropic.com on a loopback port, for real client SDKs to
// call. It answers the documented response bodies — OpenAI Chat Completions (plain, and streamed as
// SSE chunks with the final usage chunk when the request sets `stream_options.include_usage`),
// OpenAI Responses (plain and streamed `response.*` events), Anthropic Messages (plain and streamed
// message_start … message_delta … message_stop) — each with known token counts including cache
// reads, cache writes and reasoning tokens, and a tool call when the request offers tools and holds
// no tool result yet (so a two-step tool loop makes exactly two calls).
//
// Every call is recorded with what it billed, in tokenscope's semantics (input includes cache reads
// and writes, output includes reasoning), which is what the conformance tests expect to see on
// /metrics. Token counts differ from call to call, so a count taken twice or from the wrong span
// shows.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Api = 'openai.chat' | 'openai.responses' | 'anthropic.messages';

/** Tokens as tokenscope counts them: input includes cache reads/writes, output includes reasoning. */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface Served {
  api: Api;
  provider: 'openai' | 'anthropic';
  model: string;
  id: string;
  stream: boolean;
  /** False when the body carried no usage (a Chat Completions stream without include_usage). */
  usageReported: boolean;
  toolCall: boolean;
  usage: Usage;
  /** A few request fields worth reporting (stream_options, tools offered, …). */
  request: Record<string, unknown>;
}

export interface Unexpected {
  method: string;
  path: string;
  status: number;
  note: string;
}

type Json = Record<string, unknown>;

const TOOL_ARGS = { city: 'Paris' };
const TEXT = ['The ', 'weather ', 'in Paris ', 'is sunny.'];

export class FakeProvider {
  readonly served: Served[] = [];
  readonly unexpected: Unexpected[] = [];
  private n = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeProvider> {
    let self: FakeProvider | undefined;
    const server = createServer((req, res) => {
      self!.handle(req, res).catch((e: Error) => {
        self!.unexpected.push({ method: req.method ?? '', path: req.url ?? '', status: 500, note: e.message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: e.message, type: 'server_error' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    self = new FakeProvider(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** OpenAI-style base URL (SDKs append /chat/completions, /responses). */
  get openaiBaseUrl(): string {
    return `${this.url}/v1`;
  }

  /** What was served since the last take(), and forget it. */
  take(): { served: Served[]; unexpected: Unexpected[] } {
    return { served: this.served.splice(0), unexpected: this.unexpected.splice(0) };
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }

  /** The next call's token counts; they grow with every call so no two calls bill the same. */
  private nextUsage(provider: 'openai' | 'anthropic'): Usage {
    const k = ++this.n;
    if (provider === 'openai') {
      // OpenAI: prompt_tokens includes cached_tokens; completion_tokens includes reasoning_tokens.
      // 1152 cached: OpenAI caches in steps of 128 past 1024 (and the number is told apart from
      // max_tokens: 1024 in the reports).
      return { input: 1300 + 17 * k, output: 150 + 3 * k, cacheRead: 1152, cacheWrite: 0, reasoning: 64 + k };
    }
    // Anthropic: input_tokens excludes the cache; ours is the sum. Thinking is not broken out.
    const uncached = 210 + 11 * k;
    return { input: uncached + 1800 + 420, output: 90 + 2 * k, cacheRead: 1800, cacheWrite: 420, reasoning: 0 };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST') {
      this.unexpected.push({ method: req.method ?? '', path, status: 404, note: 'not served' });
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error' } }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
    if (path.endsWith('/chat/completions')) return this.chat(body, res);
    if (path.endsWith('/responses')) return this.responses(body, res);
    if (path.endsWith('/messages')) return this.messages(body, res);
    this.unexpected.push({ method: 'POST', path, status: 404, note: 'not served' });
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error' } }));
  }

  private record(api: Api, body: Json, id: string, usage: Usage, o: { stream: boolean; usageReported: boolean; toolCall: boolean; request: Json }): void {
    this.served.push({
      api,
      provider: api === 'anthropic.messages' ? 'anthropic' : 'openai',
      model: String(body.model),
      id,
      stream: o.stream,
      usageReported: o.usageReported,
      toolCall: o.toolCall,
      usage,
      request: o.request,
    });
  }

  // ---- OpenAI Chat Completions ----------------------------------------------------------------

  private chat(body: Json, res: ServerResponse): void {
    const model = String(body.model);
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
    const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
    const toolName = tools.length && !messages.some((m) => m.role === 'tool') ? toolNameOf(tools[0]) : undefined;
    const u = this.nextUsage('openai');
    const id = `chatcmpl-fake${this.n}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = {
      prompt_tokens: u.input,
      completion_tokens: u.output,
      total_tokens: u.input + u.output,
      prompt_tokens_details: { cached_tokens: u.cacheRead, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const callId = `call_fake${this.n}`;
    const stream = body.stream === true;
    const streamOptions = (body.stream_options ?? undefined) as Json | undefined;
    const includeUsage = stream && streamOptions?.include_usage === true;
    this.record('openai.chat', body, id, u, {
      stream,
      usageReported: !stream || includeUsage,
      toolCall: toolName !== undefined,
      request: { stream, stream_options: streamOptions ?? null, tools: tools.length },
    });

    if (!stream) {
      const message = toolName
        ? { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [{ id: callId, type: 'function', function: { name: toolName, arguments: JSON.stringify(TOOL_ARGS) } }] }
        : { role: 'assistant', content: TEXT.join(''), refusal: null, annotations: [] };
      json(res, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: toolName ? 'tool_calls' : 'stop' }],
        usage,
        service_tier: 'default',
        system_fingerprint: 'fp_fake',
      });
      return;
    }

    const sse = startSse(res);
    const chunk = (choices: Json[], extra: Json = {}) =>
      sse(undefined, { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_fake', choices, ...(includeUsage ? { usage: null } : {}), ...extra });
    if (toolName) {
      chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: toolName, arguments: '' } }] }, logprobs: null, finish_reason: null }]);
      const args = JSON.stringify(TOOL_ARGS);
      for (const part of [args.slice(0, 5), args.slice(5)]) chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: part } }] }, logprobs: null, finish_reason: null }]);
      chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
    } else {
      chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
      for (const t of TEXT) chunk([{ index: 0, delta: { content: t }, logprobs: null, finish_reason: null }]);
      chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    }
    // The usage chunk: empty choices, usage for the whole request (only when asked for).
    if (includeUsage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }

  // ---- OpenAI Responses -----------------------------------------------------------------------

  private responses(body: Json, res: ServerResponse): void {
    const model = String(body.model);
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
    const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
    const toolName = tools.length && !input.some((i) => i.type === 'function_call_output') ? toolNameOf(tools[0]) : undefined;
    const u = this.nextUsage('openai');
    const id = `resp_fake${this.n}`;
    const stream = body.stream === true;
    this.record('openai.responses', body, id, u, { stream, usageReported: true, toolCall: toolName !== undefined, request: { stream, tools: tools.length } });

    const reasoningItem = { id: `rs_fake${this.n}`, type: 'reasoning', summary: [] };
    const item: Json = toolName
      ? { id: `fc_fake${this.n}`, type: 'function_call', status: 'completed', call_id: `call_fake${this.n}`, name: toolName, arguments: JSON.stringify(TOOL_ARGS) }
      : { id: `msg_fake${this.n}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: TEXT.join(''), annotations: [], logprobs: [] }] };
    const response = (status: string, output: Json[], withUsage: boolean): Json => ({
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      model,
      output,
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: 'medium', summary: null },
      service_tier: 'default',
      store: false,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      truncation: 'disabled',
      usage: withUsage
        ? {
            input_tokens: u.input,
            input_tokens_details: { cached_tokens: u.cacheRead },
            output_tokens: u.output,
            output_tokens_details: { reasoning_tokens: u.reasoning },
            total_tokens: u.input + u.output,
          }
        : null,
      user: null,
      metadata: {},
    });

    if (!stream) {
      json(res, response('completed', [reasoningItem, item], true));
      return;
    }
    const sse = startSse(res);
    let seq = 0;
    const ev = (type: string, data: Json) => sse(type, { type, sequence_number: seq++, ...data });
    ev('response.created', { response: response('in_progress', [], false) });
    ev('response.in_progress', { response: response('in_progress', [], false) });
    ev('response.output_item.added', { output_index: 0, item: reasoningItem });
    ev('response.output_item.done', { output_index: 0, item: reasoningItem });
    if (toolName) {
      ev('response.output_item.added', { output_index: 1, item: { ...item, status: 'in_progress', arguments: '' } });
      const args = String(item.arguments);
      for (const part of [args.slice(0, 5), args.slice(5)]) ev('response.function_call_arguments.delta', { item_id: item.id, output_index: 1, delta: part });
      ev('response.function_call_arguments.done', { item_id: item.id, output_index: 1, arguments: args });
      ev('response.output_item.done', { output_index: 1, item });
    } else {
      ev('response.output_item.added', { output_index: 1, item: { ...item, status: 'in_progress', content: [] } });
      ev('response.content_part.added', { item_id: item.id, output_index: 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
      for (const t of TEXT) ev('response.output_text.delta', { item_id: item.id, output_index: 1, content_index: 0, delta: t, logprobs: [] });
      ev('response.output_text.done', { item_id: item.id, output_index: 1, content_index: 0, text: TEXT.join(''), logprobs: [] });
      ev('response.content_part.done', { item_id: item.id, output_index: 1, content_index: 0, part: { type: 'output_text', text: TEXT.join(''), annotations: [], logprobs: [] } });
      ev('response.output_item.done', { output_index: 1, item });
    }
    ev('response.completed', { response: response('completed', [reasoningItem, item], true) });
    res.end();
  }

  // ---- Anthropic Messages ---------------------------------------------------------------------

  private messages(body: Json, res: ServerResponse): void {
    const model = String(body.model);
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
    const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
    const hasResult = messages.some((m) => Array.isArray(m.content) && (m.content as Json[]).some((b) => b.type === 'tool_result'));
    const toolName = tools.length && !hasResult ? String(tools[0].name) : undefined;
    const u = this.nextUsage('anthropic');
    const id = `msg_fake${this.n}`;
    const stream = body.stream === true;
    this.record('anthropic.messages', body, id, u, { stream, usageReported: true, toolCall: toolName !== undefined, request: { stream, tools: tools.length } });

    const usage = {
      input_tokens: u.input - u.cacheRead - u.cacheWrite,
      cache_creation_input_tokens: u.cacheWrite,
      cache_read_input_tokens: u.cacheRead,
      cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
      output_tokens: u.output,
      service_tier: 'standard',
    };
    const toolUse = { type: 'tool_use', id: `toolu_fake${this.n}`, name: toolName, input: TOOL_ARGS };
    const stopReason = toolName ? 'tool_use' : 'end_turn';
    if (!stream) {
      json(res, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: toolName ? [toolUse] : [{ type: 'text', text: TEXT.join('') }],
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      });
      return;
    }
    const sse = startSse(res);
    const ev = (type: string, data: Json) => sse(type, { type, ...data });
    // message_start carries the input side (and output_tokens so far); message_delta the final,
    // cumulative output_tokens.
    ev('message_start', {
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    if (toolName) {
      ev('content_block_start', { index: 0, content_block: { ...toolUse, input: {} } });
      ev('ping', {});
      const args = JSON.stringify(TOOL_ARGS);
      for (const part of [args.slice(0, 5), args.slice(5)]) ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
    } else {
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('ping', {});
      for (const t of TEXT) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } });
    }
    ev('content_block_stop', { index: 0 });
    ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: u.output } });
    ev('message_stop', {});
    res.end();
  }
}

function toolNameOf(tool: Json): string {
  // Chat Completions nests the function; Responses has it flat.
  const fn = tool.function as Json | undefined;
  return String(fn?.name ?? tool.name);
}

function json(res: ServerResponse, body: Json): void {
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${String(body.id)}` });
  res.end(JSON.stringify(body));
}

function startSse(res: ServerResponse): (event: string | undefined, data: Json) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (event, data) => {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  };
}
