// Exact counter increases between timestamps, per series, for reports and exports that must add up
// to the cent.
//
// `increase(x[1d])` is not exact: it extrapolates from the first and last sample inside the window
// to the window edges, so a day's total is off by up to a scrape interval's worth at each end and
// consecutive days do not add up to the week. `sum(x) at end - sum(x) at start` is exact but breaks
// on counter resets (a restarted exporter without a state file) and on series that vanish.
//
// Method. For boundaries B0 < B1 < … < Bn, each series' value "as of" Bi is its last raw sample in
// the window (B(i-1), Bi] (`last_over_time(x[Wi])`, Wi = Bi − B(i-1)); windows tile the timeline, so
// every sample belongs to exactly one bucket. The increase over bucket i is then
//   value(Bi) − value(B(i-1))                        in the common case (no reset),
//   0                                                 when the series has no sample in the bucket,
//   value(Bi)                                         when the series is new (no earlier value),
// and, when `resets()` flags the series over the bucket plus the window holding its base sample, or
// the value went down, or the base had to be carried over an empty bucket, the raw samples of that
// series in that bucket are fetched and walked with the usual reset rule (a drop means the counter
// restarted from 0). A false alarm only costs one extra query; the answer is the same.
//
// Limits, documented in docs/reports.md: a series silent for more than 35 days before B0 is taken
// as new (its whole value counts), and, like Prometheus itself, a reset followed by growth past the
// old value between two samples is invisible.
import { mapConcurrent } from '../prometheus-client/concurrency.js';
import type { Labels, PrometheusClient } from '../prometheus-client/client.js';
import { rangeMs, selector, seriesSelector } from '../prometheus-client/promql.js';

export interface SeriesDelta {
  labels: Labels;
  delta: number;
}

/** Prometheus refuses range queries of more than 11,000 points per series. */
const MAX_POINTS_PER_QUERY = 10_000;
const RAW_CONCURRENCY = 4;
/** How far back the value before the first bucket is looked for (longer than any silence we bridge). */
const BASE_LOOKBACK_MS = 35 * 86_400_000;

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

interface Run {
  first: number;
  last: number;
  window: number;
  resetWindow: number;
}

/** Consecutive boundaries sharing both window lengths can be fetched with one range query. */
function runsOf(b: readonly number[]): { runs: Run[]; windows: number[] } {
  const w = b.map((t, i) => (i === 0 ? b[1] - b[0] : t - b[i - 1]));
  const resetW = w.map((x, i) => x + (i === 0 ? w[0] : w[i - 1]));
  const runs: Run[] = [];
  for (let i = 0; i < b.length; i++) {
    const r = runs[runs.length - 1];
    if (r && r.window === w[i] && r.resetWindow === resetW[i] && i - r.first < MAX_POINTS_PER_QUERY) r.last = i;
    else runs.push({ first: i, last: i, window: w[i], resetWindow: resetW[i] });
  }
  return { runs, windows: w };
}

function checkBoundaries(b: readonly number[]): void {
  if (b.length < 2) throw new Error('need at least two boundaries');
  for (let i = 0; i < b.length; i++) {
    if (!Number.isSafeInteger(b[i])) throw new Error(`boundary ${i} is not a whole number of ms: ${b[i]}`);
    if (i > 0 && b[i] <= b[i - 1]) throw new Error(`boundaries must increase: ${new Date(b[i - 1]).toISOString()} then ${new Date(b[i]).toISOString()}`);
  }
}

/**
 * Exact increase of every series of `metric{matchers}` in each bucket (B(i), B(i+1)], i = 0…n−1.
 * Result[i] lists the series that had a sample in bucket i (a zero delta included).
 */
export async function counterDeltas(
  client: PrometheusClient,
  metric: string,
  matchers: readonly string[],
  boundaries: readonly number[],
): Promise<SeriesDelta[][]> {
  checkBoundaries(boundaries);
  const sel = selector(metric, matchers);
  const { runs, windows } = runsOf(boundaries);
  const values: Array<Map<string, number>> = boundaries.map(() => new Map());
  const flagged: Array<Set<string>> = boundaries.map(() => new Set());
  const labelsOf = new Map<string, Labels>();
  const indexOf = new Map(boundaries.map((t, i) => [t, i]));

  const fetchRun = async (r: Run, kind: 'value' | 'reset'): Promise<void> => {
    const expr = kind === 'value' ? `last_over_time(${sel}[${rangeMs(r.window)}])` : `resets(${sel}[${rangeMs(r.resetWindow)}]) > 0`;
    const rows =
      r.first === r.last
        ? (await client.instant(expr, boundaries[r.first])).map((s) => ({ labels: s.labels, points: [[boundaries[r.first], s.value]] as Array<[number, number]> }))
        : await client.range(expr, boundaries[r.first], boundaries[r.last], r.window);
    for (const row of rows) {
      const key = seriesKey(row.labels);
      if (kind === 'value') labelsOf.set(key, row.labels);
      for (const [t, v] of row.points) {
        const i = indexOf.get(t);
        if (i === undefined) continue;
        if (kind === 'value') values[i].set(key, v);
        else flagged[i].add(key);
      }
    }
  };
  await mapConcurrent(
    runs.flatMap((r) => [[r, 'value'], [r, 'reset']] as const),
    RAW_CONCURRENCY,
    ([r, kind]) => fetchRun(r, kind),
  );
  // The base before the first bucket is looked up over a long window, not the first bucket's
  // length: a clipped first bucket (a rolling range starting mid-hour) or a scrape gap before B0
  // would otherwise leave no base, and the series' whole lifetime value would count as new.
  const baseWindow = Math.max(windows[0], BASE_LOOKBACK_MS);
  for (const s of await client.instant(`last_over_time(${sel}[${rangeMs(baseWindow)}])`, boundaries[0])) {
    values[0].set(seriesKey(s.labels), s.value);
  }

  const out: SeriesDelta[][] = boundaries.slice(1).map(() => []);
  const rawTasks: Array<{ key: string; bucket: number; base: number }> = [];
  for (const [key, labels] of labelsOf) {
    let base: number | undefined = values[0].get(key);
    let carried = false;
    for (let i = 1; i < boundaries.length; i++) {
      const end = values[i].get(key);
      if (end === undefined) {
        // No sample in this bucket: nothing was counted; keep the last value as the next base.
        if (base !== undefined) carried = true;
        continue;
      }
      if (flagged[i].has(key) || (base !== undefined && (end < base || carried))) {
        rawTasks.push({ key, bucket: i - 1, base: base ?? 0 });
      } else {
        out[i - 1].push({ labels, delta: end - (base ?? 0) });
      }
      base = end;
      carried = false;
    }
  }

  const raw = await mapConcurrent(rawTasks, RAW_CONCURRENCY, async ({ key, bucket, base }) => {
    const i = bucket + 1;
    const labels = labelsOf.get(key)!;
    const [series] = await client.rawSamples(`${seriesSelector(metric, labels)}[${rangeMs(windows[i])}]`, boundaries[i]);
    let prev = base;
    let delta = 0;
    for (const [t, v] of series?.points ?? []) {
      if (t <= boundaries[i - 1]) continue; // the base sample itself, when it sits on the boundary
      delta += v >= prev ? v - prev : v; // a drop: the counter restarted from 0
      prev = v;
    }
    return { bucket, labels, delta };
  });
  for (const r of raw) out[r.bucket].push({ labels: r.labels, delta: r.delta });
  return out;
}
