// The SDK's in-process checkLimit(): answered from the requests the tracker itself counted, and,
// given a request store, seeded from it (rows from before this process count).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import { fixedClock, setDefaultClock, type Clock } from '../../exporter/src/clock.js';
import { pseudonymizer } from '../../exporter/src/log/pseudonym.js';
import { toStoredRequest } from '../../exporter/src/request-store/row.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { createTracker } from '../../exporter/src/sources/sdk/index.js';
import { catalogWithLimits, priced, request } from './support.js';

const NOW = Date.parse('2031-07-31T20:00:00.000Z');
const catalog = parseCatalog(catalogWithLimits({ users: { default: { monthly_tokens: 10_000 } } }));
let previous: Clock;
let dir: string;
beforeAll(() => {
  previous = setDefaultClock(fixedClock(NOW));
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-limits-sdk-'));
});
afterAll(() => {
  setDefaultClock(previous);
  rmSync(dir, { recursive: true, force: true });
});

const event = (user: string, tokens: number, id: string) => ({ timestamp: NOW, provider: 'selfhost', model: 'm1', user_id: user, input_tokens: tokens, output_tokens: 0, request_id: id });

describe('tracker.checkLimit', () => {
  it('flips to not allowed once the tracked requests reach the cap', async () => {
    const tracker = createTracker({ catalog, processMetrics: false });
    expect(tracker.track(event('u1', 7_999, 'r1')).ok).toBe(true);
    expect(await tracker.checkLimit('u1')).toMatchObject({ allowed: true, warning: false, used: 7_999, remaining: 2_001, source: 'process', resets_at: '2031-08-01T00:00:00.000Z' });
    tracker.track(event('u1', 1, 'r2'));
    expect(await tracker.checkLimit('u1')).toMatchObject({ allowed: true, warning: true, remaining: 2_000 });
    tracker.track(event('u1', 2_000, 'r3'));
    expect(await tracker.checkLimit('u1')).toMatchObject({ allowed: false, used: 10_000, remaining: 0, limit_kind: 'monthly_tokens' });
    // A duplicate request id is not counted again.
    tracker.track(event('u1', 2_000, 'r3'));
    expect((await tracker.checkLimit('u1')).used).toBe(10_000);
    expect(await tracker.metrics()).toContain('ai_limit_subjects{scope="user",state="over"} 1');
  });

  it('with a store: seeded from its rows, so usage from before the process counts', async () => {
    const key = 'sdk-key';
    const store = new SqliteRequestStore(join(dir, 'requests.db'));
    const rec = request({ at: NOW - 86_400_000, user: 'u2', tokens: 9_500 });
    await store.insert([toStoredRequest(rec, priced(rec), pseudonymizer(key))]);
    const tracker = createTracker({ catalog, processMetrics: false, limits: { hashKey: key, store } });
    tracker.track(event('u2', 500, 'r9'));
    // 9,500 stored + 500 counted here (not yet in the store: the floor is the process's total).
    expect(await tracker.checkLimit('u2')).toMatchObject({ allowed: false, used: 10_000, remaining: 0, source: 'store' });
    await store.close();
  });
});
