// The running totals behind the limit gauges and the check: which caps apply to whom, warnings and
// breaches counted once per crossing, the memory bound, and totals seeded from (and re-synchronised
// with) a real SQLite request store, including rows another replica wrote.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import { UsageLimits } from '../../exporter/src/limits/index.js';
import { pseudonymize, pseudonymizer } from '../../exporter/src/log/pseudonym.js';
import { toStoredRequest } from '../../exporter/src/request-store/row.js';
import { SqliteRequestStore } from '../../exporter/src/request-store/sqlite.js';
import { catalogWithLimits, movableClock, priced, request } from './support.js';

const KEY = 'test-hash-key';
const NOW = Date.parse('2031-03-15T10:00:00.000Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function limitsFor(section: Record<string, unknown>, opts: { maxSubjects?: number; store?: SqliteRequestStore } = {}) {
  const clock = movableClock(NOW);
  const limits = new UsageLimits({ catalog: parseCatalog(catalogWithLimits(section)), hashKey: KEY, clock, maxSubjects: opts.maxSubjects, store: opts.store, syncIntervalMs: 0 });
  return { limits, clock, send: (o: Parameters<typeof request>[0]) => limits.request(request(o), priced(request(o))) };
}

function tempStore(): SqliteRequestStore {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-limits-'));
  dirs.push(dir);
  return new SqliteRequestStore(join(dir, 'requests.db'));
}

describe('which caps apply', () => {
  it('a user entry (by pseudonym or by id) wins over the team, the team over the default', async () => {
    const { limits, send } = limitsFor({
      users: {
        default: { daily_dollars: 10 },
        teams: { research: { daily_dollars: 100 } },
        subjects: [{ pseudonym: pseudonymize(KEY, 'vip'), daily_dollars: 1000 }, { id: 'intern', daily_tokens: 500 }],
      },
      api_keys: { keys: [{ id: 'key-ci', monthly_tokens: 2000 }] },
    });
    send({ at: NOW, user: 'rita', team: 'research', dollars: 20 });
    send({ at: NOW, user: 'vip', team: 'research', dollars: 20 });
    send({ at: NOW, user: 'plain', dollars: 20 });
    send({ at: NOW, user: 'intern', dollars: 0.4 });
    send({ at: NOW, key: 'key-ci', dollars: 1.9 });
    send({ at: NOW, key: 'key-other', dollars: 50 });
    const pick = async (scope: 'user' | 'api_key', id: string, team?: string) => {
      const c = await limits.check(scope, id, team);
      return [c.limit_kind, c.limit, c.allowed];
    };
    expect(await pick('user', 'rita')).toEqual(['daily_dollars', 100, true]); // team seen on her request
    expect(await pick('user', 'vip')).toEqual(['daily_dollars', 1000, true]);
    expect(await pick('user', 'plain')).toEqual(['daily_dollars', 10, false]);
    expect(await pick('user', 'plain', 'research')).toEqual(['daily_dollars', 100, true]); // ?team= picks it
    expect(await pick('user', 'intern')).toEqual(['daily_tokens', 500, true]);
    expect(await pick('api_key', 'key-ci')).toEqual(['monthly_tokens', 2000, true]);
    // No default for keys: an unnamed key has no cap at all.
    expect(await limits.check('api_key', 'key-other')).toMatchObject({ allowed: true, limit: null, remaining: null, resets_at: null, limits: [] });
  });

  it('rejects the same subject twice without naming it', () => {
    const text = catalogWithLimits({ users: { subjects: [{ id: 'someone@example.com', daily_dollars: 1 }, { pseudonym: pseudonymize(KEY, 'someone@example.com'), daily_dollars: 2 }] } });
    let err: Error | undefined;
    try {
      new UsageLimits({ catalog: parseCatalog(text), hashKey: KEY });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe('usage_limits.users.subjects[1]: the same subject as an earlier entry');
    expect(err?.message).not.toContain('someone');
  });
});

describe('warnings and breaches', () => {
  it('counts each crossing once per window; ok to over is a warning and a breach', () => {
    const { limits, send, clock } = limitsFor({ users: { default: { daily_dollars: 10 } }, api_keys: { default: { daily_tokens: 1000 } } });
    send({ at: NOW, user: 'a', dollars: 7.9 }); // 0.79: ok
    const s0 = limits.tracker.summary();
    expect(s0.warnings.user.get('daily_dollars')).toBeUndefined();
    expect(s0.subjects.user).toEqual([1, 0, 0]);
    send({ at: NOW, user: 'a', dollars: 0.1 }); // exactly 0.8: near
    send({ at: NOW, user: 'a', dollars: 1 }); // still near: not counted again
    send({ at: NOW, user: 'a', dollars: 1 }); // 10/10: over
    send({ at: NOW, user: 'a', dollars: 1 }); // still over
    send({ at: NOW, key: 'k', tokens: 5000 }); // ok to over at once
    let s = limits.tracker.summary();
    expect(s.warnings.user.get('daily_dollars')).toBe(1);
    expect(s.breaches.user.get('daily_dollars')).toBe(1);
    expect(s.warnings.api_key.get('daily_tokens')).toBe(1);
    expect(s.breaches.api_key.get('daily_tokens')).toBe(1);
    expect(s.subjects.user).toEqual([0, 0, 1]);
    expect(s.maxRatio.user.get('daily_dollars')).toBeCloseTo(1.1, 9);
    expect(s.maxRatio.api_key.get('daily_tokens')).toBe(5);

    // The next UTC day the same subject can cross again.
    clock.set(NOW + 86_400_000);
    send({ at: clock.now(), user: 'a', dollars: 10 });
    s = limits.tracker.summary();
    expect(s.breaches.user.get('daily_dollars')).toBe(2);
    expect(s.warnings.user.get('daily_dollars')).toBe(2);
  });

  it('exposes aggregates only: no user, key or pseudonym on /metrics', async () => {
    const { limits, send } = limitsFor({ users: { default: { monthly_dollars: 1 } }, api_keys: { default: { monthly_dollars: 1 } } });
    send({ at: NOW, user: 'user-4711@example.com', key: 'sk-live-secret', dollars: 2 });
    const registry = new Registry();
    limits.register(registry);
    const text = await registry.metrics();
    expect(text).toContain('ai_limit_subjects{scope="user",state="over"} 1');
    expect(text).toContain('ai_limit_subjects{scope="api_key",state="over"} 1');
    expect(text).toContain('ai_limit_max_used_ratio{scope="user",limit="monthly_dollars"} 2');
    expect(text).toContain('ai_limit_breaches_total{scope="api_key",limit="monthly_dollars"} 1');
    expect(text).toContain('ai_limit_warning_ratio 0.8');
    for (const secret of ['user-4711', 'sk-live-secret', pseudonymize(KEY, 'user-4711@example.com'), pseudonymize(KEY, 'sk-live-secret')]) expect(text).not.toContain(secret);
  });

  it('holds at most maxSubjects per scope and counts the requests of the rest', async () => {
    const { limits, send } = limitsFor({ users: { default: { daily_dollars: 1 } } }, { maxSubjects: 2 });
    for (const u of ['u1', 'u2', 'u3', 'u3']) send({ at: NOW, user: u, dollars: 2 });
    const s = limits.tracker.summary();
    expect(s.subjects.user).toEqual([0, 0, 2]);
    expect(s.untracked.user).toBe(2);
    // Without a store the check knows only what this process tracked.
    expect((await limits.check('user', 'u3')).used).toBe(0);
  });
});

describe('totals from the request store', () => {
  const section = { users: { default: { daily_dollars: 5, monthly_dollars: 20 } }, api_keys: { default: { monthly_tokens: 3000 } } };
  const rows = (list: Array<Parameters<typeof request>[0]>) => list.map((o) => toStoredRequest(request(o), priced(request(o)), pseudonymizer(KEY)));

  it('seeds the running totals at start: the same aggregates as counting the requests', async () => {
    const history = [
      { at: NOW - 3_600_000, user: 'alice', key: 'ka', dollars: 4 }, // today
      { at: Date.parse('2031-03-02T09:00:00Z'), user: 'alice', key: 'ka', dollars: 12 }, // this month
      { at: Date.parse('2031-02-27T09:00:00Z'), user: 'alice', dollars: 100 }, // last month: not counted
      { at: NOW - 60_000, user: 'bob', dollars: 1 },
    ];
    const counted = limitsFor(section);
    for (const o of history) counted.send(o);

    const store = tempStore();
    await store.insert(rows(history).map((r, i) => ({ ...r, key: `id:${i}` })));
    const seeded = limitsFor(section, { store });
    await seeded.limits.start();
    const gauges = (x: UsageLimits) => {
      const { subjects, maxRatio } = x.tracker.summary();
      return { subjects, maxRatio };
    };
    expect(gauges(seeded.limits)).toEqual(gauges(counted.limits));
    // Crossings before the start were counted by the process that saw them: counters start at 0.
    expect(seeded.limits.tracker.summary().breaches.user.size).toBe(0);
    expect(seeded.limits.tracker.summary().subjects.user).toEqual([1, 1, 0]); // bob ok; alice near (16/20)
    const c = await seeded.limits.check('user', 'alice');
    expect(c.limits.map((l) => [l.limit_kind, l.used])).toEqual([['daily_dollars', 4], ['monthly_dollars', 16]]);
    expect(c.source).toBe('store');
    await store.close();
  });

  it('checks against rows another replica stored; a refresh takes them into the gauges', async () => {
    const store = tempStore();
    const a = limitsFor(section, { store });
    await a.limits.start();
    // This replica counts $2 of alice's and its writer stores it.
    a.send({ at: NOW, user: 'alice', dollars: 2 });
    await store.insert(rows([{ at: NOW, user: 'alice', dollars: 2 }]).map((r) => ({ ...r, key: 'id:mine' })));
    // Another replica stored $2.5 more that this one never counted.
    await store.insert(rows([{ at: NOW, user: 'alice', dollars: 2.5 }]).map((r) => ({ ...r, key: 'id:theirs' })));
    expect(await a.limits.check('user', 'alice')).toMatchObject({ allowed: true, used: 4.5, remaining: 0.5, warning: true, limit_kind: 'daily_dollars' });
    expect(a.limits.tracker.summary().maxRatio.user.get('daily_dollars')).toBeCloseTo(0.4, 9);
    await a.limits.sync();
    expect(a.limits.tracker.summary().maxRatio.user.get('daily_dollars')).toBeCloseTo(0.9, 9);
    expect(a.limits.tracker.summary().subjects.user).toEqual([0, 1, 0]);

    // Counted here but not yet written (the writer's queue): the refresh never lowers a total.
    a.send({ at: NOW, user: 'alice', dollars: 0.5 });
    await a.limits.sync();
    expect(a.limits.tracker.summary().subjects.user).toEqual([0, 0, 1]);
    expect(await a.limits.check('user', 'alice')).toMatchObject({ allowed: false, used: 5, remaining: 0 });
    await store.close();
  });

  it('a seed adds what was counted while the store was read', async () => {
    const store = tempStore();
    await store.insert(rows([{ at: NOW - 1000, user: 'dan', dollars: 3 }]).map((r) => ({ ...r, key: 'id:old' })));
    const b = limitsFor(section, { store });
    const seeding = b.limits.start();
    b.send({ at: NOW, user: 'dan', dollars: 1.5 }); // during the seed, not in the store
    await seeding;
    expect(await b.limits.check('user', 'dan')).toMatchObject({ used: 4.5, remaining: 0.5 });
    expect(b.limits.tracker.summary().maxRatio.user.get('daily_dollars')).toBeCloseTo(0.9, 9);
    await store.close();
  });
});
