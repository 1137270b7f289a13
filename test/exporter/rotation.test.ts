// logrotate against the README's glob ('*.jsonl*'): copytruncate with an hour of backlog per
// rotation, compressed rotations (delaycompress) that the same glob matches, and the race where
// lines are written between our last read and the copy. Counted must equal written, exactly: the
// dedupe window (600 s) cannot hide a re-read copy whose lines are an hour old.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { FileTailer } from '../../exporter/src/sources/files/file-tail.js';
import { parseExposition, sum } from '../support/exposition.js';
import { CLI } from '../support/processes.js';
import { makeTruths, render, rng, shapeFor, totals } from '../support/traffic.js';

const HOUR = 3_600_000;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** `logrotate` with `copytruncate`, `rotate 4`, `compress` and `delaycompress`. */
async function logrotate(app: string, race: () => Promise<void> | void): Promise<void> {
  for (let k = 4; k >= 2; k--) if (fs.existsSync(`${app}.${k - 1}.gz`)) fs.renameSync(`${app}.${k - 1}.gz`, `${app}.${k}.gz`);
  if (fs.existsSync(`${app}.1`)) {
    // delaycompress: the previous .1 is compressed now (gzip writes .gz, then removes the original).
    fs.renameSync(`${app}.1`, `${app}.2`);
    fs.writeFileSync(`${app}.2.gz`, gzipSync(fs.readFileSync(`${app}.2`)));
    fs.unlinkSync(`${app}.2`);
  }
  fs.copyFileSync(app, `${app}.1`);
  await race();
  fs.truncateSync(app, 0);
}

describe('rotation with the documented glob', () => {
  it('copytruncate with an hour of backlog per rotation and gzip rotations: counted = written', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'tokenscope-rotate-'));
    dirs.push(dir);
    const app = join(dir, 'app.jsonl');
    const truths = makeTruths(20_000, { seed: 31, spanMs: 5 * HOUR });
    const lines = truths.map((t, i) => render(t, shapeFor(t, i)));
    const pipeline = new Pipeline(loadCatalog());
    const rejects: string[] = [];
    const errors: string[] = [];
    const tailer = new FileTailer({
      globs: [join(dir, '*.jsonl*')], // README: --files '/var/log/gateway/*.jsonl*'
      onLines: ({ file, lines: batch, firstLineNo }) =>
        batch.forEach((l, i) => {
          const r = pipeline.ingestLine(l, 'file');
          if (!r.ok) rejects.push(`${file}:${firstLineNo + i}: ${r.reason}`);
        }),
      onError: (err) => errors.push(err.message),
    });
    const r = rng(5);
    let next = 0;
    const write = (n: number) => {
      if (n <= 0) throw new Error(`write(${n})`);
      fs.appendFileSync(app, lines.slice(next, next + n).join('\n') + '\n');
      next += n;
    };
    const perHour = lines.length / 5;
    try {
      for (let hour = 0; hour < 5; hour++) {
        // An hour of traffic, polled now and then: part of it is still unread when the rotation comes.
        const beforeCopy = (hour + 1) * perHour - 100;
        while (next < beforeCopy - 250) {
          write(50 + Math.floor(r() * 200));
          if (r() < 0.3) await tailer.pollOnce();
        }
        write(beforeCopy - next); // written after our last read, before the copy
        const pollBetween = hour % 2 === 1; // odd hours: we look while the copy and the original coexist
        await logrotate(app, async () => {
          if (!pollBetween) return;
          write(50); // after the copy, before the truncation: only in the original, read before it goes
          await tailer.pollOnce();
        });
        write(50); // the first lines after the truncation
        await tailer.pollOnce();
      }
      while (next < lines.length) write(Math.min(500, lines.length - next));
      await tailer.pollOnce();
      await tailer.pollOnce();
    } finally {
      await tailer.stop();
    }

    expect(fs.readdirSync(dir).sort()).toEqual(['app.jsonl', 'app.jsonl.1', 'app.jsonl.2.gz', 'app.jsonl.3.gz', 'app.jsonl.4.gz']);
    expect(rejects.slice(0, 5)).toEqual([]);
    expect(errors).toEqual([]);
    const m = parseExposition(new MetricsRenderer(pipeline, { processMetrics: false }).renderUsage());
    const want = totals(truths);
    expect(sum(m, 'ai_exporter_lines_total', { source: 'file' })).toBe(lines.length);
    expect(sum(m, 'ai_exporter_duplicate_requests_total')).toBe(0);
    expect(sum(m, 'ai_requests_total')).toBe(want.requests);
    expect(sum(m, 'ai_tokens_input_total')).toBe(want.input);
    expect(sum(m, 'ai_tokens_output_total')).toBe(want.output);
    expect(sum(m, 'ai_exporter_rejected_lines_total')).toBe(0);
  }, 60_000);

  it('never reads a compressed rotation, by extension or by magic bytes, tailing or one-shot', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'tokenscope-gz-'));
    dirs.push(dir);
    const truths = makeTruths(300, { seed: 32 });
    const text = truths.map((t, i) => render(t, shapeFor(t, i))).join('\n') + '\n';
    fs.writeFileSync(join(dir, 'app.jsonl'), text);
    // The rotations the glob also matches; each holds the same events, compressed.
    fs.writeFileSync(join(dir, 'app.jsonl.1.gz'), gzipSync(text));
    fs.writeFileSync(join(dir, 'app.jsonl.2'), gzipSync(text)); // gzip data under a plain name
    fs.writeFileSync(join(dir, 'app.jsonl.3.zst'), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x0a, 0x7b, 0x0a]));
    fs.writeFileSync(join(dir, 'app.jsonl.4'), Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.from('\n{"x":1}\n')]));
    const pipeline = new Pipeline(loadCatalog());
    const skipped: string[] = [];
    const tailer = new FileTailer({
      globs: [join(dir, '*.jsonl*')],
      onLines: ({ lines }) => lines.forEach((l) => pipeline.ingestLine(l, 'file')),
      onSkip: (file, reason) => skipped.push(`${file.slice(dir.length + 1)}: ${reason}`),
      onError: (err) => {
        throw err;
      },
    });
    await tailer.pollOnce();
    await tailer.pollOnce();
    expect(tailer.skippedFiles().map((s) => s.path.slice(dir.length + 1)).sort()).toEqual(['app.jsonl.1.gz', 'app.jsonl.2', 'app.jsonl.3.zst', 'app.jsonl.4']);
    await tailer.stop();
    expect(skipped.sort()).toEqual(['app.jsonl.1.gz: gzip', 'app.jsonl.2: gzip', 'app.jsonl.3.zst: zstd', 'app.jsonl.4: bzip2']);
    const m = parseExposition(new MetricsRenderer(pipeline, { processMetrics: false }).renderUsage());
    expect(sum(m, 'ai_exporter_lines_total', { source: 'file' })).toBe(truths.length);
    expect(sum(m, 'ai_exporter_rejected_lines_total')).toBe(0);
    expect(sum(m, 'ai_requests_total')).toBe(truths.length);

    const once = spawnSync(process.execPath, [CLI, 'ingest', '--once', join(dir, '*.jsonl*')], { encoding: 'utf8' });
    expect(once.status, once.stderr.slice(-2000)).toBe(0);
    const m2 = parseExposition(once.stdout);
    expect(sum(m2, 'ai_exporter_rejected_lines_total')).toBe(0);
    expect(sum(m2, 'ai_requests_total')).toBe(truths.length);
    expect(once.stderr).toMatch(/skipped .*app\.jsonl\.1\.gz: gzip/);
  }, 60_000);
});
