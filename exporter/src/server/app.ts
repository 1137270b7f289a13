// The exporter's HTTP surface: /metrics for Prometheus, /healthz and /readyz for the orchestrator,
// and POST /v1/events for applications that push events instead of writing log files.
// Every error is JSON and none carries a stack trace. docs/ingest-http.md describes the API.
import { createHash, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { constants as zlibConstants, gzip as gzipCallback } from 'node:zlib';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import pino from 'pino';
import type { Outcome, Pipeline } from '../ingest/pipeline.js';
import type { MetricsRenderer } from '../exposition/renderer.js';
import type { RequestStore } from '../request-store/types.js';
import { OtlpReceiver, otlpRouter, sendOtlpError, type OtlpOptions } from '../sources/otlp/index.js';
import {
  DEFAULT_BODY_LIMIT_BYTES, HttpError, bodyKind, contentCoding, describePosition, discardBody, readBody, splitJsonArray, type BodyKind,
} from '../sources/http/body.js';
import { Slice } from '../sources/http/slice.js';

export { DEFAULT_BODY_LIMIT_BYTES, HttpError } from '../sources/http/body.js';

const gzip = promisify(gzipCallback);

/** zlib's output buffer for a /metrics body: above the gzipped size of a body at the series caps. */
const GZIP_CHUNK_BYTES = 4 * 1024 * 1024;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Rejections listed in one response; the rest are only counted (rejected_truncated). */
export const MAX_REJECTIONS_LISTED = 1000;

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

export interface Rejection {
  /** 0-based: the element's position in a JSON array, or the line's index in NDJSON (blank lines included). */
  index: number;
  /** NDJSON only: the 1-based line number (index + 1). */
  line?: number;
  reason: string;
  message: string;
}

export interface IngestResponse {
  /** Events counted. */
  accepted: number;
  /** Events dropped because their request_id was already counted within the dedupe window. */
  duplicates: number;
  /** The first MAX_REJECTIONS_LISTED rejected events, in body order. */
  rejected: Rejection[];
  /** Rejected events left out of `rejected`. */
  rejected_truncated: number;
}

function sendError(res: Response, e: HttpError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json(e.body());
}

/** GET /metrics: the shared render, gzipped when the scraper accepts it (Prometheus always does). */
export function metricsHandler(renderer: MetricsRenderer): RequestHandler {
  // Concurrent scrapes share one render and therefore one string: compress it once too.
  let last: { text: string; gz: Promise<Buffer> } | undefined;
  return async (req: Request, res: Response): Promise<void> => {
    const text = await renderer.metrics();
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Encoding');
    let body: Buffer;
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      // Fastest level: at 50k samples (5 MB) it takes ~10 ms instead of ~45 ms for a body ~20% larger,
      // time every scrape waits for and ingestion competes with.
      // chunkSize: zlib hands back each full output buffer to the event loop before it goes on, so
      // with the default 16 KiB a body took a dozen round trips, each waiting behind whatever ran
      // on the loop (up to a second per scrape during a catch-up with the request log on); one
      // buffer larger than the compressed body takes one.
      if (last?.text !== text) last = { text, gz: gzip(text, { level: zlibConstants.Z_BEST_SPEED, chunkSize: GZIP_CHUNK_BYTES }) };
      body = await last.gz;
      res.setHeader('Content-Encoding', 'gzip');
    } else {
      body = Buffer.from(text, 'utf8');
    }
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
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

/** Counts outcomes and keeps the first MAX_REJECTIONS_LISTED rejections. */
class Tally implements IngestResponse {
  accepted = 0;
  duplicates = 0;
  rejected: Rejection[] = [];
  rejected_truncated = 0;

  add(o: Outcome, index: number, line?: number): void {
    if (o.ok) {
      if (o.duplicate) this.duplicates++;
      else this.accepted++;
    } else if (this.rejected.length < MAX_REJECTIONS_LISTED) {
      this.rejected.push(line === undefined ? { index, reason: o.reason, message: o.message } : { index, line, reason: o.reason, message: o.message });
    } else {
      this.rejected_truncated++;
    }
  }

  get rejectedTotal(): number {
    return this.rejected.length + this.rejected_truncated;
  }

  toJSON(): IngestResponse {
    return { accepted: this.accepted, duplicates: this.duplicates, rejected: this.rejected, rejected_truncated: this.rejected_truncated };
  }
}

async function ingestJson(pipeline: Pipeline, text: string, tally: Tally): Promise<void> {
  let parsed: unknown;
  let parsedOk = false;
  try {
    parsed = JSON.parse(text);
    parsedOk = true;
  } catch {
    // Fall through: split the array and parse element by element, so one bad event is rejected alone.
  }
  if (parsedOk) {
    if (Array.isArray(parsed)) {
      const slice = new Slice();
      for (let i = 0; i < parsed.length; i++) {
        tally.add(pipeline.ingestObject(parsed[i], 'http'), i);
        if (slice.due()) await slice.pause();
      }
      return;
    }
    if (parsed !== null && typeof parsed === 'object') {
      tally.add(pipeline.ingestObject(parsed, 'http'), 0); // one event object: a batch of one
      return;
    }
    throw new HttpError(400, 'invalid_body', `expected a JSON array of events ${describePosition(text, text.search(/\S/))}, got ${parsed === null ? 'null' : typeof parsed}`, {
      position: Math.max(0, text.search(/\S/)),
    });
  }
  const first = text.search(/\S/);
  if (first >= 0 && text.charCodeAt(first) === 0x7b) {
    // A single (malformed) event object: reject it as event 0 with the adapter's reason.
    tally.add(pipeline.ingestLine(text.trim(), 'http'), 0);
    return;
  }
  const split = splitJsonArray(text);
  if (!split.ok) {
    throw new HttpError(400, 'invalid_body', `${split.message} ${describePosition(text, split.position)}`, { position: split.position });
  }
  const els = split.elements;
  const slice = new Slice();
  for (let i = 0; i < els.length; i++) {
    tally.add(pipeline.ingestLine(text.slice(els[i][0], els[i][1]), 'http'), i);
    if (slice.due()) await slice.pause();
  }
}

function hasContent(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return true;
  }
  return false;
}

async function ingestNdjson(pipeline: Pipeline, text: string, tally: Tally): Promise<void> {
  let index = 0;
  const slice = new Slice();
  for (let start = 0; start < text.length; index++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    // Blank lines are skipped, neither counted nor rejected (but they keep line numbers right).
    if (hasContent(text, start, end)) {
      tally.add(pipeline.ingestLine(text.slice(start, end), 'http'), index, index + 1);
      if (slice.due()) await slice.pause();
    }
    start = next;
  }
}

function eventsHandler(opts: AppOptions, limit: number, logger: pino.Logger): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    let kind: BodyKind;
    let text: string;
    try {
      const coding = contentCoding(req.headers['content-encoding']);
      kind = bodyKind(req.headers['content-type']);
      const buf = await readBody(req, limit, coding);
      text = buf.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM
    } catch (e) {
      if (e instanceof HttpError) {
        // The unread rest of the body is drained (bounded) rather than the socket closed: closing
        // with unread data makes TCP reset the connection and the client never sees the 413.
        discardBody(req, limit);
        sendError(res, e);
        return;
      }
      throw e;
    }
    const tally = new Tally();
    try {
      if (kind === 'json') await ingestJson(opts.pipeline, text, tally);
      else await ingestNdjson(opts.pipeline, text, tally);
    } catch (e) {
      if (e instanceof HttpError) {
        sendError(res, e);
        return;
      }
      throw e;
    }
    logger.debug({ accepted: tally.accepted, duplicates: tally.duplicates, rejected: tally.rejectedTotal }, 'ingested HTTP batch');
    if (tally.accepted === 0 && tally.duplicates === 0 && tally.rejectedTotal > 0) {
      // Nothing in the body was usable: say so with a 4xx so a client does not mistake it for success.
      res.status(400).json({ error: 'no_valid_events', message: `none of the ${tally.rejectedTotal} events could be ingested`, ...tally.toJSON() });
      return;
    }
    res.status(200).json(tally.toJSON());
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
  ingest.push(eventsHandler(opts, limit, logger));
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
