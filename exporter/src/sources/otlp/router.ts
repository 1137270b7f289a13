// OTLP/HTTP: POST /v1/traces, /v1/metrics and /v1/logs, binary protobuf or OTLP/JSON, optionally gzip.
// Status codes follow the OTLP/HTTP specification: 200 with an Export*ServiceResponse (carrying
// partial_success when some spans or points were rejected) in the request's encoding; 4xx with a
// google.rpc.Status body, also in the request's encoding. Body reading (limits, gzip, draining) and
// bearer auth are the /v1/events ones from server/.
import express, { type Request, type RequestHandler, type Response } from 'express';
import pino from 'pino';
import { HttpError, contentCoding, discardBody, readBody } from '../http/body.js';
import type { OtlpReceiver } from './receiver.js';
import { DecodeError, type Encoding, type Signal, decodeRequest, encodeResponse, encodeStatus } from './schema.js';

export interface OtlpRouterOptions {
  receiver: OtlpReceiver;
  bodyLimitBytes: number;
  logger?: pino.Logger;
  /** Runs before the handlers (the exporter's bearer auth, answering through sendOtlpError). */
  auth?: RequestHandler;
  /** Answers other methods on the OTLP paths (the exporter's 405). */
  methodNotAllowed?: RequestHandler;
}

const MEDIA: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** gRPC status codes for the Status body (OTLP/HTTP reuses google.rpc.Status). */
function grpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 413) return 8; // RESOURCE_EXHAUSTED
  if (status === 429) return 8;
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT: 400, 415
}

/** The request's OTLP encoding; anything but the two OTLP media types is 415. */
export function otlpEncoding(header: string | undefined): Encoding {
  const accepted = 'application/x-protobuf or application/json';
  if (!header) throw new HttpError(415, 'unsupported_media_type', `missing Content-Type; OTLP/HTTP takes ${accepted}`);
  const [type, ...params] = header.split(';');
  const media = type.trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  if (media === 'application/json') {
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() !== 'charset') continue;
      const cs = (v ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
      if (cs !== 'utf-8' && cs !== 'utf8') throw new HttpError(415, 'unsupported_media_type', `unsupported charset "${cs}"; OTLP/JSON is UTF-8`);
    }
    return 'json';
  }
  throw new HttpError(415, 'unsupported_media_type', `unsupported Content-Type "${media}"; OTLP/HTTP takes ${accepted}`);
}

/** The encoding to answer in: the request's when it is an OTLP one, else JSON. */
function responseEncoding(req: Request): Encoding {
  try {
    return otlpEncoding(req.headers['content-type']);
  } catch {
    return 'json';
  }
}

/** Sends an HttpError as an OTLP error response: its status, a google.rpc.Status body. */
export function sendOtlpError(res: Response, e: HttpError): void {
  const encoding = responseEncoding(res.req);
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).type(MEDIA[encoding]).send(encodeStatus(encoding, grpcCode(e.status), e.message));
}

function handler(signal: Signal, opts: OtlpRouterOptions, logger: pino.Logger): RequestHandler {
  const limit = opts.bodyLimitBytes;
  return async (req: Request, res: Response): Promise<void> => {
    let encoding: Encoding;
    let body: Buffer;
    try {
      encoding = otlpEncoding(req.headers['content-type']);
      body = await readBody(req, limit, contentCoding(req.headers['content-encoding']));
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      // Drained (bounded) rather than the socket closed, so the client reads the 413 or 415.
      discardBody(req, limit);
      sendOtlpError(res, e);
      return;
    }
    let result;
    try {
      if (signal === 'traces') result = await opts.receiver.exportTraces(decodeRequest('traces', body, encoding));
      else if (signal === 'metrics') result = opts.receiver.exportMetrics(decodeRequest('metrics', body, encoding));
      else result = opts.receiver.exportLogs(decodeRequest('logs', body, encoding));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      sendOtlpError(res, new HttpError(400, 'invalid_body', e.message));
      return;
    }
    logger.debug({ signal, accepted: result.accepted, rejected: result.rejected }, 'ingested OTLP export');
    res.status(200).type(MEDIA[encoding]).send(encodeResponse(signal, encoding, result.rejected, result.errorMessage));
  };
}

export function otlpRouter(opts: OtlpRouterOptions): express.Router {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const router = express.Router();
  const pre: RequestHandler[] = opts.auth ? [opts.auth] : [];
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const path = `/v1/${signal}`;
    router.post(path, ...pre, handler(signal, opts, logger));
    if (opts.methodNotAllowed) router.all(path, opts.methodNotAllowed);
  }
  return router;
}
