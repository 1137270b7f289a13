// A loopback stand-in for Loki's push endpoint (no Loki binary runs in this environment). It
// checks each request against Loki's documented JSON push API and records it:
//   POST /loki/api/v1/push, Content-Type: application/json,
//   {"streams":[{"stream":{"label":"value"},"values":[["<unix ns as a decimal string>","<line>"]]}]}
// Responses are scripted: a queue of statuses (204 when empty), or `hang` to accept connections and
// never answer (a Loki that is down behind a load balancer).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushStream {
  stream: Record<string, string>;
  values: Array<[string, string] | [string, string, Record<string, string>]>;
}

export interface PushRequest {
  headers: IncomingMessage['headers'];
  body: { streams: PushStream[] };
  status: number;
}

/** Throws unless `body` is a valid Loki JSON push payload. */
export function assertPushPayload(body: unknown): asserts body is { streams: PushStream[] } {
  const fail = (why: string) => {
    throw new Error(`not a Loki push payload: ${why}`);
  };
  if (!body || typeof body !== 'object' || !Array.isArray((body as any).streams)) fail('no streams array');
  for (const s of (body as any).streams) {
    if (!s.stream || typeof s.stream !== 'object') fail('stream without labels');
    for (const [k, v] of Object.entries(s.stream)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) fail(`bad label name ${k}`);
      if (typeof v !== 'string' || v === '') fail(`label ${k} is not a non-empty string`);
    }
    if (!Array.isArray(s.values) || s.values.length === 0) fail('stream without values');
    for (const v of s.values) {
      if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3)) fail('value is not [ts, line]');
      if (typeof v[0] !== 'string' || !/^\d{19}$/.test(v[0])) fail(`timestamp ${v[0]} is not unix nanoseconds as a string`);
      if (typeof v[1] !== 'string') fail('line is not a string');
    }
  }
}

export class FakeLoki {
  readonly requests: PushRequest[] = [];
  readonly errors: string[] = [];
  /** Statuses for the next requests, in order; 204 once empty. */
  script: number[] = [];
  hang = false;
  private readonly hanging: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(port = 0): Promise<FakeLoki> {
    let fake: FakeLoki | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    fake = new FakeLoki(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Decided on arrival: a request that came in while Loki "hung" must not be accepted later just
    // because its body finished arriving after `hang` was lifted (the client has given up on it).
    const hang = this.hang;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (hang || res.destroyed) {
      this.hanging.push(res);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') {
      this.errors.push(`${req.method} ${req.url}`);
      res.statusCode = 404;
      res.end('404 page not found\n');
      return;
    }
    let body: unknown;
    try {
      if (!String(req.headers['content-type']).startsWith('application/json')) throw new Error(`content-type ${req.headers['content-type']}`);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      assertPushPayload(body);
    } catch (e) {
      this.errors.push((e as Error).message);
      res.statusCode = 400;
      res.end((e as Error).message);
      return;
    }
    const status = this.script.shift() ?? 204;
    this.requests.push({ headers: req.headers, body, status });
    res.statusCode = status;
    res.end(status >= 400 ? 'scripted failure' : undefined);
  }

  /** Every accepted line (from 2xx answers), in arrival order, with its stream labels. */
  lines(): Array<{ labels: Record<string, string>; ts: string; line: string }> {
    return this.requests
      .filter((r) => r.status < 300)
      .flatMap((r) => r.body.streams.flatMap((s) => s.values.map((v) => ({ labels: s.stream, ts: v[0], line: v[1] }))));
  }

  close(): Promise<void> {
    for (const r of this.hanging.splice(0)) r.destroy();
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }
}
