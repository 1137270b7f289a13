// Backfill: replays old logs in time order, writes the series a scrape every `step` would have
// seen as timestamped OpenMetrics (one file per UTC day), and turns each into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`. Blocks never straddle a day, so per-day files
// produce non-overlapping blocks whatever --max-block-duration (≤ 24h) is used.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../../catalog/src/schema.js';
import type { IngestRecord, LineRejection } from '../events/types.js';
import { MetricsRenderer } from '../exposition/renderer.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';
import { forEachLine, type RejectedLine } from '../sources/files/read-files.js';

export interface BackfillOptions {
  files: string[];
  outDir: string;
  catalog: Catalog;
  stepSeconds?: number;
  maxBlockDuration?: string;
  promtool?: string;
  /** Keep the OpenMetrics files here instead of a temporary folder that is removed afterwards. */
  openMetricsDir?: string;
  onReject?: (r: RejectedLine) => void;
  pipeline?: PipelineOptions;
}

export interface BackfillResult {
  records: number;
  rejected: number;
  steps: number;
  firstMs: number;
  lastMs: number;
  openMetricsFiles: string[];
  pipeline: Pipeline;
}

const DAY_MS = 86_400_000;

/** A rejected line, placed in time at the good line before it. */
interface RejectedAt {
  kind: 'rejected';
  timestampMs: number;
  reason: LineRejection['reason'];
}

export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const stepMs = (opts.stepSeconds ?? 60) * 1000;
  if (!Number.isFinite(stepMs) || stepMs < 1000) throw new Error('--step must be at least 1 second');
  const pipeline = new Pipeline(opts.catalog, opts.pipeline);
  const renderer = new MetricsRenderer(pipeline, { processMetrics: false });

  let records: Array<IngestRecord | RejectedAt> = [];
  let rejected = 0;
  for (const file of opts.files) {
    // A rejected line has no trustworthy time of its own: it is counted at the time of the good
    // line before it in the same file, so reject ratios over backfilled ranges stay meaningful.
    let lastGoodMs: number | undefined;
    const early: RejectedAt[] = [];
    await forEachLine(file, (line, lineNo) => {
      const r = pipeline.parse(line);
      if ('kind' in r) {
        records.push(r);
        if (lastGoodMs === undefined) for (const e of early) e.timestampMs = r.timestampMs;
        lastGoodMs = r.timestampMs;
      } else {
        rejected++;
        const at: RejectedAt = { kind: 'rejected', timestampMs: lastGoodMs ?? NaN, reason: r.reason };
        if (lastGoodMs === undefined) early.push(at);
        records.push(at);
        opts.onReject?.({ file, lineNo, reason: r.reason, message: r.message });
      }
    });
  }
  // Rejects in a file without any good line have no time to be placed at.
  records = records.filter((r) => r.kind !== 'rejected' || Number.isFinite(r.timestampMs));
  if (!records.some((r) => r.kind !== 'rejected')) throw new Error('backfill: no valid events in the input files');
  // Stable sort: lines with equal timestamps keep file order.
  records.sort((a, b) => a.timestampMs - b.timestampMs);
  const firstMs = records[0].timestampMs;
  const lastMs = records[records.length - 1].timestampMs;

  const omDir = opts.openMetricsDir ?? mkdtempSync(join(tmpdir(), 'tokenscope-backfill-'));
  mkdirSync(omDir, { recursive: true });
  mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  let fd: number | undefined;
  let day = -1;
  let steps = 0;
  let i = 0;
  try {
    // The first sample sits one step after the first event; the last one covers the last event.
    for (let t = Math.floor(firstMs / stepMs) * stepMs + stepMs; ; t += stepMs) {
      while (i < records.length && records[i].timestampMs < t) {
        const r = records[i++];
        if (r.kind === 'rejected') pipeline.countRejected('file', r.reason);
        else pipeline.ingestRecord(r, 'file');
      }
      const d = Math.floor((t - 1) / DAY_MS);
      if (d !== day) {
        if (fd !== undefined) {
          writeSync(fd, '# EOF\n');
          closeSync(fd);
        }
        day = d;
        const f = join(omDir, `${new Date(d * DAY_MS).toISOString().slice(0, 10)}.om`);
        files.push(f);
        fd = openSync(f, 'w');
      }
      // A sample due exactly at midnight is written 1 ms earlier so it stays in its day's block.
      const ts = Math.min(t, (d + 1) * DAY_MS - 1);
      writeSync(fd!, renderer.renderUsage('openmetrics', ts) + renderer.renderCatalog('openmetrics', ts));
      steps++;
      if (i >= records.length) break;
    }
    if (fd !== undefined) {
      writeSync(fd, '# EOF\n');
      closeSync(fd);
      fd = undefined;
    }
    for (const f of files) {
      const args = ['tsdb', 'create-blocks-from', 'openmetrics', f, opts.outDir];
      if (opts.maxBlockDuration) args.splice(3, 0, `--max-block-duration=${opts.maxBlockDuration}`);
      const r = spawnSync(opts.promtool ?? 'promtool', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.error) throw new Error(`backfill: cannot run promtool (${r.error.message}); install Prometheus' promtool`);
      if (r.status !== 0) throw new Error(`backfill: promtool failed on ${f}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (!opts.openMetricsDir) rmSync(omDir, { recursive: true, force: true });
  }
  return { records: records.length, rejected, steps, firstMs, lastMs, openMetricsFiles: opts.openMetricsDir ? files : [], pipeline };
}
