// The demo traffic generator: every catalog provider appears, every request is accepted and
// priced by the real pipeline, load follows the day, an outage degrades a provider and emits its
// breaker transitions in order, a cost spike multiplies spend; and `runDemo` really posts.
import { describe, expect, it } from 'vitest';
import { DEMO_PROVIDERS } from '../../exporter/src/demo/profile.js';
import { runDemo, eventsUrl } from '../../exporter/src/demo/run.js';
import { Scenario, diurnalFactor, type DemoEvent } from '../../exporter/src/demo/scenario.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import type { PriceResult } from '../../exporter/src/pricing/pricer.js';
import { realCatalog, startExporter, sum } from '../server/helpers.js';

const START = Date.UTC(2026, 0, 5, 9, 0, 0);

function run(s: Scenario, fromMs: number, toMs: number, stepMs = 1000): DemoEvent[] {
  const out: DemoEvent[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) out.push(...s.tick(t, Math.min(toMs, t + stepMs)));
  return out;
}

const isRequest = (e: DemoEvent) => e.type !== 'circuit_breaker';

describe('demo scenario', () => {
  it('covers all 17 catalog providers, and the pipeline accepts and prices every event', () => {
    const catalog = realCatalog();
    expect(DEMO_PROVIDERS.map((p) => p.slug).sort()).toEqual(catalog.providers.map((p) => p.slug).sort());
    const priced: Array<[RequestRecord, PriceResult]> = [];
    const unpriced: string[] = [];
    const pipeline = new Pipeline(catalog, { sinks: [{ request: (r, p) => void priced.push([r, p]) }], onUnpriced: (p, m) => unpriced.push(`${p}/${m}`) });
    const s = new Scenario({ startMs: START, rate: 40, seed: 3 });
    const events = run(s, START, START + 20 * 60_000);
    for (const e of events) {
      const o = pipeline.ingestObject(e, 'http');
      expect(o, JSON.stringify(e)).toEqual({ ok: true });
    }
    expect(unpriced).toEqual([]);
    expect(new Set(priced.map(([r]) => r.provider)).size).toBe(17);
    // Every model of the profile shows up and costs something when it succeeds.
    for (const p of DEMO_PROVIDERS) for (const m of p.models) {
      const ok = priced.filter(([r]) => r.provider === p.slug && r.model === m.id && r.status === 'success');
      expect(ok.length, `${p.slug}/${m.id}`).toBeGreaterThan(0);
      expect(ok.every(([, price]) => price.priced && price.costUsd > 0), `${p.slug}/${m.id} priced`).toBe(true);
    }
  });

  it('follows the day: the afternoon peak carries about four times the night trough', () => {
    expect(diurnalFactor(15)).toBeCloseTo(1.6);
    expect(diurnalFactor(3)).toBeCloseTo(0.4);
    const mean = Array.from({ length: 24 }, (_, h) => diurnalFactor(h)).reduce((a, b) => a + b) / 24;
    expect(mean).toBeCloseTo(1);
    // A compressed day of 2400 s: 100 s per hour. Count the requests of each simulated hour.
    const s = new Scenario({ startMs: START, rate: 20, daySeconds: 2400, seed: 5, firstOutageAfterS: 1e6, firstCostSpikeAfterS: 1e6 });
    const perHour = new Array<number>(24).fill(0);
    for (let t = START; t < START + 2_400_000; t += 5000) {
      perHour[Math.floor(s.hourOfDay(t + 2500))] += s.tick(t, t + 5000).length;
    }
    expect(perHour[15] / perHour[3]).toBeGreaterThan(2.5);
    expect(perHour[15] / perHour[3]).toBeLessThan(6);
  });

  it('runs an outage: degraded (mostly errors, slow), breaker open (failed over), half-open trickle, closed', () => {
    const s = new Scenario({ startMs: START, rate: 50, seed: 9, firstOutageAfterS: 60, outageDurationS: 300 });
    const o = s.outage(0);
    const events = run(s, START, o.endMs + 60_000);
    const breaker = events.filter((e) => e.type === 'circuit_breaker');
    expect(breaker.map((e) => [e.provider, e.state])).toEqual([[o.provider, 'open'], [o.provider, 'half_open'], [o.provider, 'closed']]);
    expect(breaker.map((e) => Date.parse(String(e.timestamp)))).toEqual([o.startMs + 60_000, o.startMs + 255_000, o.endMs]);

    const of = (from: number, to: number) => events.filter((e) => isRequest(e) && e.provider === o.provider && Date.parse(String(e.timestamp)) >= from && Date.parse(String(e.timestamp)) < to);
    const errorRatio = (xs: DemoEvent[]) => xs.filter((e) => e.status === 'error').length / xs.length;
    const degraded = of(o.startMs, o.startMs + 60_000);
    expect(errorRatio(degraded)).toBeGreaterThan(0.5);
    expect(degraded.some((e) => e.error_type === 'timeout' && e.latency_ms === 30_000)).toBe(true);
    expect(of(o.startMs + 61_000, o.startMs + 254_000)).toEqual([]); // breaker open: no calls
    expect(of(START, o.startMs).length).toBeGreaterThan(20);
    expect(errorRatio(of(START, o.startMs))).toBeLessThan(0.05);
    expect(errorRatio(of(o.endMs, o.endMs + 60_000))).toBeLessThan(0.05);
  });

  it('runs a cost spike: an expensive batch job that at least doubles spend while it lasts', () => {
    const catalog = realCatalog();
    const cost: Array<[number, number]> = [];
    const pipeline = new Pipeline(catalog, { sinks: [{ request: (r, p) => void cost.push([r.timestampMs, p.costUsd]) }] });
    const s = new Scenario({ startMs: START, rate: 20, seed: 11, firstOutageAfterS: 1e6, firstCostSpikeAfterS: 600, costSpikeDurationS: 300 });
    const spike = s.costSpike(0);
    for (const e of run(s, START, spike.endMs)) pipeline.ingestObject(e, 'http');
    const spend = (from: number, to: number) => cost.filter(([t]) => t >= from && t < to).reduce((a, [, c]) => a + c, 0);
    const before = spend(spike.startMs - 300_000, spike.startMs);
    const during = spend(spike.startMs, spike.endMs);
    expect(during / before).toBeGreaterThan(2);
  });

  it('is deterministic for a seed', () => {
    const a = run(new Scenario({ startMs: START, rate: 10, seed: 4 }), START, START + 30_000);
    const b = run(new Scenario({ startMs: START, rate: 10, seed: 4 }), START, START + 30_000);
    expect(a).toEqual(b);
  });
});

describe('runDemo', () => {
  it('posts the events to /v1/events and the exporter counts them', async () => {
    const exporter = await startExporter();
    try {
      expect(eventsUrl(exporter.url)).toBe(`${exporter.url}/v1/events`);
      const lines: string[] = [];
      // The outage starts at once, but its breaker opens only at 20 % of 100 s: no breaker event yet.
      const r = await runDemo({ url: exporter.url, rate: 200, durationS: 1.5, tickMs: 250, log: (l) => lines.push(l), firstOutageAfterS: 0, outageDurationS: 100 });
      expect(r.failedPosts).toBe(0);
      expect(r.events).toBeGreaterThan(50);
      expect(r.posted).toBe(r.events);
      expect(sum(await exporter.samples(), 'ai_requests_total')).toBe(r.posted);
      expect(lines.join('\n')).toMatch(/demo: now: outage of \w+/);
    } finally {
      await exporter.close();
    }
  });
});
