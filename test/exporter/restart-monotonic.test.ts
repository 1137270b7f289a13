// kill -9 while lines keep arriving and /metrics is scraped, then restart: no counter a scraper saw
// goes down (Prometheus would take the drop for a counter reset and increase() would count the
// climb back as new traffic), and the totals are exact once the file is caught up. With durable
// state /metrics serves only what a checkpoint covers (metrics/renderer.ts), so the restored
// counters are at or above anything scraped before the kill.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum, type Sample } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';
import { makeTruths, render, shapeFor, totals } from '../support/traffic.js';

/** The samples of counter and histogram families the durable state carries, by series key. */
function counters(text: string): Map<string, number> {
  const kinds = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) kinds.set(m[1], m[2]);
  const family = (s: Sample) => {
    if (kinds.has(s.name)) return s.name;
    const base = s.name.replace(/_(bucket|count|sum)$/, '');
    return kinds.get(base) === 'histogram' ? base : s.name;
  };
  const out = new Map<string, number>();
  for (const s of parseExposition(text)) {
    const f = family(s);
    const kind = kinds.get(f);
    if (kind !== 'counter' && kind !== 'histogram') continue;
    // The process's own counters (prom-client's, OTLP's, Loki's, the request store writer's, the
    // limit crossings') start at 0 in each process, as Prometheus expects of a restart; those in
    // the state file must not.
    if (/^(process_|nodejs_|ai_exporter_loki_|ai_exporter_otlp_|ai_exporter_store_|ai_limit_)/.test(f)) continue;
    const labels = Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    out.set(`${s.name}{${labels}}`, s.value);
  }
  return out;
}

async function scrapeText(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`scrape: ${res.status}`);
  return res.text();
}

/** Series whose value in `after` is below the one in `before` (or missing from `after`). */
function decreases(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, v] of before) {
    const w = after.get(k);
    if (w === undefined || w < v) out.push(`${k}: ${v} -> ${w ?? 'missing'}`);
  }
  return out;
}

describe('restart after kill -9 under load', () => {
  it('serves no counter value the restored state is below, and ends with exact totals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-monotonic-'));
    const file = join(dir, 'requests.jsonl');
    const n = 80_000;
    const truths = makeTruths(n, { seed: 17, spanMs: 3_600_000 });
    const text = truths.map((t, i) => render(t, shapeFor(t, i)));
    writeFileSync(file, '');
    // A longer interval than the other restart tests: the more the counters move between two
    // checkpoints, the larger the drop a live render would show after the kill.
    const args = (port: number) => ['serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--state-file', join(dir, 'state.json'), '--state-interval', '300', '--poll-interval', '20', '--no-request-log'];

    // Continuous traffic: the file grows while the exporter reads it. The feed starts once the
    // exporter answers (a slow start on a loaded machine must not find the whole file written) and
    // takes ~8 s, so the kill lands part-way even when checkpoints are a second apart.
    let written = 0;
    let feed: ReturnType<typeof setInterval> | undefined;
    try {
      const port1 = await freePort();
      const first = startProcess(process.execPath, [CLI, ...args(port1)]);
      let last = new Map<string, number>();
      let scrapes = 0;
      try {
        await waitFor('exporter', async () => (await fetch(`http://127.0.0.1:${port1}/healthz`)).ok, 30_000, 20);
        feed = setInterval(() => {
          const k = Math.min(100, n - written);
          if (k > 0) appendFileSync(file, text.slice(written, written + k).join('\n') + '\n');
          written += k;
        }, 10);
        // Scrape back to back; every scrape is monotonic against the one before it, too.
        for (;;) {
          const now = counters(await scrapeText(port1));
          expect(decreases(last, now)).toEqual([]);
          last = now;
          scrapes++;
          if ((now.get('ai_exporter_lines_total{source="file"}') ?? 0) > n / 3 && scrapes >= 5) break;
          await new Promise((r) => setTimeout(r, 15));
        }
      } finally {
        await first.stop('SIGKILL');
      }
      const lastLines = last.get('ai_exporter_lines_total{source="file"}') ?? 0;
      expect(lastLines).toBeGreaterThan(n / 3);
      expect(lastLines).toBeLessThan(n); // killed part-way, or the restart proves nothing

      const port2 = await freePort();
      const second = startProcess(process.execPath, [CLI, ...args(port2)]);
      try {
        // The first scrape after the restart (the restored state) and every one during the catch-up.
        const restored = await waitFor('restarted exporter', async () => counters(await scrapeText(port2)), 30_000, 20);
        expect(decreases(last, restored)).toEqual([]);
        let prev = restored;
        const dropped: string[] = []; // collected here: waitFor retries on a throw
        const done = await waitFor('every line after the restart', async () => {
          const t = await scrapeText(port2);
          const now = counters(t);
          dropped.push(...decreases(prev, now));
          prev = now;
          return sum(parseExposition(t), 'ai_exporter_lines_total', { source: 'file' }) >= n ? t : undefined;
        }, 120_000, 50);
        expect(dropped).toEqual([]);
        const m = parseExposition(done);
        const want = totals(truths);
        expect(sum(m, 'ai_exporter_lines_total', { source: 'file' })).toBe(n);
        expect(sum(m, 'ai_requests_total')).toBe(want.requests);
        expect(sum(m, 'ai_tokens_input_total')).toBe(want.input);
        expect(sum(m, 'ai_tokens_output_total')).toBe(want.output);
        expect(sum(m, 'ai_requests_total', { status: 'error' })).toBe(want.errors);
        expect(sum(m, 'ai_exporter_duplicate_requests_total')).toBe(0);
        expect(decreases(last, counters(done))).toEqual([]);
      } finally {
        await second.stop();
      }
    } finally {
      clearInterval(feed);
    }
  }, 240_000);
});
