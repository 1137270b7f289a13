// Running totals for every ai_* request series, kept in plain objects behind one cached slot per
// label tuple and written out as exposition text at scrape time (usage-render.ts). prom-client's
// label lookups cost 3-4x the JSON.parse of the line they came from (measured: ~25-30% of a
// parse-only baseline), so the hot path here is one Map lookup per record; prom-client still
// serves the process metrics.
//
// Cardinality is bounded twice: each label has a cap on distinct values (LabelLimiter), and each
// family a cap on distinct label tuples (SeriesLimits), since tuples of values that are each under
// their own cap still multiply (100k such tuples were 2.6M samples); the folding is resolved once
// per raw tuple (raw-label-cache.ts). Values are cut to MAX_LABEL_LENGTH first. Nothing non-finite or negative is ever added (docs/metrics.md).
import type { Catalog } from '../../../catalog/src/schema.js';
import { CAPPED_LABELS } from '../contract/labels.js';
import { boundLabel, MAX_DURATION_SECONDS, MAX_LABEL_LENGTH, storable } from '../events/ceilings.js';
import { ERROR_TYPES, type BreakerRecord, type BreakerState, type ErrorType, type RequestRecord } from '../events/types.js';
import { COST_BUCKETS_DOLLARS, bucketIndex, latencyBuckets } from './buckets.js';
import type { Format } from '../exposition/exposition.js';
import { LabelLimiter } from './label-limiter.js';
import { RawLabelCache, type ResolvedSlots } from './raw-label-cache.js';
import { renderStore, sampleCount } from '../exposition/usage-render.js';
import {
  DEFAULT_SERIES_LIMITS, FAMILIES, UNSET,
  type BreakerSlot, type Family, type ProjectSlot, type ProviderModelSlot, type RequestSlot, type SeriesLimits, type StoreData,
} from './usage-slots.js';
import { isCount, restoreStore, snapshotStore, type StoreState, type StoreStateV1 } from './usage-state.js';

export { DEFAULT_SERIES_LIMITS, PROVIDER_MODEL_LABELS, REQUEST_LABELS, UNSET, type SeriesLimits } from './usage-slots.js';
export type { StoreState, StoreStateV1 } from './usage-state.js';

/** What pricing hands to the store; see exporter/src/pricing. */
export interface Priced {
  costUsd: number;
  revenueUsd: number;
  priced: boolean;
}

const ERROR_INDEX: Record<ErrorType, number> = Object.fromEntries(ERROR_TYPES.map((t, i) => [t, i])) as Record<ErrorType, number>;
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

function bound(v: string): string {
  return v.length > MAX_LABEL_LENGTH ? boundLabel(v) : v;
}

export class UsageStore implements StoreData {
  readonly costBuckets: readonly number[] = COST_BUCKETS_DOLLARS;
  readonly latencyBuckets: readonly number[];
  readonly limits: SeriesLimits;
  readonly revenueAlways: boolean;
  /** Bumped on every change, so a scrape can reuse a render of an unchanged store. */
  version = 0;
  lastEventSeconds = 0;
  repairedSeries = 0;
  invalidValues = 0;

  readonly limiters: Record<string, LabelLimiter>;
  readonly overflow = new Map<string, number>();
  readonly seriesFolded: Record<Family, number> = { request: 0, provider_model: 0 };
  readonly requests = new Map<string, RequestSlot>();
  readonly providerModels = new Map<string, ProviderModelSlot>();
  readonly projects = new Map<string, ProjectSlot>();
  readonly breakers = new Map<string, BreakerSlot>();
  /** Raw (unfolded) label values → resolved slots. */
  private readonly raw = new RawLabelCache(this);

  constructor(catalog: Catalog, limits: Partial<SeriesLimits> = {}) {
    this.latencyBuckets = latencyBuckets(catalog);
    this.revenueAlways = catalog.customer_pricing !== undefined;
    this.limits = { ...DEFAULT_SERIES_LIMITS };
    for (const f of FAMILIES) {
      const v = limits[f];
      if (v === undefined) continue;
      if (!Number.isSafeInteger(v) || v < 1) throw new Error(`the ${f} tuple cap must be a positive integer`);
      this.limits[f] = v;
    }
    const caps = catalog.limits.label_values;
    const cap = (l: string) => caps[l] ?? catalog.limits.default_label_values;
    this.limiters = Object.fromEntries(
      CAPPED_LABELS.map((l) => [l, new LabelLimiter(l, cap(l))]),
    );
    // Every catalog provider starts with a closed breaker, so the 17-provider grid is never blank.
    for (const p of catalog.providers) this.breakers.set(this.limiters.provider.fold(bound(p.slug)), { state: 0, failures: 0, sinceSeconds: 0 });
  }

  /** The record's slots; `n` records are counted as folded when a label or a tuple went to "other". */
  private entry(rec: RequestRecord, n: number): ResolvedSlots {
    const provider = bound(rec.provider);
    const model = bound(rec.model);
    const feature = rec.feature ? bound(rec.feature) : UNSET;
    const team = rec.team ? bound(rec.team) : UNSET;
    const project = rec.project ? bound(rec.project) : UNSET;
    const e = this.raw.get(provider, model, feature, team, project);
    for (let i = 0; i < e.folded.length; i++) this.overflow.set(e.folded[i], (this.overflow.get(e.folded[i]) ?? 0) + n);
    for (let i = 0; i < e.foldedFamilies.length; i++) this.seriesFolded[e.foldedFamilies[i]] += n;
    return e;
  }

  /** False (and counted) when a value could poison a counter; the record is then not counted at all. */
  private acceptable(rec: RequestRecord, price: Priced, n: number): boolean {
    const ok = storable(rec, price, n);
    if (!ok) this.invalidValues++;
    return ok;
  }

  /** Counts one request; false when a value was refused (counted in the store's invalid values). */
  recordRequest(rec: RequestRecord, price: Priced): boolean {
    const lat = rec.latencySeconds;
    const ttft = rec.ttftSeconds;
    if (!this.acceptable(rec, price, 1)) return false;
    const e = this.entry(rec, 1);
    this.count(e, rec, price, 1);
    const pm = e.pm;
    pm.costBuckets[bucketIndex(this.costBuckets, price.costUsd)]++;
    if (lat !== undefined) {
      pm.durBuckets[bucketIndex(this.latencyBuckets, lat)]++;
      pm.durSum += lat;
      pm.durCount++;
    }
    if (ttft !== undefined) {
      pm.ttftBuckets[bucketIndex(this.latencyBuckets, ttft)]++;
      pm.ttftSum += ttft;
      pm.ttftCount++;
    }
    return true;
  }

  /**
   * `n` requests known only in aggregate (OTLP gen_ai.client.* metrics, docs/otlp.md): `rec.tokens`
   * and `price` are their totals, so counters and _sum stay exact; the cost histogram puts all n at
   * their mean cost. `latency` is already bucketed on `latencyBuckets` (length + 1 counts).
   */
  recordAggregate(rec: RequestRecord, price: Priced, n: number, latency?: { buckets: readonly number[]; sum: number; count: number }): boolean {
    if (!this.acceptable(rec, price, n)) return false;
    const useLatency = latency !== undefined && latency.count > 0 && latency.buckets.length === this.latencyBuckets.length + 1;
    if (useLatency && !(isCount(latency.sum) && isCount(latency.count) && latency.sum <= latency.count * MAX_DURATION_SECONDS && latency.buckets.every(isCount))) {
      this.invalidValues++;
      return false;
    }
    const e = this.entry(rec, n);
    this.count(e, rec, price, n);
    const pm = e.pm;
    if (n > 0) pm.costBuckets[bucketIndex(this.costBuckets, price.costUsd / n)] += n;
    if (useLatency) {
      for (let i = 0; i < latency.buckets.length; i++) pm.durBuckets[i] += latency.buckets[i];
      pm.durSum += latency.sum;
      pm.durCount += latency.count;
    }
    return true;
  }

  /** The counters shared by single and aggregate records: `n` requests whose totals are in `rec` and `price`. */
  private count(e: ResolvedSlots, rec: RequestRecord, price: Priced, n: number): void {
    const r = e.req;
    const t = rec.tokens;
    if (rec.status === 'success') r.success += n;
    else r.error += n;
    r.input += t.input;
    r.output += t.output;
    r.cacheRead += t.cacheRead;
    r.cacheWrite += t.cacheWrite;
    r.reasoning += t.reasoning;
    if (rec.estimatedInputTokens !== undefined) r.estimated += rec.estimatedInputTokens;
    r.cost += price.costUsd;
    r.revenue += price.revenueUsd;

    const pm = e.pm;
    pm.costSum += price.costUsd;
    pm.costCount += n;
    if (rec.status === 'error') pm.errors[ERROR_INDEX[rec.errorType ?? 'other'] ?? ERROR_INDEX.other] += n;
    if (!price.priced) pm.unpriced += n;

    const pj = e.proj;
    pj.requests += n;
    pj.input += t.input;
    pj.output += t.output;
    pj.cost += price.costUsd;

    const ts = rec.timestampMs / 1000;
    if (ts > this.lastEventSeconds && Number.isFinite(ts)) this.lastEventSeconds = ts;
    this.version++;
  }

  recordBreaker(rec: BreakerRecord): void {
    const ts = rec.timestampMs / 1000;
    if (!isCount(ts) || (rec.failureCount !== undefined && !isCount(rec.failureCount))) {
      this.invalidValues++;
      return;
    }
    const raw = bound(rec.provider);
    const provider = this.limiters.provider.fold(raw);
    if (provider !== raw) this.overflow.set('provider', (this.overflow.get('provider') ?? 0) + 1);
    const slot = this.breakers.get(provider) ?? { state: 0, failures: 0, sinceSeconds: 0 };
    const state = BREAKER_VALUE[rec.state];
    // Out-of-order breaker events (older than the current state) must not roll the state back.
    if (ts < slot.sinceSeconds) return;
    if (state !== slot.state || slot.sinceSeconds === 0) slot.sinceSeconds = ts;
    slot.state = state;
    if (rec.failureCount !== undefined) slot.failures = rec.failureCount;
    else if (state === 0) slot.failures = 0;
    this.breakers.set(provider, slot);
    if (ts > this.lastEventSeconds) this.lastEventSeconds = ts;
    this.version++;
  }

  /** Number of samples a render writes (for benchmarks and the docs' cardinality estimate). */
  sampleCount(): number {
    return sampleCount(this);
  }

  /**
   * Writes every series. With `timestampMs` each sample carries it (backfill); OpenMetrics callers
   * add the final `# EOF` themselves because several renders go into one file.
   */
  render(format: Format = 'prometheus', timestampMs?: number): string {
    return renderStore(this, format, timestampMs);
  }

  snapshot(): StoreState {
    return snapshotStore(this);
  }

  /**
   * Replaces the counters with a snapshot's. A series holding a value no counter can have (null,
   * NaN, Infinity, negative: a state file from before the add-path checks) is reset and counted in
   * `repairedSeries`; the rest is restored. Series restored above a since-lowered cap are kept.
   * A state written before the cost histogram moved to (provider, model) is converted on the way.
   */
  restore(st: StoreState | StoreStateV1): void {
    this.raw.clear();
    this.requests.clear();
    this.providerModels.clear();
    this.projects.clear();
    this.repairedSeries = restoreStore(this, st);
    this.version++;
  }

  /** Adds series other parts of the state reset (ingest stats), for the one repair counter. */
  noteRepaired(n: number): void {
    this.repairedSeries += n;
    if (n > 0) this.version++;
  }
}
