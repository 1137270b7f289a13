// Date guard: every module that decides which day, week, month or window data falls in, run on the
// injectable clock (exporter/src/clock.ts) at awkward instants: a month's first and last day, a leap
// day, New Year's Eve. Expected values are written out by hand (checked with GNU date), not derived
// from the code under test; the Prometheus part holds events backfilled around each instant.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import { loadCatalog } from '../../catalog/src/load.js';
import { defaultClock, fixedClock, setDefaultClock } from '../../exporter/src/clock.js';
import { RequestDedupe } from '../../exporter/src/ingest/dedupe.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { buildReport } from '../../reader/src/report/build-report.js';
import { buildExport } from '../../reader/src/report/export.js';
import { monthOf, parseBound, reportWindows } from '../../reader/src/report/periods.js';
import { bucketBoundaries } from '../../reader/src/report/time-buckets.js';
import { resolveParams } from '../../reader/src/usage-api/params.js';
import { createUsageApiRouter } from '../../reader/src/usage-api/router.js';
import { startExporter } from '../server/helpers.js';
import { expectedCost } from '../support/expected-cost.js';
import { CLI, REPO_ROOT } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { render, type Truth } from '../support/traffic.js';

interface Instant {
  name: string;
  now: string;
  yesterday: string;
  lastWeek: string;
  thisWeek: string;
  lastMonth: string;
  monthBefore: string;
  month: string;
  nextMonth: string;
  daysInMonth: number;
  dayOfMonth: number;
  minuteOfDay: number;
  tomorrow: string;
  /** Start of period=24h, 7d, 30d. */
  ago: Record<'24h' | '7d' | '30d', string>;
  /** End of the previous month's part an in-progress month is compared with. */
  monthBeforeUntil: string;
}

const INSTANTS: Instant[] = [
  {
    name: "a month's first day", now: '2027-03-01T00:00:30Z', yesterday: '2027-02-28', lastWeek: '2027-W08 (2027-02-22 to 2027-02-28)', thisWeek: '2027-W09 (2027-03-01 to 2027-03-07)',
    lastMonth: '2027-02', monthBefore: '2027-01', month: '2027-03', nextMonth: '2027-04', daysInMonth: 31, dayOfMonth: 1, minuteOfDay: 0, tomorrow: '2027-03-02',
    ago: { '24h': '2027-02-28T00:00:30Z', '7d': '2027-02-22T00:00:30Z', '30d': '2027-01-30T00:00:30Z' }, monthBeforeUntil: '2027-02-01T00:00:30Z',
  },
  {
    name: "a month's last day", now: '2027-04-30T23:59:30Z', yesterday: '2027-04-29', lastWeek: '2027-W16 (2027-04-19 to 2027-04-25)', thisWeek: '2027-W17 (2027-04-26 to 2027-05-02)',
    lastMonth: '2027-03', monthBefore: '2027-02', month: '2027-04', nextMonth: '2027-05', daysInMonth: 30, dayOfMonth: 30, minuteOfDay: 1439, tomorrow: '2027-05-01',
    ago: { '24h': '2027-04-29T23:59:30Z', '7d': '2027-04-23T23:59:30Z', '30d': '2027-03-31T23:59:30Z' }, monthBeforeUntil: '2027-03-30T23:59:30Z',
  },
  {
    name: 'a leap day', now: '2028-02-29T12:00:00Z', yesterday: '2028-02-28', lastWeek: '2028-W08 (2028-02-21 to 2028-02-27)', thisWeek: '2028-W09 (2028-02-28 to 2028-03-05)',
    lastMonth: '2028-01', monthBefore: '2027-12', month: '2028-02', nextMonth: '2028-03', daysInMonth: 29, dayOfMonth: 29, minuteOfDay: 720, tomorrow: '2028-03-01',
    ago: { '24h': '2028-02-28T12:00:00Z', '7d': '2028-02-22T12:00:00Z', '30d': '2028-01-30T12:00:00Z' }, monthBeforeUntil: '2028-01-29T12:00:00Z',
  },
  {
    name: "New Year's Eve", now: '2027-12-31T23:59:59Z', yesterday: '2027-12-30', lastWeek: '2027-W51 (2027-12-20 to 2027-12-26)', thisWeek: '2027-W52 (2027-12-27 to 2028-01-02)',
    lastMonth: '2027-11', monthBefore: '2027-10', month: '2027-12', nextMonth: '2028-01', daysInMonth: 31, dayOfMonth: 31, minuteOfDay: 1439, tomorrow: '2028-01-01',
    // November is a day shorter than December's elapsed part: clipped to November's end.
    ago: { '24h': '2027-12-30T23:59:59Z', '7d': '2027-12-24T23:59:59Z', '30d': '2027-12-01T23:59:59Z' }, monthBeforeUntil: '2027-12-01T00:00:00Z',
  },
];

const ms = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.length === 7 ? `${s}-01T00:00:00Z` : s);
const iso = (x: number | string) => new Date(typeof x === 'string' ? ms(x) : x).toISOString();
/** Days left in the month as the budget projection counts them (whole minutes). */
const daysLeft = (x: Instant) => x.daysInMonth - x.dayOfMonth + 1 - x.minuteOfDay / 1440;
const catalog = loadCatalog();

/** Per instant: one request late yesterday, two today, one an hour after "now". */
function eventsOf(x: Instant, i: number): Truth[] {
  const today = ms(x.now.slice(0, 10));
  const at = [today - 900_000, today + 2_000, ms(x.now) - 25_000, ms(x.now) + 3_600_000];
  return at.map((timestampMs, j) => ({
    timestampMs, provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'search', project: 'web', requestId: `clock-${i}-${j}`,
    input: 1000 + 100 * j, output: 200, cacheRead: 0, cacheWrite: 0, reasoning: 0, latencyMs: 800, status: 'success', statusCode: 200,
  }));
}
const EVENTS = INSTANTS.flatMap(eventsOf);
const within = (from: number, to: number) => EVENTS.filter((t) => t.timestampMs >= from && t.timestampMs < to);
const costOf = (ts: Truth[]) => ts.reduce((s, t) => s + expectedCost(catalog, t), 0);

describe.each(INSTANTS)('on $name ($now)', (x) => {
  const now = ms(x.now);

  it('report periods: yesterday, last ISO week, last month; the budget month has its real length', () => {
    const daily = reportWindows('daily', undefined, now);
    expect([daily.current.label, daily.current.endMs]).toEqual([x.yesterday, ms(x.now.slice(0, 10))]);
    expect(reportWindows('weekly', undefined, now).current.label).toBe(x.lastWeek);
    expect(reportWindows('weekly', x.now.slice(0, 10), now).current.label).toBe(x.thisWeek);
    const monthly = reportWindows('monthly', undefined, now);
    expect([monthly.current.label, monthly.previous.label]).toEqual([x.lastMonth, x.monthBefore]);
    const m = monthOf(now);
    expect([m.label, (m.endMs - m.startMs) / 86_400_000]).toEqual([x.month, x.daysInMonth]);
  });

  it('usage API ranges end at the clock; custom ranges are clipped to it', () => {
    for (const p of ['24h', '7d', '30d'] as const) {
      const r = resolveParams('summary', { period: p }, now);
      expect([iso(r.fromMs), iso(r.toMs)], p).toEqual([iso(x.ago[p]), iso(now)]);
    }
    // Month to date, and a range ending tomorrow, both stop at now.
    const mtd = resolveParams('timeseries', { period: 'custom', startDate: `${x.month}-01`, endDate: x.tomorrow, groupBy: 'day' }, now);
    expect([iso(mtd.fromMs), iso(mtd.toMs)]).toEqual([iso(x.month), iso(now)]);
    expect(bucketBoundaries(mtd.fromMs, mtd.toMs, mtd.groupBy).length - 1).toBe(x.dayOfMonth);
    expect(() => resolveParams('summary', { period: 'custom', startDate: x.tomorrow, endDate: x.tomorrow }, now)).toThrow(/start before now/);
  });

  it('export buckets: the whole month by day, ending where the next month starts', () => {
    const last = `${x.month}-${String(x.daysInMonth).padStart(2, '0')}`;
    const b = bucketBoundaries(parseBound(`${x.month}-01`, '--from', 'start'), parseBound(last, '--to', 'end'), 'day');
    expect(b.length - 1).toBe(x.daysInMonth);
    expect(iso(b[b.length - 1])).toBe(iso(x.nextMonth));
  });

  it('dedupe window: a repeat across midnight is still a repeat; after two windows it is new', () => {
    const d = new RequestDedupe(catalog.limits.dedupe_window_seconds * 1000);
    expect(d.seen('r', now - 300_000)).toBe(false);
    expect(d.seen('r', now + 240_000)).toBe(true);
    expect(d.seen('r', now - 300_000 + 2 * catalog.limits.dedupe_window_seconds * 1000)).toBe(false);
  });

  it('event-time bounds follow the clock: up to a day ahead of it is accepted, more is refused', () => {
    const line = (t: number) => JSON.stringify({ timestamp: new Date(t).toISOString(), provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 });
    const restore = setDefaultClock(fixedClock(now));
    try {
      expect(parseLine(line(now + 23 * 3_600_000))).toMatchObject({ timestampMs: now + 23 * 3_600_000 });
      expect(() => parseLine(line(now + 25 * 3_600_000))).toThrow(/one day from now/);
      // The bound is not kept from an earlier clock: a day before this instant, this instant is "future".
      setDefaultClock(fixedClock(now - 2 * 86_400_000));
      expect(() => parseLine(line(now))).toThrow(/one day from now/);
    } finally {
      setDefaultClock(restore);
    }
  });
});

it("one second after New Year's Eve the year rolls over", () => {
  const t = ms('2028-01-01T00:00:00Z');
  expect(reportWindows('daily', undefined, t).current.label).toBe('2027-12-31');
  expect(reportWindows('monthly', undefined, t).current.label).toBe('2027-12');
  expect(reportWindows('weekly', undefined, t).current.label).toBe('2027-W51 (2027-12-20 to 2027-12-26)');
  expect(monthOf(t).label).toBe('2028-01');
  expect(iso(resolveParams('summary', { period: '30d' }, t).fromMs)).toBe('2027-12-02T00:00:00.000Z');
});

const PROJECTION = 'scope_name:ai_cost_dollars:month_end_projection';

describe('against Prometheus, with events backfilled around each instant', () => {
  let prom: Prometheus;
  let client: PrometheusClient;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-clock-'));
    const tsdb = join(dir, 'tsdb');
    // Per instant, a fresh exporter's counters (the instants are more than 35 days apart, so each
    // one's series count as new), sampled one second after each event rather than every step like
    // `tokenscope backfill`: counter deltas are exact for any spacing, and steps cost seconds.
    // The events are parsed on the instant's clock: they may lie ahead of the wall clock.
    const restore = defaultClock();
    const files: string[] = [];
    try {
      for (const [i, x] of INSTANTS.entries()) {
        setDefaultClock(fixedClock(ms(x.now)));
        const pipeline = new Pipeline(catalog);
        const renderer = new MetricsRenderer(pipeline, { processMetrics: false });
        let om = '';
        for (const t of eventsOf(x, i)) {
          const rec = pipeline.parse(render(t, 'canonical'));
          if (!('kind' in rec)) throw new Error(rec.message);
          pipeline.ingestRecord(rec, 'file');
          om += renderer.renderUsage('openmetrics', t.timestampMs + 1000);
        }
        // What the recording rules would have recorded in the 20 s up to the instant (Prometheus
        // evaluates rules at its own wall-clock time only): the projection's inputs and a projection.
        for (const [name, value] of [[':ai_cost_dollars:month_to_date', 1000], [':ai_cost_dollars:daily_avg7d', 24], [`${PROJECTION}{scope="total",name="total"}`, 1000 + 24 * daysLeft(x)]] as const) {
          om += `# TYPE ${name.replace(/\{.*/, '')} gauge\n`;
          for (let t = ms(x.now) - 20_000; t <= ms(x.now); t += 5_000) om += `${name} ${value} ${t / 1000}\n`;
        }
        files.push(join(dir, `instant-${i}.om`));
        writeFileSync(files[files.length - 1], `${om}# EOF\n`);
      }
    } finally {
      setDefaultClock(restore);
    }
    for (const f of files) {
      const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', f, tsdb], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`promtool: ${r.stderr}`);
    }
    writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: stub\n    rules:\n      - record: ${PROJECTION}\n        expr: vector(0)\n`);
    prom = await Prometheus.start(`global: { scrape_interval: 15s }\nrule_files: [${JSON.stringify(join(dir, 'rules.yml'))}]\n`, { storage: tsdb });
    client = new PrometheusClient({ url: prom.url, timeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it.each(INSTANTS)('$name: the rules\' days-left arithmetic ($daysInMonth-day month)', async (x) => {
    const at = ms(x.now) / 1000;
    expect(await prom.value('days_in_month()', at)).toBe(x.daysInMonth);
    const cost = parseYaml(readFileSync(join(REPO_ROOT, 'prometheus/rules/cost.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string; expr: string }> }> };
    const rule = cost.groups.flatMap((g) => g.rules).find((r) => r.record === ':ai_cost_dollars:month_end_projection')!;
    expect(await prom.value(rule.expr, at)).toBeCloseTo(1000 + 24 * daysLeft(x), 9);
  });

  it.each(INSTANTS)('$name: reports pick their period, month to date and projection instant from the clock', async (x) => {
    const now = ms(x.now);
    const today = ms(x.now.slice(0, 10));
    const clock = fixedClock(now);
    const total = (r: Awaited<ReturnType<typeof buildReport>>) => r.budgets.rows.find((b) => b.scope === 'total')!;

    const yesterday = await buildReport({ client, catalog, period: 'daily', clock });
    expect(yesterday.period).toMatchObject({ label: x.yesterday, inProgress: false, end: iso(today) });
    expect(yesterday.totals.requests).toBe(within(ms(x.yesterday), today).length);
    expect(yesterday.budgets.month).toBe(x.yesterday.slice(0, 7)); // on the 1st: last month
    expect(total(yesterday).spent).toBeCloseTo(costOf(within(ms(x.yesterday.slice(0, 7)), today)), 9);
    expect(yesterday.budgets.projection).toEqual({ available: false, reason: expect.stringContaining(`recorded no projection at ${iso(today)}`) });

    const running = await buildReport({ client, catalog, period: 'daily', at: x.now.slice(0, 10), clock });
    expect(running.period).toMatchObject({ inProgress: true, end: iso(now) });
    expect(running.previousPeriod).toEqual({ label: x.yesterday, start: iso(x.yesterday), end: iso(now - 86_400_000) });
    expect(running.totals.requests).toBe(2); // not the one an hour later
    expect(running.budgets.month).toBe(x.month);
    expect(total(running).spent).toBeCloseTo(costOf(within(ms(x.month), now)), 9);
    expect(total(running).projected).toBeCloseTo(1000 + 24 * daysLeft(x), 9);
    expect(running.generatedAt).toBe(iso(now));

    const lastMonth = await buildReport({ client, catalog, period: 'monthly', clock });
    expect([lastMonth.period.label, lastMonth.previousPeriod.label]).toEqual([x.lastMonth, x.monthBefore]);
    expect(lastMonth.totals.requests).toBe(within(ms(x.lastMonth), ms(x.month)).length);
    const thisMonth = await buildReport({ client, catalog, period: 'monthly', at: x.month, clock });
    expect(thisMonth.previousPeriod).toEqual({ label: x.lastMonth, start: iso(x.lastMonth), end: iso(x.monthBeforeUntil) });
  });

  it.each(INSTANTS)('$name: the export and the usage API count the same events on the same days', async (x) => {
    const now = ms(x.now);
    const last = `${x.month}-${String(x.daysInMonth).padStart(2, '0')}`;
    const e = await buildExport({ client, catalog, fromMs: ms(x.month), toMs: parseBound(last, '--to', 'end'), groupBy: 'day', by: [] });
    expect(e.rows.length).toBe(x.daysInMonth);
    for (const row of e.rows) expect(row.requests, row.start).toBe(within(ms(row.start), ms(row.end)).length);

    const api = await startExporter({ usageApi: createUsageApiRouter({ client, catalog, token: 't', clock: fixedClock(now) }) });
    try {
      const res = await fetch(`${api.url}/api/usage/summary?range=24h`, { headers: { Authorization: 'Bearer t' } });
      const body = (await res.json()) as { startDate: string; endDate: string; totalRequests: number };
      expect(body).toMatchObject({ startDate: iso(x.ago['24h']), endDate: iso(now), totalRequests: within(ms(x.ago['24h']), now).length });
    } finally {
      await api.close();
    }
  });

  it('the CLI takes its clock from TOKENSCOPE_NOW, and refuses a malformed one', () => {
    const leap = INSTANTS[2];
    const run = (value: string) => spawnSync(process.execPath, [CLI, 'report', '--period', 'monthly', '--format', 'json', '--prometheus', prom.url], { encoding: 'utf8', env: { ...process.env, TOKENSCOPE_NOW: value } });
    const ok = run(leap.now);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ period: { label: leap.lastMonth }, generatedAt: iso(leap.now) });
    const bad = run('next tuesday');
    expect([bad.status, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toMatch(/^tokenscope: TOKENSCOPE_NOW: expected YYYY-MM-DD or an ISO date-time with a zone/);
  });
});
