// Time buckets for exports and time series: whole UTC hours, days or ISO weeks (Monday 00:00 UTC),
// clipped to the requested range, so a range that starts at 10:30 has a first bucket 10:30–11:00
// and every other bucket lines up with the calendar.
import { DAY_MS, HOUR_MS, WEEK_MS } from './periods.js';

export type BucketSize = 'hour' | 'day' | 'week';
export const BUCKET_SIZES: readonly BucketSize[] = ['hour', 'day', 'week'];

/** 1970-01-01 was a Thursday; ISO weeks start on Monday, 3 days later (mod 7). */
const MONDAY_OFFSET_MS = 4 * DAY_MS;

function floorTo(ms: number, size: BucketSize): number {
  if (size === 'hour') return Math.floor(ms / HOUR_MS) * HOUR_MS;
  if (size === 'day') return Math.floor(ms / DAY_MS) * DAY_MS;
  return Math.floor((ms - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
}

const STEP: Record<BucketSize, number> = { hour: HOUR_MS, day: DAY_MS, week: WEEK_MS };

export function bucketCount(fromMs: number, toMs: number, size: BucketSize): number {
  return Math.ceil((toMs - floorTo(fromMs, size)) / STEP[size]);
}

/** from, every aligned boundary strictly between, to. */
export function bucketBoundaries(fromMs: number, toMs: number, size: BucketSize): number[] {
  if (!(toMs > fromMs)) throw new Error('the range must end after it starts');
  const out = [fromMs];
  for (let t = floorTo(fromMs, size) + STEP[size]; t < toMs; t += STEP[size]) out.push(t);
  out.push(toMs);
  return out;
}
