// Window boundaries of the usage limits: UTC days and calendar months, half-open, at month ends,
// leap days and the year end; and the running totals resetting exactly there with an injected clock.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { UsageLimits } from '../../exporter/src/limits/index.js';
import { dayWindow, inWindow, monthWindow } from '../../exporter/src/limits/windows.js';
import { catalogWithLimits, movableClock, priced, request } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('limit windows', () => {
  it('a month ends at the first instant of the next, in UTC', () => {
    const cases: Array<[string, string, string]> = [
      ['2031-01-31T23:59:59.999Z', '2031-01-01T00:00:00.000Z', '2031-02-01T00:00:00.000Z'],
      ['2031-02-28T23:59:59.999Z', '2031-02-01T00:00:00.000Z', '2031-03-01T00:00:00.000Z'],
      ['2032-02-29T12:00:00.000Z', '2032-02-01T00:00:00.000Z', '2032-03-01T00:00:00.000Z'], // leap year
      ['2031-04-30T23:59:59.999Z', '2031-04-01T00:00:00.000Z', '2031-05-01T00:00:00.000Z'],
      ['2031-12-31T23:59:59.999Z', '2031-12-01T00:00:00.000Z', '2032-01-01T00:00:00.000Z'], // year end
      ['2032-01-01T00:00:00.000Z', '2032-01-01T00:00:00.000Z', '2032-02-01T00:00:00.000Z'], // the first instant belongs to the new month
    ];
    for (const [at, start, end] of cases) {
      const w = monthWindow(Date.parse(at));
      expect([iso(w.startMs), iso(w.endMs)], at).toEqual([start, end]);
      expect(inWindow(w, Date.parse(at))).toBe(true);
      expect(inWindow(w, w.endMs)).toBe(false);
    }
  });

  it('a day is the UTC day, whatever the local time zone', () => {
    const w = dayWindow(Date.parse('2032-02-29T23:59:59.999Z'));
    expect([iso(w.startMs), iso(w.endMs)]).toEqual(['2032-02-29T00:00:00.000Z', '2032-03-01T00:00:00.000Z']);
    expect(iso(dayWindow(Date.parse('2032-03-01T00:00:00.000Z')).startMs)).toBe('2032-03-01T00:00:00.000Z');
  });
});

describe('running totals at window ends (injected clock)', () => {
  const catalog = parseCatalog(catalogWithLimits({ users: { default: { daily_dollars: 5, monthly_dollars: 8 } } }));

  function setup(at: string) {
    const clock = movableClock(Date.parse(at));
    const limits = new UsageLimits({ catalog, hashKey: 'k', clock });
    const send = (rec: RequestRecord) => limits.request(rec, priced(rec));
    return { clock, limits, send };
  }

  it('the day total resets at UTC midnight, the month total at the month end', async () => {
    const { clock, limits, send } = setup('2031-01-31T23:00:00.000Z');
    for (let i = 0; i < 4; i++) send(request({ at: clock.now(), user: 'alice', dollars: 1 }));
    let c = await limits.check('user', 'alice');
    expect(c.limits.map((l) => [l.limit_kind, l.used, l.resets_at])).toEqual([
      ['daily_dollars', 4, '2031-02-01T00:00:00.000Z'],
      ['monthly_dollars', 4, '2031-02-01T00:00:00.000Z'],
    ]);

    // One millisecond before the end: still January.
    clock.set(Date.parse('2031-01-31T23:59:59.999Z'));
    send(request({ at: clock.now(), user: 'alice', dollars: 1 }));
    c = await limits.check('user', 'alice');
    expect(c).toMatchObject({ allowed: false, limit_kind: 'daily_dollars', used: 5, remaining: 0, resets_at: '2031-02-01T00:00:00.000Z' });

    // The first instant of February: both windows start again.
    clock.set(Date.parse('2031-02-01T00:00:00.000Z'));
    c = await limits.check('user', 'alice');
    expect(c).toMatchObject({ allowed: true, warning: false });
    expect(c.limits.map((l) => [l.limit_kind, l.used, l.resets_at])).toEqual([
      ['daily_dollars', 0, '2031-02-02T00:00:00.000Z'],
      ['monthly_dollars', 0, '2031-03-01T00:00:00.000Z'],
    ]);
    // A late line from January counts in no February window.
    send(request({ at: Date.parse('2031-01-31T23:30:00.000Z'), user: 'alice', dollars: 3 }));
    expect((await limits.check('user', 'alice')).limits.map((l) => l.used)).toEqual([0, 0]);
  });

  it('a day ends without ending the month; the month keeps counting', async () => {
    const { clock, limits, send } = setup('2032-02-28T22:00:00.000Z');
    for (let i = 0; i < 3; i++) send(request({ at: clock.now(), user: 'bob', dollars: 1.5 }));
    clock.set(Date.parse('2032-02-29T00:00:00.000Z')); // leap day
    send(request({ at: clock.now(), user: 'bob', dollars: 2 }));
    const c = await limits.check('user', 'bob');
    expect(c.limits.map((l) => [l.limit_kind, l.used, l.remaining, l.resets_at])).toEqual([
      ['daily_dollars', 2, 3, '2032-03-01T00:00:00.000Z'],
      ['monthly_dollars', 6.5, 1.5, '2032-03-01T00:00:00.000Z'],
    ]);
    expect(c).toMatchObject({ allowed: true, warning: true, limit_kind: 'monthly_dollars' });
  });

  it('drops subjects of a month that ended from memory', () => {
    const { clock, limits, send } = setup('2031-12-31T23:59:00.000Z');
    send(request({ at: clock.now(), user: 'carol', dollars: 1 }));
    expect(limits.tracker.summary().subjects.user).toEqual([1, 0, 0]);
    clock.set(Date.parse('2032-01-01T00:00:00.000Z'));
    expect(limits.tracker.summary().subjects.user).toEqual([0, 0, 0]);
  });
});
