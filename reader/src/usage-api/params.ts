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

function firstIssue(error: z.ZodError, endpoint: Endpoint): ParamError {
  const i = error.issues[0];
  if (i.code === 'unrecognized_keys') {
    const accepted = Object.keys(SCHEMAS[endpoint].shape).join(', ');
    return new ParamError(i.keys[0], `unknown parameter "${i.keys[0]}" for /api/usage/${endpoint}; accepted: ${accepted}`);
  }
  const parameter = String(i.path[0] ?? 'query');
  return new ParamError(parameter, `${parameter}: ${i.message}`);
}

/** Express gives arrays for repeated parameters; a repeated scalar is ambiguous, a repeated list is joined. */
function flatten(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) {
      if (k === 'models' || k === 'providers' || k === 'sessions') out[k] = v.join(',');
      else throw new ParamError(k, `${k}: given ${v.length} times; give it once`);
    } else if (v !== null && typeof v === 'object') {
      throw new ParamError(k, `${k}: expected a plain value, got a nested one`);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function defaultGroupBy(period: Period, spanMs: number): BucketSize {
  if (period === '1h' || period === '24h') return 'hour';
  if (period === 'custom' && spanMs <= 2 * DAY_MS) return 'hour';
  return 'day';
}

/** Validates the query string of `endpoint` into a range and filters; throws ParamError. */
export function resolveParams(endpoint: Endpoint, query: Record<string, unknown>, nowMs: number): UsageParams {
  const parsed = SCHEMAS[endpoint].safeParse(flatten(query));
  if (!parsed.success) throw firstIssue(parsed.error, endpoint);
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
