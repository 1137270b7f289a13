// 10,000+ malformed and mutated lines mixed into good ones, through the real CLI: the process
// exits cleanly, every good line is counted, and every bad one is counted by reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { CLI } from '../support/processes.js';
import { makeTruths, render, rng, shapeFor, totals } from '../support/traffic.js';

/** Lines that are certainly not a valid event, each kind a different way real logs go wrong. */
function badLine(r: () => number, good: string, i: number): { line: string; reason: string } {
  switch (i % 8) {
    case 0:
      return { line: good.slice(0, Math.max(1, Math.floor(r() * (good.length - 2)))), reason: 'invalid_json' }; // truncated write
    case 1:
      return { line: `${good}}`, reason: 'invalid_json' };
    case 2:
      return { line: JSON.stringify([1, 2, 3]), reason: 'not_an_object' };
    case 3:
      return { line: JSON.stringify({ hello: 'world', n: i }), reason: 'unknown_format' };
    case 4: {
      const o = JSON.parse(good);
      return { line: JSON.stringify({ ...o, timestamp: 'yesterday-ish' }), reason: 'invalid_field' };
    }
    case 5:
      return { line: JSON.stringify({ timestamp: '2026-11-01T00:00:00Z', model: 'gpt-4o', input_tokens: 5, output_tokens: 1 }), reason: 'missing_field' };
    case 6:
      return { line: JSON.stringify({ timestamp: '2026-11-01T00:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: -5, output_tokens: 'many' }), reason: 'invalid_field' };
    default:
      return { line: '\u0000\u0001binary\uFFFDgarbage', reason: 'invalid_json' };
  }
}

describe('malformed input', () => {
  it('survives 12,000 bad lines among good ones and loses no good line', () => {
    const r = rng(99);
    const truths = makeTruths(5000, { seed: 3 });
    const lines: string[] = [];
    const expectReasons: Record<string, number> = {};
    let bad = 0;
    truths.forEach((t, i) => {
      const good = render(t, 'canonical');
      lines.push(render(t, shapeFor(t, i)));
      // Two or three bad lines after each good one, so bad lines sit between good ones everywhere.
      for (let k = 0; k < 2 + (i % 2) + (i % 5 === 0 ? 1 : 0); k++) {
        const b = badLine(r, good, bad++);
        lines.push(b.line);
        expectReasons[b.reason] = (expectReasons[b.reason] ?? 0) + 1;
      }
    });
    expect(bad).toBeGreaterThanOrEqual(10_000);
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-bad-'));
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');

    const res = spawnSync(process.execPath, [CLI, 'ingest', '--once', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const samples = parseExposition(res.stdout);
    const want = totals(truths);
    expect(sum(samples, 'ai_requests_total')).toBe(want.requests);
    expect(sum(samples, 'ai_tokens_input_total')).toBe(want.input);
    expect(sum(samples, 'ai_tokens_output_total')).toBe(want.output);
    expect(sum(samples, 'ai_exporter_lines_total', { source: 'file' })).toBe(lines.length);
    expect(sum(samples, 'ai_exporter_rejected_lines_total', { source: 'file' })).toBe(bad);
    for (const [reason, n] of Object.entries(expectReasons)) {
      expect(sum(samples, 'ai_exporter_rejected_lines_total', { source: 'file', reason }), reason).toBe(n);
    }
    // Each rejection is reported with file, line number and reason.
    const stderrLines = res.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
    expect(stderrLines.length).toBe(bad);
    expect(stderrLines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid_json: `));
  });
});
