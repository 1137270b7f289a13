// tokenscope backfill → TSDB blocks → a real Prometheus opened on that directory as it is.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { makeTruths, render, shapeFor, totals } from '../support/traffic.js';

describe('backfill', () => {
  let prom: Prometheus | undefined;
  afterAll(async () => {
    await prom?.stop();
  });

  it('turns 2.5 days of logs into blocks whose PromQL totals match the logs at any time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-backfill-'));
    const start = Date.UTC(2026, 9, 1, 6, 0, 0);
    const truths = makeTruths(4000, { seed: 21, startMs: start, spanMs: 60 * 3_600_000 });
    // Two files, lines of one interleaved in time with the other: backfill sorts by time.
    writeFileSync(join(dir, 'a.jsonl'), truths.filter((_, i) => i % 2 === 0).map((t, i) => render(t, shapeFor(t, i))).join('\n') + '\n{broken\n');
    writeFileSync(join(dir, 'b.jsonl'), truths.filter((_, i) => i % 2 === 1).map((t, i) => render(t, shapeFor(t, i))).join('\n') + '\n');
    const out = join(dir, 'tsdb');
    const res = spawnSync(process.execPath, [CLI, 'backfill', join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), '--out', out, '--step', '600'], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/a\.jsonl:\d+: invalid_json/);
    expect(readdirSync(out).filter((d) => /^[0-9A-Z]{26}$/.test(d)).length).toBeGreaterThanOrEqual(3); // one block per UTC day at least

    prom = await Prometheus.start('global: { scrape_interval: 15s }\n', { storage: out });
    const stepMs = 600_000;
    const last = Math.floor(truths[truths.length - 1].timestampMs / stepMs) * stepMs + stepMs;
    const want = totals(truths);
    expect(await prom.value('sum(ai_requests_total)', last / 1000)).toBe(want.requests);
    expect(await prom.value('sum(ai_tokens_input_total)', last / 1000)).toBe(want.input);
    // Mid-way: exactly the events before that sample's time.
    const mid = Date.UTC(2026, 9, 2, 12, 0, 0);
    const before = totals(truths.filter((t) => t.timestampMs < mid));
    expect(await prom.value('sum(ai_tokens_output_total)', mid / 1000)).toBe(before.output);
    // Across midnight, increase() sees a continuous counter.
    const day2 = Date.UTC(2026, 9, 2, 0, 0, 0);
    const inDay = totals(truths.filter((t) => t.timestampMs >= day2 - 3_600_000 && t.timestampMs < day2 + 3_600_000));
    const inc = await prom.value('sum(increase(ai_requests_total[2h]))', (day2 + 3_600_000) / 1000);
    expect(Math.abs(inc - inDay.requests) / inDay.requests).toBeLessThan(0.15); // increase() extrapolates at the window edges
  }, 180_000);
});
