// The HTTP server's limits (server/listen.ts) and the optional bearer token on /metrics, over raw
// sockets: a client that trickles its headers or body, or just sits on a connection, is cut off
// within the configured timeout, and connections past the cap are refused.
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { createApp, type AppOptions } from '../../exporter/src/server/app.js';
import { createHttpServer, type HttpLimits } from '../../exporter/src/server/listen.js';
import { realCatalog } from './helpers.js';

const LIMITS: HttpLimits = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 300, maxConnections: 4 };
const SLACK_MS = 700; // the timeouts are enforced by a sweep every headersTimeout / 4, plus a loaded CI machine

let servers: Server[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets = [];
  await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
  servers = [];
});

async function start(limits: Partial<HttpLimits> = LIMITS, opts: Partial<AppOptions> = {}): Promise<number> {
  const pipeline = new Pipeline(realCatalog());
  const app = createApp({ pipeline, renderer: new MetricsRenderer(pipeline, { processMetrics: false }), ...opts });
  const server = createHttpServer(app, limits);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

interface Conn {
  socket: Socket;
  /** Resolves with ms from connect to close, and what the server sent. */
  closed: Promise<{ afterMs: number; received: string }>;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.once('error', () => {});
    socket.once('connect', () => {
      const t0 = performance.now();
      const closed = new Promise<{ afterMs: number; received: string }>((r) => socket.once('close', () => r({ afterMs: performance.now() - t0, received })));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Writes `chunks` one every `everyMs` until the socket closes. */
function trickle(socket: Socket, chunks: () => string, everyMs: number): void {
  const t = setInterval(() => {
    if (socket.destroyed || !socket.writable) return clearInterval(t);
    socket.write(chunks());
  }, everyMs);
  socket.once('close', () => clearInterval(t));
}

describe('HTTP server limits', () => {
  it('closes a connection that sends its headers slowly within the headers timeout', async () => {
    const port = await start();
    const c = await open(port);
    c.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    let i = 0;
    trickle(c.socket, () => `X-Slow-${i++}: 1\r\n`, 50);
    const r = await c.closed;
    expect(r.afterMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(r.afterMs).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
    expect(r.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that never sends anything within the headers timeout', async () => {
    const port = await start();
    const c = await open(port);
    const r = await c.closed;
    expect(r.afterMs).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
  });

  it('closes a request whose body arrives slowly within the request timeout', async () => {
    const port = await start();
    const c = await open(port);
    c.socket.write('POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n');
    trickle(c.socket, () => '          ', 50);
    const r = await c.closed;
    expect(r.afterMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
    expect(r.afterMs).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const port = await start();
    const c = await open(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.closed;
    expect(r.received).toMatch(/^HTTP\/1\.1 200/);
    expect(r.afterMs).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs - 50);
    // Node gives an idle keep-alive socket up to a second of grace past keepAliveTimeout.
    expect(r.afterMs).toBeLessThan(LIMITS.keepAliveTimeoutMs + 1000 + SLACK_MS);
  });

  it('refuses connections past the cap and serves again once they are gone', async () => {
    const port = await start({ ...LIMITS, headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => open(port)));
    const extra = await open(port);
    const r = await extra.closed;
    expect(r.received).toBe('');
    expect(r.afterMs).toBeLessThan(1000);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await new Promise((res) => setTimeout(res, 50));
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(ok.status).toBe(200);
  });
});

describe('bearer token on /metrics', () => {
  it('requires the token on GET /metrics and leaves health checks open', async () => {
    const port = await start(LIMITS, { metricsToken: 's3cret-scrape-token' });
    const url = `http://127.0.0.1:${port}`;
    const none = await fetch(`${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret-scrape-token' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('ai_requests_total');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('refuses an empty token', () => {
    const pipeline = new Pipeline(realCatalog());
    expect(() => createApp({ pipeline, renderer: new MetricsRenderer(pipeline, { processMetrics: false }), metricsToken: ' ' })).toThrow(/metricsToken/);
  });
});
