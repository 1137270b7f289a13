// A loopback pass-through in front of `tokenscope serve`: clients export OTLP/HTTP (and post
// events) to it, it forwards every request unchanged and hands back the exporter's answer, and it
// keeps a decoded copy of what the client sent and what the exporter answered. That copy is for
// the report — which attributes a client really emitted, which spans the exporter rejected and
// why — and, for a case with a declared client gap, for what the client emitted (emitted.ts),
// which /metrics must then show; every other assertion reads /metrics against the fake's truth.
//
// The decoding uses its own declaration of the OTLP messages (opentelemetry-proto v1: trace, logs,
// metrics names, common, resource; ids, kinds and parents included), not the exporter's.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package tap;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Scope { string name = 1; string version = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Event events = 11;
  Status status = 15;
}
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message TraceRequest { repeated ResourceSpans resource_spans = 1; }
message LogRecord {
  fixed64 time_unix_nano = 1;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  string event_name = 12;
}
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message LogsRequest { repeated ResourceLogs resource_logs = 1; }
message Metric { string name = 1; string unit = 3; }
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message MetricsRequest { repeated ResourceMetrics resource_metrics = 1; }
message PartialSuccess { int64 rejected = 1; string error_message = 2; }
message ExportResponse { PartialSuccess partial_success = 1; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const T = {
  traces: root.lookupType('tap.TraceRequest'),
  logs: root.lookupType('tap.LogsRequest'),
  metrics: root.lookupType('tap.MetricsRequest'),
  response: root.lookupType('tap.ExportResponse'),
};

export type Attrs = Record<string, unknown>;

export interface TappedSpan {
  service: string | undefined;
  scope: string;
  name: string;
  kind: number;
  spanId: string;
  parentSpanId: string;
  durationMs: number;
  status: { code: number; message?: string };
  attributes: Attrs;
  events: string[];
}

export interface TappedLog {
  service: string | undefined;
  scope: string;
  eventName: string;
  attributes: Attrs;
}

export interface Tapped {
  path: string;
  contentType: string;
  status: number;
  /** The exporter's partial_success (rejected count and reasons), or its error body. */
  answer: string;
  spans: TappedSpan[];
  logs: TappedLog[];
  metrics: string[];
}

export class OtlpTap {
  readonly requests: Tapped[] = [];
  private inflight = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<OtlpTap> {
    let self: OtlpTap | undefined;
    const server = createServer((req, res) => {
      self!.inflight++;
      forward(target, req)
        .then(({ status, headers, body, record }) => {
          self!.requests.push(record);
          res.writeHead(status, headers).end(body);
        })
        .catch((e: Error) => {
          self!.requests.push({ path: req.url ?? '', contentType: '', status: 502, answer: `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}`, spans: [], logs: [], metrics: [] });
          res.writeHead(502).end();
        })
        .finally(() => self!.inflight--);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new OtlpTap(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** True when no request is being forwarded right now. */
  idle(): boolean {
    return this.inflight === 0;
  }

  take(): Tapped[] {
    return this.requests.splice(0);
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }
}

async function forward(target: string, req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(k)) headers[k] = v;
  const res = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? raw : undefined });
  const body = Buffer.from(await res.arrayBuffer());
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
  });
  const record: Tapped = { path: req.url ?? '', contentType: headers['content-type'] ?? '', status: res.status, answer: '', spans: [], logs: [], metrics: [] };
  try {
    decodeInto(record, raw, headers['content-encoding'], body);
  } catch (e) {
    record.answer += ` (tap could not decode: ${(e as Error).message})`;
  }
  return { status: res.status, headers: out, body, record };
}

function decodeInto(rec: Tapped, raw: Buffer, encoding: string | undefined, answer: Buffer): void {
  const signal = rec.path.startsWith('/v1/traces') ? 'traces' : rec.path.startsWith('/v1/logs') ? 'logs' : rec.path.startsWith('/v1/metrics') ? 'metrics' : undefined;
  const proto = rec.contentType.includes('protobuf');
  if (signal === undefined) {
    rec.answer = `${rec.status} ${answer.toString('utf8').slice(0, 300)}`;
    return;
  }
  if (proto && answer.length && rec.status === 200) {
    const r = T.response.toObject(T.response.decode(answer), { longs: Number }) as { partial_success?: { rejected?: number; error_message?: string } };
    rec.answer = r.partial_success?.rejected ? `rejected ${r.partial_success.rejected}: ${r.partial_success.error_message}` : 'ok';
  } else {
    const text = answer.toString('utf8');
    rec.answer = rec.status === 200 && (text === '{}' || text === '') ? 'ok' : `${rec.status} ${text.slice(0, 300)}`;
  }
  const body = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw;
  const msg = proto ? T[signal].toObject(T[signal].decode(body), { longs: Number, bytes: String }) : fromJson(JSON.parse(body.toString('utf8')));
  if (signal === 'traces') {
    for (const rs of (msg.resource_spans ?? []) as Json[]) {
      const service = attrs(rs.resource?.attributes)['service.name'] as string | undefined;
      for (const ss of (rs.scope_spans ?? []) as Json[]) {
        for (const s of (ss.spans ?? []) as Json[]) {
          rec.spans.push({
            service,
            scope: `${ss.scope?.name ?? ''}${ss.scope?.version ? `@${ss.scope.version}` : ''}`,
            name: s.name,
            kind: s.kind ?? 0,
            spanId: hex(s.span_id),
            parentSpanId: hex(s.parent_span_id),
            durationMs: (Number(s.end_time_unix_nano) - Number(s.start_time_unix_nano)) / 1e6,
            status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
            attributes: attrs(s.attributes),
            events: ((s.events ?? []) as Json[]).map((e) => e.name as string),
          });
        }
      }
    }
  } else if (signal === 'logs') {
    for (const rl of (msg.resource_logs ?? []) as Json[]) {
      const service = attrs(rl.resource?.attributes)['service.name'] as string | undefined;
      for (const sl of (rl.scope_logs ?? []) as Json[]) {
        for (const l of (sl.log_records ?? []) as Json[]) {
          rec.logs.push({ service, scope: sl.scope?.name ?? '', eventName: l.event_name ?? '', attributes: attrs(l.attributes) });
        }
      }
    }
  } else {
    for (const rm of (msg.resource_metrics ?? []) as Json[]) for (const sm of (rm.scope_metrics ?? []) as Json[]) for (const m of (sm.metrics ?? []) as Json[]) rec.metrics.push(m.name);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function hex(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  // protobufjs renders bytes as base64 with bytes: String; OTLP/JSON sends hex already.
  return /^[0-9a-f]+$/i.test(v) && (v.length === 16 || v.length === 32) ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
}

function value(v: Json): unknown {
  if (v == null) return undefined;
  if ('string_value' in v) return v.string_value;
  if ('bool_value' in v) return v.bool_value;
  if ('int_value' in v) return Number(v.int_value);
  if ('double_value' in v) return v.double_value;
  if ('array_value' in v) return ((v.array_value.values ?? []) as Json[]).map(value);
  if ('kvlist_value' in v) return attrs(v.kvlist_value.values);
  if ('bytes_value' in v) return '<bytes>';
  return undefined;
}

function attrs(list: Json[] | undefined): Attrs {
  const o: Attrs = {};
  for (const kv of list ?? []) o[kv.key] = value(kv.value);
  return o;
}

/** OTLP/JSON (lowerCamelCase) → the snake_case shape protobufjs gives for binary. */
function fromJson(v: Json): Json {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v === null || typeof v !== 'object') return v;
  const o: Json = {};
  for (const [k, x] of Object.entries(v)) o[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = fromJson(x);
  return o;
}
