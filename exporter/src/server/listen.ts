// The HTTP server the exporter's app runs in, with the limits Node leaves open or loose by default:
// a client that sends its headers or body a byte at a time (slowloris) is cut off, idle keep-alive
// connections are closed, and the number of open connections is capped. docs/exporter.md, "HTTP".
import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpLimits {
  /** Time to receive a request's headers; then 408 and close. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included; then 408 and close. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; further connections are closed at once. */
  maxConnections: number;
}

/**
 * Headers in 10 s: Prometheus and SDK clients send theirs in one packet, so only a stalling client
 * waits that long. A whole request in 60 s: a 10 MiB batch (the body limit) over a 2 Mbit/s link.
 * Keep-alive 65 s: longer than a 1-minute scrape interval, so Prometheus keeps its connection
 * between scrapes instead of reconnecting. 512 connections: Prometheus needs one per scraper, an
 * application's HTTP pool a few; 512 stays well inside the usual 1024 open-file limit, which the
 * tailed files share.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 512,
};

export function createHttpServer(app: RequestListener, limits: Partial<HttpLimits> = {}): Server {
  const l = { ...DEFAULT_HTTP_LIMITS, ...limits };
  for (const [k, v] of Object.entries(l)) if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer`);
  // Node rejects a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(l.headersTimeoutMs, l.requestTimeoutMs);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: l.requestTimeoutMs,
      // The timeouts above are enforced by a periodic sweep (30 s by default, which would let a
      // stalled client hold its connection up to 40 s); sweep at a quarter of the shorter one.
      connectionsCheckingInterval: Math.max(50, Math.min(5000, Math.floor(headersTimeout / 4))),
    },
    app,
  );
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
  return server;
}

/** createHttpServer, listening on host:port once the promise resolves. */
export function listenHttp(app: RequestListener, port: number, host: string, limits: Partial<HttpLimits> = {}): Promise<Server> {
  const server = createHttpServer(app, limits);
  return new Promise((resolve, reject) => {
    // Left attached: a later server error (e.g. EMFILE on accept) must not be an uncaught exception.
    server.on('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
