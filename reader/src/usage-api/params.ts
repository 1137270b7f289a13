// Query parameters of /api/usage/*, validated with zod into a time range, buckets and filters.
// The usage query model (period, startDate, endDate, groupBy, filters) flattened into the query
// string, plus a `range=` alias for `period`. Every rejection names the parameter.
import { z } from 'zod';
import { DAY_MS, HOUR_MS, parseBound } from '../report/periods.js';
import { BUCKET_SIZES, bucketCount, type BucketSize } from '../report/time-buckets.js';
import type { Dimension, UsageFilter } from '../report/usage.js';

export const PERIODS = ['1h', '24h', '7d', '30d', 'custom'] as const;
export type Period = (typeof PERIODS)[number];
export const BREAKDOWNS = ['provider', 'project', 'model', 'team', 'feature'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

const PERIOD_MS: Record<Exclude<Period, 'custom'>, number> = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS };
/** A time series longer than this is a mistake (30 days hourly is 720). */
export const MAX_TIMESERIES_BUCKETS = 2000;
const MAX_LIST = 100;

/** A 400 naming the parameter at fault. */
export class ParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: (iss) => (iss.input === undefined ? `required: one of ${values.join(', ')}` : `expected one of ${values.join(', ')}, got ${JSON.stringify(iss.input)}`) });

const commaList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(200, 'each value must be at most 200 characters')).min(1, 'expected a comma-separated list of values').max(MAX_LIST, `at most ${MAX_LIST} values`));

const dateText = z.string().min(1, 'expected a date');

const common = {
  period: oneOf(PERIODS).optional(),
  range: oneOf(PERIODS).optional(),
  startDate: dateText.optional(),
  endDate: dateText.optional(),
  models: commaList.optional(),
  providers: commaList.optional(),
  // Accepted by the schema only to be refused with the reason (see resolve()).
  sessions: z.string().optional(),
};

const SCHEMAS = {
  summary: z.strictObject(common),
  timeseries: z.strictObject({ ...common, groupBy: oneOf(BUCKET_SIZES as unknown as [BucketSize, ...BucketSize[]]).optional() }),
  breakdown: z.strictObject({ ...common, by: oneOf(BREAKDOWNS) }),
};
export type Endpoint = keyof typeof SCHEMAS;

export interface UsageParams {
  period: Period;
  fromMs: number;
  toMs: number;
  groupBy: BucketSize;
  by?: Breakdown;
  filter: UsageFilter;
}

/** The first zod issue as a ParamError naming the parameter; an unknown name is echoed (the caller's short typo), never a value. */
export function zodParamError(error: z.ZodError, accepted: readonly string[], where: string): ParamError {
  const i = error.issues[0];
  if (i.code === 'unrecognized_keys') {
    const name = i.keys[0].slice(0, 40);
    return new ParamError(name, `unknown parameter "${name}" for ${where}; accepted: ${accepted.join(', ')}`);
  }
  const parameter = String(i.path[0] ?? 'query');
  return new ParamError(parameter, `${parameter}: ${i.message}`);
}

/** Express gives arrays for repeated parameters: a repeated list parameter is joined, a repeated scalar is ambiguous. */
export function flattenQuery(query: Record<string, unknown>, lists: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) {
      if (!lists.has(k)) throw new ParamError(k, `${k}: given ${v.length} times; give it once`);
      if (v.some((x) => typeof x !== 'string')) throw new ParamError(k, `${k}: expected plain values, got a nested one`);
      out[k] = v.join(',');
    } else if (v !== null && typeof v === 'object') {
      throw new ParamError(k, `${k}: expected a plain value, got a nested one`);
    } else {
      out[k] = v;
    }
  }
  return out;
}

const LIST_PARAMS: ReadonlySet<string> = new Set(['models', 'providers', 'sessions']);

function defaultGroupBy(period: Period, spanMs: number): BucketSize {
  if (period === '1h' || period === '24h') return 'hour';
  if (period === 'custom' && spanMs <= 2 * DAY_MS) return 'hour';
  return 'day';
}

/** Validates the query string of `endpoint` into a range and filters; throws ParamError. */
export function resolveParams(endpoint: Endpoint, query: Record<string, unknown>, nowMs: number): UsageParams {
  const parsed = SCHEMAS[endpoint].safeParse(flattenQuery(query, LIST_PARAMS));
  if (!parsed.success) throw zodParamError(parsed.error, Object.keys(SCHEMAS[endpoint].shape), `/api/usage/${endpoint}`);
  const q = parsed.data as z.infer<(typeof SCHEMAS)['breakdown']> & { groupBy?: BucketSize };

  if (q.sessions !== undefined) {
    throw new ParamError(
      'sessions',
      'sessions: filtering by session is not possible here: session ids are never Prometheus labels (unbounded cardinality, and they are personal data kept only pseudonymised in the request log). Query the request log in Loki by its session pseudonym instead.',
    );
  }
  if (q.period && q.range && q.period !== q.range) throw new ParamError('range', `range: "${q.range}" contradicts period "${q.period}"; range is an alias of period, give one`);
  const period: Period = q.period ?? q.range ?? '24h';

  let fromMs: number;
  let toMs: number;
  if (period === 'custom') {
    if (!q.startDate) throw new ParamError('startDate', 'startDate: required when period is custom (YYYY-MM-DD or an ISO date-time with zone)');
    if (!q.endDate) throw new ParamError('endDate', 'endDate: required when period is custom (a date is inclusive: the whole day)');
    fromMs = bound(q.startDate, 'startDate', 'start');
    toMs = Math.min(bound(q.endDate, 'endDate', 'end'), nowMs);
    if (toMs <= fromMs) throw new ParamError('endDate', 'endDate: the range must end after startDate and start before now');
  } else {
    for (const p of ['startDate', 'endDate'] as const) {
      if (q[p] !== undefined) throw new ParamError(p, `${p}: only used with period=custom (period is ${period})`);
    }
    toMs = Math.floor(nowMs / 1000) * 1000;
    fromMs = toMs - PERIOD_MS[period];
  }

  const groupBy = q.groupBy ?? defaultGroupBy(period, toMs - fromMs);
  if (endpoint === 'timeseries') {
    const n = bucketCount(fromMs, toMs, groupBy);
    if (n > MAX_TIMESERIES_BUCKETS) throw new ParamError('groupBy', `groupBy: ${n} ${groupBy} buckets is more than ${MAX_TIMESERIES_BUCKETS}; use a coarser groupBy or a shorter range`);
  }
  return { period, fromMs, toMs, groupBy, by: q.by, filter: { models: q.models, providers: q.providers } };
}

function bound(s: string, parameter: string, role: 'start' | 'end'): number {
  try {
    return parseBound(s, parameter, role);
  } catch (e) {
    throw new ParamError(parameter, (e as Error).message);
  }
}

/** The label a breakdown groups by. */
export function breakdownDimensions(by: Breakdown): Dimension[] {
  return by === 'model' ? ['provider', 'model'] : [by];
}
