// GET /api/limits/check?user=<id> (or ?key=<api key id>, optional &team=<team>): whether the
// subject may make another call, from the request store (check.ts). The id is pseudonymised on
// arrival and never logged or echoed. Mounted by server/app.ts behind the ingest token: the
// applications that send events are the ones asking. docs/limits.md describes the API.
import express, { type Request, type Response, type Router } from 'express';
import pino from 'pino';
import type { LimitCheck } from './check.js';
import type { Scope } from './policy.js';

/** Longer ids are rejected rather than hashed: no real user or key id is that long. */
export const MAX_ID_LENGTH = 512;
const PARAMS = new Set(['user', 'key', 'team']);

export interface LimitsRouterOptions {
  check: (scope: Scope, id: string, team?: string) => Promise<LimitCheck>;
  logger?: pino.Logger;
}

class ParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(res: Response, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error, message, ...extra });
}

/** One non-empty string value, or undefined; never the value in the message. */
function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ParamError(name, `${name}: expected one value, got ${Array.isArray(v) ? 'several' : 'an object'}`);
  if (v.trim() === '') throw new ParamError(name, `${name}: expected a non-empty id`);
  if (v.length > MAX_ID_LENGTH) throw new ParamError(name, `${name}: longer than ${MAX_ID_LENGTH} characters`);
  return v;
}

export function createLimitsRouter(opts: LimitsRouterOptions): Router {
  const log = opts.logger ?? pino({ level: 'silent' });
  const router = express.Router();
  router.get('/check', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    let scope: Scope;
    let id: string;
    let team: string | undefined;
    try {
      for (const k of Object.keys(req.query)) if (!PARAMS.has(k)) throw new ParamError(k, `${k}: unknown parameter (expected user or key, and optionally team)`);
      const user = one(req, 'user');
      const key = one(req, 'key');
      team = one(req, 'team');
      if (user !== undefined && key !== undefined) throw new ParamError('user', 'give user or key, not both');
      if (user === undefined && key === undefined) throw new ParamError('user', 'missing user (a user id) or key (an API key id)');
      if (team !== undefined && key !== undefined) throw new ParamError('team', 'team applies to users only');
      scope = user !== undefined ? 'user' : 'api_key';
      id = (user ?? key)!;
    } catch (e) {
      if (e instanceof ParamError) return fail(res, 400, 'invalid_parameter', e.message, { parameter: e.parameter });
      throw e;
    }
    try {
      res.json(await opts.check(scope, id, team));
    } catch (e) {
      // Driver errors can name hosts or files: a fixed message to the caller, the details to the log.
      log.warn({ err: (e as Error)?.message }, 'limit check: request store query failed');
      fail(res, 503, 'store_unavailable', 'the request store did not answer; try again');
    }
  });
  router.all('/check', (req: Request, res: Response) => {
    res.setHeader('Allow', 'GET, HEAD');
    fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /api/limits/check; use GET`);
  });
  return router;
}
