// Turns OTLP histogram points into increments. The store keeps counters, so every point must become
// "what happened since the last point of this stream": delta points already are that, cumulative
// points are running totals since their start time and have to be differenced. A stream is one
// resource + scope + metric + attribute set (the caller builds the key).
//
// Rules (docs/otlp.md, "Aggregates"):
// - cumulative, first point of a stream: counted whole when the stream started after this receiver
//   did (everything in it is new to us); otherwise it is only a baseline, because it may hold calls
//   counted before a restart of the exporter, or calls from before we existed.
// - cumulative, same start time: the difference from the last point; a point not newer than the last
//   is a retry or out of order and counts nothing. Totals that went down mean the SDK reset them
//   without saying so: the whole point is new.
// - cumulative, later start time: the app restarted; everything since the new start is new.
// - delta: counted as it is, unless its interval starts before the end of the last point counted for
//   the stream (a retried export).
// State is bounded: past maxStreams the least recently seen stream is forgotten, and streams that
// started before the forgotten one are from then on treated as baselines, so forgetting can lose an
// interval but never counts one twice.

/** A histogram point's totals: call count, value sum, and (durations only) bucket counts. */
export interface Totals {
  count: number;
  sum: number;
  /** Counts per bucket of the store's latency layout (bounds.length + 1 entries), when known. */
  buckets?: number[];
}

export interface StreamPoint extends Totals {
  startNs: number;
  timeNs: number;
}

export type DeltaResult = { ok: true; delta: Totals } | { ok: false; reason: 'baseline' | 'stale' };

interface StreamState {
  startNs: number;
  timeNs: number;
  totals: Totals;
}

export const DEFAULT_MAX_STREAMS = 50_000;

export class DeltaTracker {
  private readonly streams = new Map<string, StreamState>();
  /** Cumulative streams starting before this are baselines when first seen (epoch ns). */
  private trustedFromNs: number;

  constructor(
    /** When the receiver started, epoch ms. */
    startedMs: number,
    private readonly maxStreams = DEFAULT_MAX_STREAMS,
  ) {
    this.trustedFromNs = startedMs * 1e6;
  }

  get size(): number {
    return this.streams.size;
  }

  cumulative(key: string, p: StreamPoint): DeltaResult {
    const s = this.streams.get(key);
    if (s === undefined) {
      this.remember(key, p);
      // startNs 0 means the SDK did not say when the stream started: we cannot know what is new.
      return p.startNs > 0 && p.startNs >= this.trustedFromNs ? ok(p) : { ok: false, reason: 'baseline' };
    }
    if (p.startNs === s.startNs) {
      if (p.timeNs <= s.timeNs) return { ok: false, reason: 'stale' };
      const prev = s.totals;
      this.remember(key, p);
      if (p.count >= prev.count && p.sum >= prev.sum) return ok(subtract(p, prev));
      return ok(p); // a silent reset
    }
    // A point from before the stream's last restart arrives late: already superseded.
    if (p.startNs < s.startNs) return { ok: false, reason: 'stale' };
    this.remember(key, p);
    return ok(p);
  }

  delta(key: string, p: StreamPoint): DeltaResult {
    const s = this.streams.get(key);
    // A point without a start time is compared by its own time.
    const from = p.startNs > 0 ? p.startNs : p.timeNs;
    if (s !== undefined && (from < s.timeNs || p.timeNs <= s.timeNs)) return { ok: false, reason: 'stale' };
    this.remember(key, p);
    return ok(p);
  }

  private remember(key: string, p: StreamPoint): void {
    // Delete and re-insert: Map order is then least recently seen first, for eviction.
    this.streams.delete(key);
    this.streams.set(key, { startNs: p.startNs, timeNs: p.timeNs, totals: { count: p.count, sum: p.sum, buckets: p.buckets } });
    if (this.streams.size > this.maxStreams) {
      const [oldKey, old] = this.streams.entries().next().value as [string, StreamState];
      this.streams.delete(oldKey);
      // 1 ms past its start: a double holds epoch nanoseconds only to ~256 ns.
      this.trustedFromNs = Math.max(this.trustedFromNs, old.startNs + 1e6);
    }
  }
}

function ok(t: Totals): DeltaResult {
  return { ok: true, delta: { count: t.count, sum: t.sum, buckets: t.buckets } };
}

function subtract(cur: Totals, prev: Totals): Totals {
  const count = cur.count - prev.count;
  const sum = cur.sum - prev.sum;
  let buckets: number[] | undefined;
  if (cur.buckets !== undefined && prev.buckets !== undefined && cur.buckets.length === prev.buckets.length) {
    buckets = new Array<number>(cur.buckets.length);
    for (let i = 0; i < buckets.length; i++) {
      const d = cur.buckets[i] - prev.buckets[i];
      // Negative after a change of bucket layout (an exponential histogram rescaled): no usable split.
      if (d < 0) {
        buckets = undefined;
        break;
      }
      buckets[i] = d;
    }
  }
  return { count, sum, buckets };
}
