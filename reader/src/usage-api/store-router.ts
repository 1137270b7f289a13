// The usage API's per-request half, read from the request store (request-store/types.ts), mounted
// at /api/usage next to the Prometheus-backed summary, breakdown and timeseries (docs/usage-api.md):
//   GET    /api/usage/log                  the usage log, paged and sorted; format=csv exports it
//   GET    /api/usage/sessions             per-session totals and the number of active sessions
//   GET    /api/usage/users/:pseudonym     one user's totals, by model and by day
//   DELETE /api/usage/users/:pseudonym     erases every row of that user (GDPR erasure)
// Same bearer token as the rest of /api/usage. Store failures answer 503 with a fixed message
// (driver errors can name hosts, files or SQL); the details go to the exporter's log.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import pino from 'pino';
import type { Catalog } from '../../../catalog/src/schema.js';
import { defaultClock, type Clock } from '../../../exporter/src/clock.js';
import { currencyOf } from '../report/currency.js';
import { isoDay } from '../report/periods.js';
import type { RequestStore } from '../../../exporter/src/request-store/types.js';
import { fail, requireToken } from './router.js';
import { assertNoQuery, ParamError, resolveLogParams, resolveSessionParams, resolveUserParams, type LogParams } from './store-params.js';
import { csvHeader, csvLines, logBody, sessionsBody, Tally, userBody } from './store-responses.js';

export interface StoreApiOptions {
  store: RequestStore;
  catalog: Catalog;
  token: string;
  logger?: pino.Logger;
  /** Where range=24h and the like end, and from/to are clipped. Default: the process's clock. */
  clock?: Clock;
  /** Rows per store query of a CSV export or a user's breakdown (default 5000). */
  exportPageSize?: number;
}

/** The paths this router answers; everything else under /api/usage passes on to the next router. */
export const STORE_PATHS = ['/log', '/sessions', '/users', '/users/*rest'];

/** Every instant a row can have: a user is known while any row of theirs is stored. */
const ALL_TIME = { fromMs: 0, toMs: 8.64e15 };

class StoreError extends Error {}

/** Runs a store call, turning any failure into a StoreError so the handler can answer 503. */
async function call<T>(p: Promise<T>, log: pino.Logger, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    log.warn({ err: (e as Error)?.message, what }, 'request store query failed');
    throw new StoreError(what);
  }
}

export function createStoreApiRouter(opts: StoreApiOptions): Router {
  if (opts.token.trim() === '') throw new Error('usage API token must not be empty');
  const log = opts.logger ?? pino({ level: 'silent' });
  const clock = opts.clock ?? defaultClock();
  const store = opts.store;
  const chunk = opts.exportPageSize ?? 5000;
  const router = express.Router();
  router.use(STORE_PATHS, requireToken(opts.token));

  const handle = (fn: (req: Request, res: Response) => Promise<unknown>) => async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const body = await fn(req, res);
      if (body !== undefined) res.json(body);
    } catch (e) {
      if (res.headersSent) {
        // Mid-CSV: the status line is gone; cut the body so the client sees a truncated download.
        log.warn({ path: req.path }, 'usage log export aborted');
        res.destroy();
      } else if (e instanceof ParamError) {
        fail(res, 400, 'invalid_parameter', e.message, { parameter: e.parameter });
      } else if (e instanceof StoreError) {
        fail(res, 503, 'store_unavailable', `the request store could not answer (${e.message}); the exporter log has the details`);
      } else {
        log.error({ err: e, path: req.path }, 'usage API request failed');
        fail(res, 500, 'internal_error', 'internal server error');
      }
    }
  };

  const query = (req: Request) => req.query as Record<string, unknown>;

  router.get(
    '/log',
    handle(async (req, res) => {
      const p = resolveLogParams(query(req), clock.now(), !req.query.format && req.accepts(['application/json', 'text/csv']) === 'text/csv');
      if (p.format === 'csv') return exportCsv(p, res);
      const q = { ...p.filter, page: p.page, pageSize: p.pageSize, sort: p.sort, order: p.order };
      const [page, totals] = await Promise.all([call(store.log(q), log, 'usage log'), call(store.totals(p.filter), log, 'usage log totals')]);
      return logBody(p, page.rows, page.total, totals, opts.catalog);
    }),
  );

  /** Every matching row, one store page at a time, written as it comes (backpressure honoured). */
  async function exportCsv(p: LogParams, res: Response): Promise<undefined> {
    const c = currencyOf(opts.catalog);
    // The first page is read before the status line, so a store that is down still gets its 503.
    const first = await call(store.log({ ...p.filter, page: 1, pageSize: chunk, sort: p.sort, order: p.order }), log, 'usage log export');
    const name = `tokenscope-usage-${new Date(p.fromMs).toISOString().slice(0, 19).replace(/:/g, '')}Z.csv`;
    res.status(200).setHeader('Content-Type', 'text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}"`);
    await write(res, csvHeader(c));
    let rows = first.rows;
    // The count of the first page bounds the pages: rows arriving during the export do not extend it.
    const pages = Math.ceil(first.total / chunk);
    for (let page = 1; rows.length > 0; ) {
      await write(res, csvLines(rows, c));
      if (++page > pages) break;
      rows = (await call(store.log({ ...p.filter, page, pageSize: chunk, sort: p.sort, order: p.order }), log, 'usage log export')).rows;
    }
    res.end();
    return undefined;
  }

  router.get(
    '/sessions',
    handle(async (req) => {
      const p = resolveSessionParams(query(req), clock.now());
      const r = await call(store.sessions({ ...p.filter, page: p.page, pageSize: p.pageSize, sort: p.sort, order: p.order }), log, 'sessions');
      return sessionsBody(p, r.rows, r.total, opts.catalog);
    }),
  );

  router.get(
    '/users/:pseudonym',
    handle(async (req, res) => {
      const p = resolveUserParams(String(req.params.pseudonym), query(req), clock.now());
      const ever = await call(store.totals({ ...ALL_TIME, user: p.user }), log, 'user usage');
      if (ever.requests === 0) {
        fail(res, 404, 'unknown_user', 'no request of this user pseudonym is in the request store (never seen, erased, or past retention)');
        return undefined;
      }
      const filter = { fromMs: p.fromMs, toMs: p.toMs, user: p.user };
      const totals = await call(store.totals(filter), log, 'user usage');
      // By model and by day from the user's own rows, one page at a time, oldest first.
      const byModel = new Tally();
      const byDay = new Tally();
      const pages = Math.ceil(totals.requests / chunk);
      for (let page = 1; page <= pages; page++) {
        const { rows } = await call(store.log({ ...filter, page, pageSize: chunk, sort: 'time', order: 'asc' }), log, 'user usage');
        for (const r of rows) {
          byModel.add(`${r.provider}/${r.model}`, r);
          byDay.add(isoDay(r.timestampMs), r);
        }
      }
      return userBody(p, totals, byModel, byDay, opts.catalog);
    }),
  );

  router.delete(
    '/users/:pseudonym',
    handle(async (req) => {
      const p = resolveUserParams(String(req.params.pseudonym), {}, clock.now());
      assertNoQuery(query(req), 'DELETE /api/usage/users/:pseudonym');
      const deleted = await call(store.eraseUser(p.user), log, 'user erasure');
      // Counted, never the pseudonym itself: the log outlives the erasure.
      log.info({ deleted }, 'erased a user from the request store via the usage API');
      return { user: p.user, deleted };
    }),
  );

  router.all(['/log', '/sessions'], (req: Request, res: Response) => {
    res.setHeader('Allow', 'GET, HEAD');
    fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /api/usage${req.path}; use GET`);
  });
  router.all('/users/:pseudonym', (req: Request, res: Response) => {
    res.setHeader('Allow', 'GET, HEAD, DELETE');
    fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /api/usage/users/:pseudonym; use GET or DELETE`);
  });
  router.all(['/users', '/users/*rest'], (_req: Request, res: Response) => fail(res, 404, 'not_found', 'use /api/usage/users/<pseudonym> (16 lower-case hex characters)'));
  return router;
}

/**
 * What the store paths answer when no request store is configured: a 404 that says how to turn
 * it on (after the token check, so the configuration is not told to anyone who asks).
 */
export function storeDisabledRouter(token: string, reason: string): Router {
  const router = express.Router();
  router.use(STORE_PATHS, requireToken(token), (_req: Request, res: Response, _next: NextFunction) => fail(res, 404, 'request_store_disabled', `the usage log, sessions and per-user usage need the request store: ${reason}`));
  return router;
}

function write(res: Response, text: string): Promise<void> {
  if (text === '' || res.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off('drain', done);
      res.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => done(new Error('client went away during the export'));
    res.once('drain', done);
    res.once('close', closed);
  });
}
