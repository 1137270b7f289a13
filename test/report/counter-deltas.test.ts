// Exact counter deltas where increase() and "value at end minus value at start" go wrong: a
// counter reset (exporter restarted without its state file), a reset that ends the bucket above
// the old value, a series born mid-bucket and a series silent for longer than a bucket. Written
// as OpenMetrics by hand, turned into blocks by promtool, read by a real Prometheus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { fixedClock } from '../../exporter/src/clock.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { buildReport } from '../../reader/src/report/build-report.js';
import { counterDeltas } from '../../reader/src/report/counter-deltas.js';
import { renderMarkdown } from '../../reader/src/report/render-markdown.js';
import { Prometheus } from '../support/prometheus.js';

const T0 = Date.UTC(2026, 8, 1); // 2026-09-01T00:00Z
const MIN = 60_000;
const labels = (model: string) => `provider="openai",model="${model}",feature="chat",team="platform",status="success"`;

/** Samples every minute from t = 0 to 180 min; undefined = no sample (the series is silent). */
const SERIES: Record<string, (t: number) => number | undefined> = {
  // +10/min; restarted between t=89 and t=90 and counting again from 3.
  a: (t) => (t < 90 ? 10 * t : 3 + 10 * (t - 90)),
  // Born at t=45 with 7, then +5/min.
  b: (t) => (t < 45 ? undefined : 7 + 5 * (t - 45)),
  // +2/min, silent from t=61 to t=129 (longer than a bucket), back without a reset (state file).
  c: (t) => (t > 60 && t < 130 ? undefined : 2 * t),
  // +1/min; restarted between 69 and 70 at 0, then +50/min: ends the bucket far above the old value.
  d: (t) => (t < 70 ? t : 50 * (t - 70)),
};

/** What happened in each hour (t-60, t], worked out by hand from the definitions above. */
const EXACT: Record<string, number[]> = {
  a: [600, 290 + 3 + 300, 600], // 0→600; 600→890, restart, 3→303; 303→903
  b: [7 + 5 * 15, 300, 300], // born at 7 (all of it is new), 7→82; 82→382; 382→682
  c: [120, 0, 240], // 0→120; no sample in hour 2, so nothing counted there; 120→360 in hour 3
  d: [60, 9 + 0 + 2500, 3000], // 0→60; 60→69, restart at 0, 0→2500; 2500→5500
};

describe('exact counter deltas', () => {
  let prom: Prometheus;
  let client: PrometheusClient;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-resets-'));
    const lines = ['# TYPE ai_requests counter'];
    for (const [model, f] of Object.entries(SERIES)) {
      for (let t = 0; t <= 180; t++) {
        const v = f(t);
        if (v !== undefined) lines.push(`ai_requests_total{${labels(model)}} ${v} ${(T0 + t * MIN) / 1000}`);
      }
    }
    writeFileSync(join(dir, 'in.om'), `${lines.join('\n')}\n# EOF\n`);
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'tsdb')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    prom = await Prometheus.start('global: { scrape_interval: 15s }\n', { storage: join(dir, 'tsdb') });
    client = new PrometheusClient({ url: prom.url, timeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('per series and hour, equal to what happened; "value at end minus value at start" is not', async () => {
    const hours = [0, 60, 120, 180].map((m) => T0 + m * MIN);
    const deltas = await counterDeltas(client, 'ai_requests_total', [], hours);
    for (const [model, want] of Object.entries(EXACT)) {
      const got = deltas.map((bucket) => bucket.filter((s) => s.labels.model === model).reduce((sum, s) => sum + s.delta, 0));
      expect(got, model).toEqual(want);
    }
    // The naive difference of sums loses what was counted before each restart (and goes negative).
    const naive = (await prom.value('sum(ai_requests_total)', hours[2] / 1000)) - (await prom.value('sum(ai_requests_total)', hours[1] / 1000));
    expect(naive).toBe(303 + 382 + 2500 - (600 + 82 + 120 + 60));
    expect(naive).not.toBe(Object.values(EXACT).reduce((s, v) => s + v[1], 0));
  });

  it('the same with uneven boundaries (instant queries) and one bucket over everything', async () => {
    const uneven = [0, 30, 100, 180].map((m) => T0 + m * MIN);
    const deltas = await counterDeltas(client, 'ai_requests_total', ['model="a"'], uneven);
    // a: 0→300; 300→890, restart, 3→103; 103→903
    expect(deltas.map((b) => b.reduce((s, x) => s + x.delta, 0))).toEqual([300, 590 + 103, 800]);
    const whole = await counterDeltas(client, 'ai_requests_total', [], [T0 - MIN, T0 + 180 * MIN]);
    const total = Object.values(EXACT).flat().reduce((s, v) => s + v, 0);
    expect(whole[0].reduce((s, x) => s + x.delta, 0)).toBe(total);
  });

  it('a first bucket shorter than the sample spacing still finds its base (rolling ranges start mid-minute)', async () => {
    // B0 = 70 min 40 s, B1 = 71 min: no sample lies in the 20 s before B0, so the base must come from
    // further back (the sample at 70 min), not be taken as 0 ("new series": all 710 would count).
    const bounds = [T0 + 70 * MIN + 40_000, T0 + 71 * MIN, T0 + 120 * MIN];
    const deltas = await counterDeltas(client, 'ai_requests_total', ['model="a"'], bounds);
    // a: 700 at 70 min, 710 at 71, 890 at 89, restart, 303 at 120: 10 in the first bucket, then 180 + 303.
    expect(deltas.map((b) => b.reduce((s, x) => s + x.delta, 0))).toEqual([10, 180 + 303]);
  });

  it('a report over the day counts the resets exactly, and says the rules are not loaded', async () => {
    const report = await buildReport({ client, catalog: loadCatalog(), period: 'daily', at: '2026-09-01', clock: fixedClock(Date.UTC(2026, 10, 25)) });
    expect(report.totals.requests).toBe(Object.values(EXACT).flat().reduce((s, v) => s + v, 0));
    expect(report.byModel.find((r) => r.group.model === 'a')!.requests).toBe(600 + 593 + 600);
    const md = renderMarkdown(report);
    expect(md).toContain('Forecast not available: recording rules not loaded (no scope_name:ai_cost_dollars:month_end_projection in Prometheus).');
    expect(md).toContain('Not available: recording rules not loaded (no provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate in Prometheus).');
  });
});
