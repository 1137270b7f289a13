// The tailer's view on /metrics: files the globs match that are not read (compressed rotations).
import { Gauge, type Registry } from 'prom-client';
import { METRICS } from '../../contract/metrics.js';
import type { FileTailer } from './file-tail.js';

export function registerTailMetrics(registry: Registry, tailer: FileTailer): void {
  new Gauge({
    name: METRICS.skippedFiles.name,
    help: METRICS.skippedFiles.help,
    labelNames: METRICS.skippedFiles.labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of tailer.skippedFiles()) this.inc({ reason: s.reason });
    },
  });
}
