// The exporter's HTTP surface, composed here: /metrics for Prometheus (exposition/http.ts), /healthz
// and /readyz for the orchestrator, POST /v1/events (sources/http/events.ts) and OTLP for
// applications that push events, and the /api mounts; bearer-token auth in front of them.
// Every error is JSON and none carries a stack trace. docs/ingest-http.md describes the API.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import pino from 'pino';
import type { Pipeline } from '../ingest/pipeline.js';
import type { MetricsRenderer } from '../exposition/renderer.js';
import { metricsHandler } from '../exposition/http.js';
import type { RequestStore } from '../request-store/types.js';
import { OtlpReceiver, otlpRouter, sendOtlpError, type OtlpOptions } from '../sources/otlp/index.js';
import { DEFAULT_BODY_LIMIT_BYTES, HttpError, discardBody } from '../sources/http/body.js';
import { eventsHandler, sendError } from '../sources/http/events.js';

export interface AppOptions {
  pipeline: Pipeline;
  renderer: MetricsRenderer;
  /** When set, POST /v1/events (and OTLP) require `Authorization: Bearer <ingestToken>`. */
  ingestToken?: string;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>` (Prometheus `authorization` scrape config). */
  metricsToken?: string;
  /** Bound on the request body, on the wire and again after decompression. Default 10 MiB. */
  bodyLimitBytes?: number;
  logger?: pino.Logger;
  /** Readiness for /readyz (e.g. false until the initial backfill is done). Default: always ready. */
  ready?: () => boolean;
  /** The OTLP receiver's attribution options (docs/otlp.md); its counters go in the renderer's registry. */
  otlp?: Omit<OtlpOptions, 'registry'>;
  /** Mounted at /api/usage (docs/usage-api.md): usage-api/router.ts, enabled or the disabled 404. */
  usageApi?: RequestHandler;
  /** Mounted at /api/limits behind the ingest token (limits/router.ts: GET /api/limits/check). */
  limitsApi?: RequestHandler;
  /** The per-request store (request-store/), when serve opened one: for endpoints that read rows. */
  requestStore?: RequestStore;
  /** Mounted at /api/usage before usageApi: the request-store endpoints (usage-api/store-setup.ts). */
  usageStoreApi?: RequestHandler;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Bearer-token check in constant time: both sides are hashed to equal-length digests first.
 * `send` writes the 401 (the OTLP endpoints answer in their own encoding).
 */
function bearerAuth(token: string, drainLimit: number, send: (res: Response, e: HttpError) => void = sendError): RequestHandler {
  const expected = sha256(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!m) {
      discardBody(req, drainLimit);
      send(res, new HttpError(401, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"', {}, { 'WWW-Authenticate': 'Bearer realm="tokenscope"' }));
      return;
    }
    if (!timingSafeEqual(sha256(m[1]), expected)) {
      discardBody(req, drainLimit);
      send(res, new HttpError(401, 'unauthorized', 'invalid bearer token', {}, { 'WWW-Authenticate': 'Bearer realm="tokenscope", error="invalid_token"' }));
      return;
    }
    next();
  };
}

function methodNotAllowed(allow: string, drainLimit: number): RequestHandler {
  return (req: Request, res: Response): void => {
    discardBody(req, drainLimit);
    res.setHeader('Allow', allow);
    res.status(405).json({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${req.path}; use ${allow}` });
  };
}

export function createApp(opts: AppOptions): express.Express {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const limit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`bodyLimitBytes must be a positive integer, got ${limit}`);
  if (opts.ingestToken !== undefined && opts.ingestToken.trim() === '') throw new Error('ingestToken must not be empty');
  if (opts.metricsToken !== undefined && opts.metricsToken.trim() === '') throw new Error('metricsToken must not be empty');

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  if (opts.metricsToken !== undefined) app.get('/metrics', bearerAuth(opts.metricsToken, limit), metricsHandler(opts.renderer));
  else app.get('/metrics', metricsHandler(opts.renderer));
  app.all('/metrics', methodNotAllowed('GET, HEAD', limit));

  app.get('/healthz', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const ready = opts.ready ? opts.ready() : true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });

  const ingest: RequestHandler[] = [];
  if (opts.ingestToken !== undefined) ingest.push(bearerAuth(opts.ingestToken, limit));
  ingest.push(eventsHandler(opts.pipeline, limit, logger));
  app.post('/v1/events', ...ingest);
  app.all('/v1/events', methodNotAllowed('POST', limit));

  // OTLP/HTTP receiver (docs/otlp.md): POST /v1/traces and /v1/metrics, same token as /v1/events.
  app.use(
    otlpRouter({
      receiver: new OtlpReceiver(opts.pipeline, { ...opts.otlp, registry: opts.renderer.registry }),
      bodyLimitBytes: limit,
      logger,
      auth: opts.ingestToken !== undefined ? bearerAuth(opts.ingestToken, limit, sendOtlpError) : undefined,
      methodNotAllowed: methodNotAllowed('POST', limit),
    }),
  );

  if (opts.usageStoreApi) app.use('/api/usage', opts.usageStoreApi);
  if (opts.usageApi) app.use('/api/usage', opts.usageApi);
  // The applications that send events ask whether a user may go on: same token as /v1/events.
  if (opts.limitsApi) app.use('/api/limits', ...(opts.ingestToken !== undefined ? [bearerAuth(opts.ingestToken, limit)] : []), opts.limitsApi);

  app.use((req: Request, res: Response) => {
    discardBody(req, limit);
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });

  // Final handler: a JSON error, never a stack trace. Errors express itself raises (bad URI
  // encoding and the like) carry a 4xx status and an `expose` flag for a safe message.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
    const raw = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
    const status = raw >= 400 && raw < 600 ? raw : 500;
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    discardBody(req, limit);
    const message = status < 500 && e?.expose === true && typeof e.message === 'string' ? e.message : status < 500 ? 'bad request' : 'internal server error';
    res.status(status).json({ error: status < 500 ? 'bad_request' : 'internal_error', message });
  });

  return app;
}
