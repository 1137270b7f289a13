// Query parameters of the request-store endpoints (/api/usage/log, /sessions, /users/:pseudonym),
// validated with zod. A range is `range=` (the window ending now) or `from`/`to`; filters are
// repeatable or comma lists. Every rejection names the parameter and never repeats its value:
// a query string may carry an id or an e-mail address pasted by mistake, and errors get logged.
import { z } from 'zod';
import { DAY_MS, HOUR_MS, parseBound } from '../report/periods.js';
import { LOG_SORT_COLUMNS, type LogSortColumn, type RequestFilter, type SessionQuery } from '../../../exporter/src/request-store/types.js';
import { flattenQuery, ParamError, zodParamError } from './params.js';

export { ParamError } from './params.js';

export const STORE_RANGES = ['1h', '24h', '7d', '30d'] as const;
type RangeName = (typeof STORE_RANGES)[number];
const RANGE_MS: Record<RangeName, number> = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS };

/** One JSON page at most; a CSV export streams every row in pages of its own. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE = 1_000_000;
const MAX_LIST = 100;
const FILTERS = ['provider', 'model', 'project', 'team', 'feature'] as const;
const LISTS = new Set<string>(FILTERS);
export const SESSION_SORTS = ['cost', 'requests', 'tokens', 'last'] as const;

/** Keyed pseudonyms (log/pseudonym.ts): 16 lower-case hex characters. */
export const PSEUDONYM_RE = /^[0-9a-f]{16}$/;

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: (iss) => (iss.input === undefined ? `required: one of ${values.join(', ')}` : `expected one of ${values.join(', ')}`) });

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(200, 'each value must be at most 200 characters')).min(1, 'expected one or more values (repeat the parameter or separate them with commas)').max(MAX_LIST, `at most ${MAX_LIST} values`));

const int = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `expected ${what}, a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `expected ${what} from ${min} to ${max}`).max(max, `expected ${what} from ${min} to ${max}`));

const pseudonym = z.string().regex(PSEUDONYM_RE, 'expected a pseudonym: 16 lower-case hex characters');
const bound = z.string().min(1, 'expected YYYY-MM-DD or an ISO date-time with a zone');

const rangeShape = { range: oneOf(STORE_RANGES).optional(), from: bound.optional(), to: bound.optional() };
const filterShape = Object.fromEntries(FILTERS.map((f) => [f, list.optional()])) as Record<(typeof FILTERS)[number], z.ZodOptional<typeof list>>;
const pageShape = { page: int(1, MAX_PAGE, 'a page').optional(), page_size: int(1, MAX_PAGE_SIZE, 'a page size').optional(), order: oneOf(['asc', 'desc']).optional() };

const SCHEMAS = {
  log: z.strictObject({
    ...rangeShape,
    ...filterShape,
    ...pageShape,
    sort: oneOf(LOG_SORT_COLUMNS).optional(),
    user: pseudonym.optional(),
    session: pseudonym.optional(),
    format: oneOf(['json', 'csv']).optional(),
  }),
  sessions: z.strictObject({ ...rangeShape, ...filterShape, ...pageShape, sort: oneOf(SESSION_SORTS).optional(), user: pseudonym.optional() }),
  user: z.strictObject({ ...rangeShape }),
};
export type StoreEndpoint = keyof typeof SCHEMAS;

export interface StoreWindow {
  /** `24h` and the like, or `custom` for from/to. */
  period: RangeName | 'custom';
  fromMs: number;
  toMs: number;
}

export interface LogParams extends StoreWindow {
  filter: RequestFilter;
  page: number;
  pageSize: number;
  sort: LogSortColumn;
  order: 'asc' | 'desc';
  format: 'json' | 'csv';
}

export interface SessionParams extends StoreWindow {
  filter: RequestFilter;
  page: number;
  pageSize: number;
  sort: SessionQuery['sort'];
  order: 'asc' | 'desc';
}

const where = (e: StoreEndpoint) => (e === 'user' ? '/api/usage/users/:pseudonym' : `/api/usage/${e}`);


function parseBoundSafe(s: string, parameter: 'from' | 'to', role: 'start' | 'end'): number {
  try {
    return parseBound(s, parameter, role);
  } catch (e) {
    // parseBound quotes the input; say what is wrong without it.
    const noSuchDate = /no such date/.test((e as Error).message);
    throw new ParamError(parameter, noSuchDate ? `${parameter}: no such date` : `${parameter}: expected YYYY-MM-DD (UTC; a "to" date is inclusive) or an ISO date-time with a zone`);
  }
}

function resolveRange(q: { range?: RangeName; from?: string; to?: string }, nowMs: number): StoreWindow {
  const now = Math.floor(nowMs / 1000) * 1000;
  if (q.range !== undefined && (q.from !== undefined || q.to !== undefined)) {
    throw new ParamError('range', `range: give range or from/to, not both`);
  }
  if (q.from === undefined && q.to === undefined) {
    const period = q.range ?? '24h';
    return { period, fromMs: now - RANGE_MS[period], toMs: now };
  }
  if (q.from === undefined) throw new ParamError('from', 'from: required with to');
  const fromMs = parseBoundSafe(q.from, 'from', 'start');
  // A future end is cut at now, so an export taken now is the same rows as one taken later.
  const toMs = Math.min(q.to === undefined ? now : parseBoundSafe(q.to, 'to', 'end'), now);
  if (toMs <= fromMs) throw new ParamError('to', 'to: the range must end after from and start before now');
  return { period: 'custom', fromMs, toMs };
}

function parse<E extends StoreEndpoint>(endpoint: E, query: Record<string, unknown>): z.infer<(typeof SCHEMAS)[E]> {
  const parsed = SCHEMAS[endpoint].safeParse(flattenQuery(query, LISTS));
  if (!parsed.success) throw zodParamError(parsed.error, Object.keys(SCHEMAS[endpoint].shape), where(endpoint));
  return parsed.data as z.infer<(typeof SCHEMAS)[E]>;
}

function filterOf(q: Partial<Record<(typeof FILTERS)[number], string[]>> & { user?: string; session?: string }, r: StoreWindow): RequestFilter {
  const f: RequestFilter = { fromMs: r.fromMs, toMs: r.toMs };
  for (const k of FILTERS) if (q[k]) f[k] = q[k];
  if (q.user) f.user = q.user;
  if (q.session) f.session = q.session;
  return f;
}

/** /api/usage/log. `wantsCsv`: the request's Accept header prefers text/csv (format= wins). */
export function resolveLogParams(query: Record<string, unknown>, nowMs: number, wantsCsv = false): LogParams {
  const q = parse('log', query);
  const r = resolveRange(q, nowMs);
  const format = q.format ?? (wantsCsv ? 'csv' : 'json');
  if (format === 'csv') {
    for (const p of ['page', 'page_size'] as const) {
      if (q[p] !== undefined) throw new ParamError(p, `${p}: not used with CSV: the export holds every matching row`);
    }
  }
  return { ...r, filter: filterOf(q, r), page: q.page ?? 1, pageSize: q.page_size ?? DEFAULT_PAGE_SIZE, sort: q.sort ?? 'time', order: q.order ?? 'desc', format };
}

/** /api/usage/sessions. */
export function resolveSessionParams(query: Record<string, unknown>, nowMs: number): SessionParams {
  const q = parse('sessions', query);
  const r = resolveRange(q, nowMs);
  return { ...r, filter: filterOf(q, r), page: q.page ?? 1, pageSize: q.page_size ?? DEFAULT_PAGE_SIZE, sort: q.sort ?? 'cost', order: q.order ?? 'desc' };
}

/** /api/usage/users/:pseudonym (GET and DELETE). */
export function resolveUserParams(pseudonymParam: string, query: Record<string, unknown>, nowMs: number): StoreWindow & { user: string } {
  if (!PSEUDONYM_RE.test(pseudonymParam)) throw new ParamError('pseudonym', 'pseudonym: expected 16 lower-case hex characters (tokenscope pseudonym prints the one of a user id)');
  return { ...resolveRange(parse('user', query), nowMs), user: pseudonymParam };
}

export function assertNoQuery(query: Record<string, unknown>, endpoint: string): void {
  const k = Object.keys(query)[0];
  if (k !== undefined) throw new ParamError(k.slice(0, 40), `unknown parameter "${k.slice(0, 40)}" for ${endpoint}; it takes none`);
}
