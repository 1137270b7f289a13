// The tailer's view on /metrics: files the globs match that are not read (compressed rotations).
import { Gauge, type Registry } from 'prom-client';
import type { FileTailer } from './file-tail.js';

export function registerTailMetrics(registry: Registry, tailer: FileTailer): void {
  new Gauge({
    name: 'ai_exporter_skipped_files',
    help: 'Files matched by --files that are not read as lines, by reason (the compression format: gzip, zstd, bzip2, xz, lz4, zip, ...).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of tailer.skippedFiles()) this.inc({ reason: s.reason });
    },
  });
}
