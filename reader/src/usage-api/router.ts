// The read-only usage API, mounted by the exporter at /api/usage (docs/usage-api.md):
//   GET /api/usage/summary     totals for a period
//   GET /api/usage/breakdown   per provider, project, model, team or feature
//   GET /api/usage/timeseries  per hour, day or week
// Bearer-token protected; without a configured token the API is off (404 saying how to turn it
// on), because usage and spend per team are not for anyone who can reach the metrics port.
// Answers come from Prometheus through report/usage.ts, so they equal `tokenscope report` and
// `tokenscope export` to the cent. Prometheus failing → 502, too slow → 504, never a partial body.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import pino from 'pino';
import type { Catalog } from '../../../catalog/src/schema.js';
import { defaultClock, type Clock } from '../../../exporter/src/clock.js';
import { PrometheusError, type PrometheusClient } from '../prometheus-client/client.js';
import { bucketBoundaries } from '../report/time-buckets.js';
import { fetchUsage, UsageQueryError } from '../report/usage.js';
import { breakdownDimensions, ParamError, resolveParams, type Endpoint } from './params.js';
import { breakdownBody, summaryBody, timeseriesBody } from './responses.js';

export interface UsageApiOptions {
  client: PrometheusClient;
  catalog: Catalog;
  token: string;
  logger?: pino.Logger;
  /** Where period=24h/7d/30d end and custom ranges are clipped. Default: the process's clock. */
  clock?: Clock;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function fail(res: Response, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error, message, ...extra });
}

/** Constant-time bearer check: both sides hashed to equal-length digests first. */
export function requireToken(token: string) {
  const expected = sha256(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(sha256(m[1]), expected)) {
      res.setHeader('WWW-Authenticate', m ? 'Bearer realm="tokenscope", error="invalid_token"' : 'Bearer realm="tokenscope"');
      fail(res, 401, 'unauthorized', m ? 'invalid bearer token' : 'missing bearer token: send "Authorization: Bearer <token>"');
      return;
    }
    next();
  };
}

export function createUsageApiRouter(opts: UsageApiOptions): Router {
  if (opts.token.trim() === '') throw new Error('usage API token must not be empty');
  const log = opts.logger ?? pino({ level: 'silent' });
  const clock = opts.clock ?? defaultClock();
  const router = express.Router();
  router.use(requireToken(opts.token));

  const handle = (endpoint: Endpoint, answer: (p: ReturnType<typeof resolveParams>) => Promise<unknown>) => async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const params = resolveParams(endpoint, req.query as Record<string, unknown>, clock.now());
      // Model filters honour the catalog's `match:` lists (report/usage.ts).
      res.json(await answer({ ...params, filter: { ...params.filter, catalogModels: opts.catalog.models } }));
    } catch (e) {
      if (e instanceof ParamError || e instanceof UsageQueryError) {
        fail(res, 400, 'invalid_parameter', e.message, { parameter: e.parameter });
      } else if (e instanceof PrometheusError) {
        log.warn({ kind: e.kind, endpoint }, e.message);
        if (e.kind === 'timeout') fail(res, 504, 'prometheus_timeout', e.message);
        else fail(res, 502, 'prometheus_unavailable', e.message);
      } else {
        log.error({ err: e, endpoint }, 'usage API request failed');
        fail(res, 500, 'internal_error', 'internal server error');
      }
    }
  };

  router.get(
    '/summary',
    handle('summary', async (p) => {
      const [bucket] = await fetchUsage(opts.client, { boundaries: [p.fromMs, p.toMs], groupBy: [], filter: p.filter });
      return summaryBody(p, bucket.total, opts.catalog);
    }),
  );
  router.get(
    '/breakdown',
    handle('breakdown', async (p) => {
      const [bucket] = await fetchUsage(opts.client, { boundaries: [p.fromMs, p.toMs], groupBy: breakdownDimensions(p.by!), filter: p.filter, latency: p.by === 'model' });
      return breakdownBody(p.by!, bucket.rows, opts.catalog);
    }),
  );
  router.get(
    '/timeseries',
    handle('timeseries', async (p) => {
      const buckets = await fetchUsage(opts.client, { boundaries: bucketBoundaries(p.fromMs, p.toMs, p.groupBy), groupBy: [], filter: p.filter });
      return timeseriesBody(p, buckets, opts.catalog);
    }),
  );
  router.all(['/summary', '/breakdown', '/timeseries'], (req: Request, res: Response) => {
    res.setHeader('Allow', 'GET, HEAD');
    fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /api/usage${req.path}; use GET`);
  });
  router.use((req: Request, res: Response) => fail(res, 404, 'not_found', `no usage endpoint ${req.path}; use /api/usage/summary, /breakdown or /timeseries`));
  return router;
}

/** What /api/usage answers when the API is off: a 404 that says why and how to turn it on. */
export function disabledUsageApiRouter(reason: string): Router {
  const router = express.Router();
  router.use((_req: Request, res: Response) => fail(res, 404, 'usage_api_disabled', `the usage API is disabled: ${reason}`));
  return router;
}
