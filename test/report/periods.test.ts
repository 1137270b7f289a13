// Period and bucket arithmetic (UTC days, ISO weeks, calendar months, inclusive end dates), the CSV
// writer's escaping, and the anomaly rule's thresholds, without Prometheus.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load as parseYaml } from 'js-yaml';
import { loadCatalog } from '../../catalog/src/load.js';
import { anomalyThresholds, findAnomalies } from '../../reader/src/report/anomalies.js';
import { toCsv } from '../../reader/src/report/csv.js';
import { parseBound, reportWindows } from '../../reader/src/report/periods.js';
import { BUDGET_PROJECTION, SAVINGS_ESTIMATE } from '../../reader/src/report/rule-series.js';
import { bucketBoundaries, bucketCount } from '../../reader/src/report/time-buckets.js';
import { emptyUsage, type Usage } from '../../reader/src/report/usage.js';
import { REPO_ROOT } from '../support/processes.js';

const iso = (ms: number) => new Date(ms).toISOString();
const NOW = Date.parse('2026-11-25T08:30:00Z'); // a Wednesday

describe('report periods', () => {
  it('default to the last complete day, ISO week and month', () => {
    expect(reportWindows('daily', undefined, NOW).current).toEqual({ startMs: Date.parse('2026-11-24T00:00:00Z'), endMs: Date.parse('2026-11-25T00:00:00Z'), label: '2026-11-24' });
    const w = reportWindows('weekly', undefined, NOW);
    expect([iso(w.current.startMs), iso(w.current.endMs), w.current.label]).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-W47 (2026-11-16 to 2026-11-22)']);
    expect(w.previous.label).toBe('2026-W46 (2026-11-09 to 2026-11-15)');
    const m = reportWindows('monthly', undefined, NOW);
    expect([m.current.label, m.previous.label]).toEqual(['2026-10', '2026-09']);
  });

  it('--at names a date inside the period', () => {
    expect(reportWindows('daily', '2026-11-24', NOW).previous.label).toBe('2026-11-23');
    expect(reportWindows('weekly', '2026-11-01', NOW).current.label).toBe('2026-W44 (2026-10-26 to 2026-11-01)'); // a Sunday
    expect(reportWindows('weekly', '2027-01-01', NOW).current.label).toBe('2026-W53 (2026-12-28 to 2027-01-03)');
    expect(reportWindows('monthly', '2026-03', NOW).previous).toEqual({ startMs: Date.UTC(2026, 1, 1), endMs: Date.UTC(2026, 2, 1), label: '2026-02' });
    expect(reportWindows('monthly', '2026-03-31', NOW).current.label).toBe('2026-03');
    expect(() => reportWindows('daily', '2026-02-29', NOW)).toThrow('--at "2026-02-29": no such date');
    expect(() => reportWindows('daily', '24/11/2026', NOW)).toThrow('--at: expected a date as YYYY-MM-DD, got "24/11/2026"');
    expect(() => reportWindows('weekly', '2026-11', NOW)).toThrow(/expected a date as YYYY-MM-DD/);
  });

  it('range bounds: dates are whole UTC days (an end date is inclusive), date-times need a zone', () => {
    expect(iso(parseBound('2026-11-30', '--to', 'end'))).toBe('2026-12-01T00:00:00.000Z');
    expect(iso(parseBound('2026-11-01', '--from', 'start'))).toBe('2026-11-01T00:00:00.000Z');
    expect(iso(parseBound('2026-11-01T10:00:00+02:00', '--from', 'start'))).toBe('2026-11-01T08:00:00.000Z');
    expect(iso(parseBound('2026-11-01T10:00Z', '--to', 'end'))).toBe('2026-11-01T10:00:00.000Z');
    expect(() => parseBound('2026-11-01T10:00:00', '--from', 'start')).toThrow(/with a zone/);
  });
});

describe('time buckets', () => {
  it('align to UTC hours, days and Monday-based weeks, clipped to the range', () => {
    const from = Date.parse('2026-11-02T10:30:00Z');
    expect(bucketBoundaries(from, Date.parse('2026-11-02T13:00:00Z'), 'hour').map(iso)).toEqual([
      '2026-11-02T10:30:00.000Z', '2026-11-02T11:00:00.000Z', '2026-11-02T12:00:00.000Z', '2026-11-02T13:00:00.000Z',
    ]);
    expect(bucketBoundaries(Date.parse('2026-10-28T00:00:00Z'), Date.parse('2026-11-12T00:00:00Z'), 'week').map(iso)).toEqual([
      '2026-10-28T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-09T00:00:00.000Z', '2026-11-12T00:00:00.000Z',
    ]);
    expect(bucketCount(Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1), 'hour')).toBe(720);
    expect(bucketCount(Date.UTC(2026, 10, 1, 12), Date.UTC(2026, 10, 3), 'day')).toBe(2);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas in label values', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=HYPERLINK("http://evil")', -1.5], ['+1', null], ['@sum', 3]])).toBe(
      'a,b\r\n"x,y","say ""hi"""\r\n"\'=HYPERLINK(""http://evil"")",-1.5\r\n\'+1,\r\n\'@sum,3\r\n',
    );
  });
});

describe('anomaly rule', () => {
  const catalog = loadCatalog();
  const th = anomalyThresholds(catalog, 86_400_000); // a day: cost changes of at least $24 count
  const u = (requests: number, errors: number, costUsd: number): Usage => ({ ...emptyUsage('request', false), requests, errors, costUsd });
  const names = (cur: Usage, prev: Usage) => findAnomalies([{ scope: 'model', name: 'm', current: cur, previous: prev }], th).map((a) => `${a.metric}:${a.direction}`);

  it('flags cost changes past the ratio and the dollar floor, both ways, and new spend', () => {
    expect(th).toEqual({ ratio: 2, minCostChangeUsd: 24, errorRate: 0.05 });
    expect(names(u(50, 0, 60), u(50, 0, 25))).toEqual(['cost:up']);
    expect(names(u(50, 0, 20), u(50, 0, 10))).toEqual([]); // doubled, but only $10
    expect(names(u(50, 0, 10), u(50, 0, 40))).toEqual(['cost:down']);
    expect(names(u(50, 0, 30), u(0, 0, 0))).toEqual(['cost:new']);
  });

  it('flags volume changes only with enough requests, and error rates only beyond chance', () => {
    expect(names(u(250, 0, 0), u(100, 0, 0))).toEqual(['requests:up']);
    expect(names(u(90, 0, 0), u(30, 0, 0))).toEqual([]); // tripled, but tiny
    expect(names(u(100, 11, 0), u(100, 2, 0))).toEqual([]); // 2 % → 11 %: z ≈ 2.6, chance
    expect(names(u(140, 60, 0), u(140, 8, 0))).toEqual(['error_rate:up']);
    expect(names(u(100, 30, 0), u(0, 0, 0))).toEqual(['error_rate:up', 'requests:new']); // no baseline: tested against the 5 % threshold
    expect(names(u(10, 9, 0), u(100, 0, 0))).toEqual(['requests:down']); // 10 requests are too few to judge an error rate
  });
});

describe('recording rules the report reads', () => {
  it('are recorded by the generated rule files', () => {
    for (const [file, name] of [['prometheus/rules/budget.yml', BUDGET_PROJECTION], ['prometheus/rules/savings.yml', SAVINGS_ESTIMATE]]) {
      const path = `${REPO_ROOT}${file}`;
      expect(existsSync(path), `${file} exists`).toBe(true);
      const doc = parseYaml(readFileSync(path, 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> };
      expect(doc.groups.flatMap((g) => g.rules.map((r) => r.record)), file).toContain(name);
    }
  });
});
