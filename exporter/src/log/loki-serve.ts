// How `tokenscope serve` ships the request log to Loki: configuration from the environment, and
// the shipper's health as ai_exporter_loki_* metrics, so a Loki outage shows on /metrics instead of
// only in a log nobody reads.
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS } from '../contract/metrics.js';
import { DROP_REASONS, LokiShipper, type LokiShipperOptions } from './loki-push.js';

/**
 * LOKI_URL (required to enable shipping; userinfo becomes Basic auth), LOKI_TENANT_ID
 * (X-Scope-OrgID), LOKI_BATCH_LINES, LOKI_MAX_QUEUE_LINES, LOKI_FLUSH_INTERVAL_MS.
 */
export function lokiOptionsFromEnv(env: NodeJS.ProcessEnv): LokiShipperOptions | undefined {
  const url = env.LOKI_URL?.trim();
  if (!url) return undefined;
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    /* reported below */
  }
  // The value is not echoed: it may carry credentials.
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error('LOKI_URL must be an http(s) URL such as http://loki:3100');
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
    return n;
  };
  return {
    url,
    headers: env.LOKI_TENANT_ID ? { 'X-Scope-OrgID': env.LOKI_TENANT_ID } : undefined,
    batchLines: int('LOKI_BATCH_LINES'),
    maxQueueLines: int('LOKI_MAX_QUEUE_LINES'),
    flushIntervalMs: int('LOKI_FLUSH_INTERVAL_MS'),
  };
}

/** Registers the shipper's counters on the exporter's registry (read at scrape time). */
export function registerLokiMetrics(registry: Registry, loki: LokiShipper): void {
  new Counter({
    name: METRICS.lokiLinesSent.name,
    help: METRICS.lokiLinesSent.help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(loki.stats.sent);
    },
  });
  new Counter({
    name: METRICS.lokiLinesDropped.name,
    help: METRICS.lokiLinesDropped.help,
    labelNames: METRICS.lokiLinesDropped.labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of DROP_REASONS) this.inc({ reason: r }, loki.stats.dropped[r]);
    },
  });
  new Counter({
    name: METRICS.lokiPushFailures.name,
    help: METRICS.lokiPushFailures.help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(loki.stats.pushFailures);
    },
  });
  new Gauge({
    name: METRICS.lokiQueueLines.name,
    help: METRICS.lokiQueueLines.help,
    registers: [registry],
    collect() {
      this.set(loki.snapshot().queued);
    },
  });
}
