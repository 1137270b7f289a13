// kill -9 in the middle of a large file, restart from the state file: the totals equal the file's
// totals exactly (nothing dropped, nothing counted twice).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';
import { makeTruths, render, shapeFor, totals } from '../support/traffic.js';

async function scrape(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return parseExposition(await res.text());
}

describe('restart after kill -9', () => {
  it('resumes from the durable state with exact totals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-restart-'));
    const file = join(dir, 'requests.jsonl');
    const truths = makeTruths(300_000, { seed: 11, spanMs: 86_400_000 });
    writeFileSync(file, truths.map((t, i) => render(t, shapeFor(t, i))).join('\n') + '\n');
    const want = totals(truths);
    const args = (port: number) => ['serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--state-file', join(dir, 'state.json'), '--state-interval', '50', '--no-request-log'];

    const port1 = await freePort();
    const first = startProcess(process.execPath, [CLI, ...args(port1)]);
    let seen = 0;
    try {
      // Kill it while it is part-way through the file.
      seen = await waitFor('partial ingestion', async () => {
        const n = sum(await scrape(port1), 'ai_exporter_lines_total', { source: 'file' });
        return n > 20_000 && n < truths.length ? n : undefined;
      }, 60_000, 20);
    } finally {
      await first.stop('SIGKILL');
    }
    expect(seen).toBeLessThan(truths.length);
    // The kill came during the first catch-up: a checkpoint must already exist, or the restart
    // below would merely re-read the file from the start and prove nothing.
    const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { positions: Record<string, { offset: number }> };
    const savedOffset = Object.values(saved.positions)[0]?.offset ?? 0;
    expect(savedOffset).toBeGreaterThan(0);

    const port2 = await freePort();
    const second = startProcess(process.execPath, [CLI, ...args(port2)]);
    try {
      // The restored counters are served before any new line is read: they start where the checkpoint was.
      const first2 = await waitFor('restarted exporter', async () => scrape(port2), 30_000, 50);
      expect(sum(first2, 'ai_exporter_lines_total', { source: 'file' })).toBeGreaterThan(0);
      const samples = await waitFor('all lines after restart', async () => {
        const s = await scrape(port2);
        return sum(s, 'ai_exporter_lines_total', { source: 'file' }) >= truths.length ? s : undefined;
      }, 120_000, 200);
      // Let any (wrong) extra re-reading show up before asserting.
      await new Promise((r) => setTimeout(r, 500));
      const again = await scrape(port2);
      expect(sum(again, 'ai_exporter_lines_total', { source: 'file' })).toBe(truths.length);
      expect(sum(again, 'ai_requests_total')).toBe(want.requests);
      expect(sum(again, 'ai_tokens_input_total')).toBe(want.input);
      expect(sum(again, 'ai_tokens_output_total')).toBe(want.output);
      expect(sum(again, 'ai_exporter_duplicate_requests_total')).toBe(0);
      expect(sum(samples, 'ai_requests_total', { status: 'error' })).toBe(want.errors);
    } finally {
      await second.stop();
    }
  }, 240_000);
});
