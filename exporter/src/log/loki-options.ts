// The Loki shipper's options and the counters it keeps (exposed as ai_exporter_loki_* by loki-serve.ts).

export interface LokiShipperOptions {
  /** Loki base URL (http://loki:3100) or the full push URL. Userinfo becomes a Basic auth header. */
  url: string;
  /** Static stream labels. Default { app: "tokenscope" }. */
  labels?: Record<string, string>;
  /** JSON fields of the line promoted to stream labels. Default ["provider", "status"]. */
  labelFields?: string[];
  /** Distinct values kept per promoted label before folding into "other". Default 50. */
  maxLabelValues?: number;
  /** Extra headers, e.g. { "X-Scope-OrgID": "tenant" }. */
  headers?: Record<string, string>;
  /** Bound on buffered lines; past it the oldest is dropped. Default 10,000. */
  maxQueueLines?: number;
  /** Lines per push. Default 1,000. */
  batchLines?: number;
  /** Approximate bytes per push (Loki's default grpc/http limit is 4 MiB). Default 1 MiB. */
  batchBytes?: number;
  /** How often a partial batch is sent. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Tries per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff before retry n is min(maxBackoffMs, minBackoffMs * 2^(n-1)) with ±50% jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10,000 ms. */
  timeoutMs?: number;
  /** Told about failures, at most once per errorLogIntervalMs (default 60 s), and about recovery. */
  onError?: (message: string, details: Record<string, unknown>) => void;
  errorLogIntervalMs?: number;
  /** For tests. */
  now?: () => number;
}

export type DropReason = 'queue_full' | 'rejected' | 'retries_exhausted' | 'shutdown';
export const DROP_REASONS: readonly DropReason[] = ['queue_full', 'rejected', 'retries_exhausted', 'shutdown'];

export interface LokiShipperStats {
  /** Lines Loki accepted. */
  sent: number;
  /** Lines given up on, by reason. */
  dropped: Record<DropReason, number>;
  /** Push attempts that failed (each retry of a batch counts). */
  pushFailures: number;
  /** Lines buffered now, not yet in flight. */
  queued: number;
  /** Lines in the push currently in flight. */
  inFlight: number;
}
