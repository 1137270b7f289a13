// The usage store's durable form (inside the state file, ingest/state-file.ts) and its checked
// restore. A state file is trusted for its layout, not its values: one written before the add
// path refused non-finite values held `null` where +Inf had been (JSON has no Infinity), and
// restoring that made every later scrape unparseable. Every saved number must be finite and
// non-negative; a series with one that is not is reset (left out, so it restarts at 0 when next
// seen, which Prometheus reads as a counter reset) and counted, and the rest is kept.
// Version 1 files (cost histogram per request tuple) are converted first (usage-state-v1.ts).
import { MAX_LABEL_LENGTH } from '../events/ceilings.js';
import { ERROR_TYPES } from '../events/types.js';
import {
  newProjectSlot, newProviderModelSlot, newRequestSlot, tupleKey, FAMILIES, type Family, type StoreData,
} from './usage-slots.js';
import { fromV1, type StoreStateV1 } from './usage-state-v1.js';

export type { StoreStateV1 };

export interface StoreState {
  version: 2;
  /** values → [success, error, input, output, cacheRead, cacheWrite, reasoning, estimated, cost, revenue] */
  requests: Array<[string[], number[]]>;
  /** values → [durSum, durCount, ttftSum, ttftCount, unpriced, costSum, costCount, ...errors, ...durBuckets, ...ttftBuckets, ...costBuckets] */
  providerModels: Array<[string[], number[]]>;
  projects: Array<[string[], number[]]>;
  breakers: Array<[string, number, number, number]>;
  overflow: Array<[string, number]>;
  /** Records folded by the tuple caps, by family (absent in files written before the caps). */
  seriesFolded?: Array<[string, number]>;
  limiter: Record<string, string[]>;
  lastEventSeconds: number;
  costBuckets: number[];
  latencyBuckets: number[];
}

export const REQUEST_NUMBERS = 10;
export const PM_SCALARS = 7;

/** A value a counter, gauge or bucket can hold. */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

export function snapshotStore(d: StoreData): StoreState {
  return {
    version: 2,
    requests: [...d.requests.values()].map((s) => [
      s.values,
      [s.success, s.error, s.input, s.output, s.cacheRead, s.cacheWrite, s.reasoning, s.estimated, s.cost, s.revenue],
    ]),
    providerModels: [...d.providerModels.values()].map((s) => [
      s.values,
      [s.durSum, s.durCount, s.ttftSum, s.ttftCount, s.unpriced, s.costSum, s.costCount, ...s.errors, ...s.durBuckets, ...s.ttftBuckets, ...s.costBuckets],
    ]),
    projects: [...d.projects.values()].map((s) => [s.values, [s.requests, s.input, s.output, s.cost]]),
    breakers: [...d.breakers].map(([p, b]) => [p, b.state, b.failures, b.sinceSeconds]),
    overflow: [...d.overflow],
    seriesFolded: FAMILIES.map((f) => [f, d.seriesFolded[f]]),
    limiter: Object.fromEntries(Object.entries(d.limiters).map(([l, lim]) => [l, lim.values()])),
    lastEventSeconds: d.lastEventSeconds,
    costBuckets: [...d.costBuckets],
    latencyBuckets: [...d.latencyBuckets],
  };
}

export function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** The entry's label values and numbers when both have the expected shape; undefined otherwise. */
export function series(entry: unknown, labels: number, numbers: number): [string[], number[]] | undefined {
  if (!Array.isArray(entry) || entry.length !== 2) return undefined;
  const [values, n] = entry as [unknown, unknown];
  if (!Array.isArray(values) || values.length !== labels) return undefined;
  if (!values.every((v) => typeof v === 'string' && v.length <= MAX_LABEL_LENGTH)) return undefined;
  if (!Array.isArray(n) || n.length !== numbers || !n.every(isCount)) return undefined;
  return [values as string[], n as number[]];
}

/**
 * Fills an empty store from `st`. Returns the number of series reset because a value was not a
 * finite non-negative number (or an entry was malformed). Throws only when the histogram layout
 * changed, which no repair can undo.
 */
export function restoreStore(d: StoreData, input: StoreState | StoreStateV1): number {
  if (input.version !== 1 && input.version !== 2) throw new Error(`unsupported store state version ${String((input as { version: unknown }).version)}`);
  if (String(input.costBuckets) !== d.costBuckets.join() || String(input.latencyBuckets) !== d.latencyBuckets.join()) {
    // Bucket layout changed (e.g. a new SLO target): the old counts cannot be re-bucketed.
    throw new Error('histogram buckets changed since the checkpoint was written; remove the checkpoint to start afresh');
  }
  let repaired = 0;
  let st: StoreState;
  if (input.version === 1) ({ state: st, repaired } = fromV1(input, d.costBuckets.length, d.latencyBuckets.length));
  else st = input;
  const limiter = st.limiter !== null && typeof st.limiter === 'object' ? st.limiter : {};
  for (const [l, vals] of Object.entries(limiter)) d.limiters[l]?.restore(list<unknown>(vals).filter((v): v is string => typeof v === 'string' && v.length <= MAX_LABEL_LENGTH));

  for (const entry of list(st.requests)) {
    const ok = series(entry, 4, REQUEST_NUMBERS);
    if (!ok) {
      repaired++;
      continue;
    }
    const [values, n] = ok;
    const s = newRequestSlot(values);
    [s.success, s.error, s.input, s.output, s.cacheRead, s.cacheWrite, s.reasoning, s.estimated, s.cost, s.revenue] = n;
    d.requests.set(tupleKey(values), s);
  }
  const ne = ERROR_TYPES.length;
  const nl = d.latencyBuckets.length + 1;
  const nc = d.costBuckets.length + 1;
  for (const entry of list(st.providerModels)) {
    const ok = series(entry, 2, PM_SCALARS + ne + 2 * nl + nc);
    if (!ok) {
      repaired++;
      continue;
    }
    const [values, n] = ok;
    const s = newProviderModelSlot(values, d.latencyBuckets.length, d.costBuckets.length);
    [s.durSum, s.durCount, s.ttftSum, s.ttftCount, s.unpriced, s.costSum, s.costCount] = n;
    let at = PM_SCALARS;
    s.errors = n.slice(at, (at += ne));
    s.durBuckets = n.slice(at, (at += nl));
    s.ttftBuckets = n.slice(at, (at += nl));
    s.costBuckets = n.slice(at, at + nc);
    d.providerModels.set(tupleKey(values), s);
  }
  for (const entry of list(st.projects)) {
    const ok = series(entry, 1, 4);
    if (!ok) {
      repaired++;
      continue;
    }
    const [values, n] = ok;
    const s = newProjectSlot(values);
    [s.requests, s.input, s.output, s.cost] = n;
    d.projects.set(values[0], s);
  }
  for (const entry of list<unknown[]>(st.breakers)) {
    const [p, state, failures, since] = Array.isArray(entry) ? entry : [];
    if (typeof p !== 'string' || p.length > MAX_LABEL_LENGTH || !(state === 0 || state === 1 || state === 2) || !isCount(failures) || !isCount(since)) {
      repaired++; // a catalog provider keeps its closed default
      continue;
    }
    d.breakers.set(p, { state, failures, sinceSeconds: since });
  }
  d.overflow.clear();
  for (const entry of list<unknown[]>(st.overflow)) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && isCount(entry[1])) d.overflow.set(entry[0], entry[1]);
    else repaired++;
  }
  for (const entry of list<unknown[]>(st.seriesFolded)) {
    if (Array.isArray(entry) && (FAMILIES as readonly unknown[]).includes(entry[0]) && isCount(entry[1])) d.seriesFolded[entry[0] as Family] = entry[1];
    else repaired++;
  }
  if (isCount(st.lastEventSeconds)) d.lastEventSeconds = st.lastEventSeconds;
  else repaired++;
  return repaired;
}
