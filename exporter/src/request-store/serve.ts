// How `tokenscope serve` runs the request store: its health as ai_exporter_store_* metrics (a
// database outage shows on /metrics, not only in a log), and retention, deleting rows older than
// --store-retention-days once at start and then hourly.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { METRICS as M } from '../contract/metrics.js';
import type { RequestStore } from './types.js';
import type { StoreWriter } from './writer.js';

export const RETENTION_INTERVAL_MS = 3_600_000;

/** Registers the writer's counters on the exporter's registry (read at scrape time); names and help from the metric contract. */
export function registerStoreMetrics(registry: Registry, writer: StoreWriter): void {
  const counter = (m: { name: string; help: string }, value: () => number) =>
    new Counter({
      name: m.name,
      help: m.help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  const gauge = (m: { name: string; help: string }, value: () => number) =>
    new Gauge({
      name: m.name,
      help: m.help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  counter(M.storeRowsWritten, () => writer.stats.written);
  counter(M.storeDuplicateRows, () => writer.stats.duplicates);
  counter(M.storeWriteErrors, () => writer.stats.writeErrors);
  counter(M.storeDroppedRows, () => writer.stats.dropped);
  gauge(M.storePendingRows, () => writer.pending);
  gauge(M.storeLastWrite, () => writer.stats.lastWriteMs / 1000);
}

export interface Retention {
  stop(): void;
  /** The run under way, if any (tests, shutdown). */
  running(): Promise<void>;
}

/** Deletes rows older than `days` (by event time, on `clock`) now and every hour; 0 days keeps everything. */
export function startRetention(
  store: RequestStore,
  days: number,
  clock: Clock,
  log: (level: 'info' | 'warn', msg: string, details: Record<string, unknown>) => void,
): Retention {
  let current: Promise<void> = Promise.resolve();
  if (days === 0) return { stop() {}, running: () => current };
  const run = () => {
    const beforeMs = clock.now() - days * 86_400_000;
    current = store
      .deleteBefore(beforeMs)
      .then((n) => {
        if (n > 0) log('info', 'request store retention: deleted old rows', { rows: n, before: new Date(beforeMs).toISOString() });
      })
      .catch((e: Error) => log('warn', 'request store retention failed; retried in an hour', { err: e.message }));
  };
  run();
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), running: () => current };
}
