// Cumulative and delta histogram points → increments (exporter/src/sources/otlp/deltas.ts).
import { describe, expect, it } from 'vitest';
import { DeltaTracker, type StreamPoint } from '../../exporter/src/sources/otlp/deltas.js';

const MS = 1e6; // ns per ms
const STARTED = 1_750_000_000_000; // the receiver's start, epoch ms

function p(startMs: number, timeMs: number, count: number, sum: number, buckets?: number[]): StreamPoint {
  return { startNs: startMs * MS, timeNs: timeMs * MS, count, sum, buckets };
}

describe('DeltaTracker, cumulative', () => {
  it('counts a stream that started after the receiver whole, then differences', () => {
    const t = new DeltaTracker(STARTED);
    const s = STARTED + 5;
    expect(t.cumulative('a', p(s, s + 60_000, 4, 400, [1, 3]))).toEqual({ ok: true, delta: { count: 4, sum: 400, buckets: [1, 3] } });
    expect(t.cumulative('a', p(s, s + 120_000, 6, 650, [2, 4]))).toEqual({ ok: true, delta: { count: 2, sum: 250, buckets: [1, 1] } });
    expect(t.cumulative('a', p(s, s + 180_000, 6, 650, [2, 4]))).toEqual({ ok: true, delta: { count: 0, sum: 0, buckets: [0, 0] } });
  });

  it('takes the first point of a stream older than the receiver as a baseline only', () => {
    const t = new DeltaTracker(STARTED);
    const s = STARTED - 3_600_000; // e.g. the exporter restarted: these calls may be counted already
    expect(t.cumulative('a', p(s, STARTED + 10, 100, 9000))).toEqual({ ok: false, reason: 'baseline' });
    expect(t.cumulative('a', p(s, STARTED + 60_010, 103, 9300))).toMatchObject({ ok: true, delta: { count: 3, sum: 300 } });
    // No start time at all: nothing tells what is new.
    expect(t.cumulative('b', p(0, STARTED + 10, 5, 50))).toEqual({ ok: false, reason: 'baseline' });
  });

  it('ignores repeated and out-of-order points', () => {
    const t = new DeltaTracker(STARTED);
    const s = STARTED + 1;
    t.cumulative('a', p(s, s + 60_000, 4, 400));
    t.cumulative('a', p(s, s + 120_000, 6, 600));
    expect(t.cumulative('a', p(s, s + 120_000, 6, 600))).toEqual({ ok: false, reason: 'stale' }); // a retried export
    expect(t.cumulative('a', p(s, s + 60_000, 4, 400))).toEqual({ ok: false, reason: 'stale' }); // late
    expect(t.cumulative('a', p(s, s + 180_000, 7, 700))).toMatchObject({ ok: true, delta: { count: 1, sum: 100 } });
  });

  it('counts everything after a reset: a new start time, or totals that went down', () => {
    const t = new DeltaTracker(STARTED);
    const s = STARTED + 1;
    t.cumulative('a', p(s, s + 60_000, 10, 1000));
    const restarted = s + 90_000;
    expect(t.cumulative('a', p(restarted, restarted + 60_000, 2, 150))).toMatchObject({ ok: true, delta: { count: 2, sum: 150 } });
    expect(t.cumulative('a', p(restarted, restarted + 120_000, 1, 70))).toMatchObject({ ok: true, delta: { count: 1, sum: 70 } });
    // A point from the stream's life before the restart, arriving late.
    expect(t.cumulative('a', p(s, s + 70_000, 11, 1100))).toEqual({ ok: false, reason: 'stale' });
  });

  it('drops a bucket split that went negative (rescaled exponential buckets) but keeps count and sum', () => {
    const t = new DeltaTracker(STARTED);
    const s = STARTED + 1;
    t.cumulative('a', p(s, s + 1, 2, 3, [2, 0]));
    expect(t.cumulative('a', p(s, s + 2, 3, 5, [0, 3]))).toEqual({ ok: true, delta: { count: 1, sum: 2, buckets: undefined } });
  });

  it('forgets the least recently seen stream past its bound, and never counts it twice', () => {
    const t = new DeltaTracker(STARTED, 2);
    const s = STARTED + 1;
    t.cumulative('a', p(s, s + 10, 1, 1));
    t.cumulative('b', p(s, s + 10, 1, 1));
    t.cumulative('a', p(s, s + 20, 2, 2)); // a is now the most recent
    t.cumulative('c', p(s + 5, s + 20, 1, 1)); // evicts b
    expect(t.size).toBe(2);
    // b comes back with the same start: a baseline, not its whole history again.
    expect(t.cumulative('b', p(s, s + 30, 3, 3))).toEqual({ ok: false, reason: 'baseline' });
    // A stream started after the forgotten one's start is still trusted.
    expect(t.cumulative('d', p(s + 10, s + 30, 1, 1))).toMatchObject({ ok: true });
  });
});

describe('DeltaTracker, delta', () => {
  it('counts contiguous points and ignores a retried one', () => {
    const t = new DeltaTracker(STARTED);
    // Delta streams carry their own interval: even one from before the receiver is new to it.
    expect(t.delta('a', p(STARTED - 60_000, STARTED, 3, 30))).toMatchObject({ ok: true, delta: { count: 3, sum: 30 } });
    expect(t.delta('a', p(STARTED - 60_000, STARTED, 3, 30))).toEqual({ ok: false, reason: 'stale' });
    expect(t.delta('a', p(STARTED, STARTED + 60_000, 1, 5))).toMatchObject({ ok: true, delta: { count: 1, sum: 5 } });
  });
});
