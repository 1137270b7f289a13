// Ships the per-request log lines to Loki's push API (POST /loki/api/v1/push, JSON body
// {streams:[{stream:{labels}, values:[["<ns>","<line>"]]}]}).
//
// Why not pino-loki: pino-loki 3.0.0 installs and runs on Node 20, but a failed push is lost after
// one console.error (no retry), its buffer drops silently (nothing to alert on), and it always adds
// `level` and `hostname` stream labels. Loki's guidance is few, bounded labels, and an exporter
// must keep counting while Loki is down, so this is a small transport with exactly that contract:
//
// - write() is O(1) and never waits: it appends to a bounded ring buffer and returns. Ingestion
//   never blocks on Loki, whatever Loki does.
// - When the buffer is full the OLDEST line is dropped and counted (dropped{reason="queue_full"}):
//   memory stays bounded (maxQueueLines + one batch in flight) and the freshest lines win.
// - One push in flight at a time. 429, 5xx, timeouts and connection errors are retried with capped
//   exponential backoff and jitter, up to maxAttempts; then the batch is dropped and counted. Other
//   4xx (Loki rejected the data: too old, too long, bad labels) are not retried: retrying cannot help.
// - Stream labels are only app, provider and status, capped per label (loki-streams.ts). The
//   request log hands them over with the line (writeRecord); only a bare line is parsed for them.
//
// The Loki timestamp is the time the line was written (ingestion time), not the event's own time:
// Loki rejects lines older than its reject_old_samples_max_age, and a backfill or a tailed old file
// must not be refused. The event time is in the line as `event_time`.

import type { LabeledTarget, LineLabels } from './labeled-line.js';
import type { DropReason, LokiShipperOptions, LokiShipperStats } from './loki-options.js';
import { Ring } from './loki-ring.js';
import { StreamLabeler, pushBody } from './loki-streams.js';
import { postPush, pushTarget, RetryableError, type PushTarget } from './loki-transport.js';

export { pushTarget } from './loki-transport.js';
export { DROP_REASONS, type DropReason, type LokiShipperOptions, type LokiShipperStats } from './loki-options.js';

interface Entry {
  ts: string;
  line: string;
  stream: string; // key into the labeler's streams
}

export class LokiShipper implements LabeledTarget {
  private readonly target: PushTarget;
  private readonly labeler: StreamLabeler;
  private readonly headers: Record<string, string>;
  private readonly batchLines: number;
  private readonly batchBytes: number;
  private readonly maxAttempts: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly errorLogIntervalMs: number;
  private readonly onError: LokiShipperOptions['onError'];
  private readonly now: () => number;

  private readonly queue: Ring<Entry>;
  private readonly timer: NodeJS.Timeout;
  private draining: Promise<void> | undefined;
  private drainScheduled = false;
  private closed = false;
  /** While closing: nothing is retried or waited for past this wall-clock time. */
  private deadline = Infinity;
  private wakeSleep: (() => void) | undefined;
  private lastMs = 0;
  private seq = 0;
  private lastErrorLog = -Infinity;
  private failuresSinceSuccess = 0;

  readonly stats: LokiShipperStats = {
    sent: 0,
    dropped: { queue_full: 0, rejected: 0, retries_exhausted: 0, shutdown: 0 },
    pushFailures: 0,
    queued: 0,
    inFlight: 0,
  };

  constructor(opts: LokiShipperOptions) {
    this.target = pushTarget(opts.url);
    this.labeler = new StreamLabeler(opts.labels ?? { app: 'tokenscope' }, opts.labelFields ?? ['provider', 'status'], opts.maxLabelValues ?? 50);
    this.headers = opts.headers ?? {};
    this.queue = new Ring<Entry>(Math.max(1, opts.maxQueueLines ?? 10_000));
    this.batchLines = Math.max(1, opts.batchLines ?? 1000);
    this.batchBytes = Math.max(1024, opts.batchBytes ?? 1024 * 1024);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.minBackoffMs = opts.minBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.errorLogIntervalMs = opts.errorLogIntervalMs ?? 60_000;
    this.onError = opts.onError;
    this.now = opts.now ?? Date.now;
    // unref: a pending flush must not keep a finished process alive; close() sends what is left.
    this.timer = setInterval(() => this.drain(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  get labelFields(): readonly string[] {
    return this.labeler.labelFields;
  }

  /**
   * pino destination interface: one or more newline-terminated JSON lines, each parsed for its
   * labels. Never throws, never waits. After close() lines are ignored.
   */
  write(chunk: string): boolean {
    if (this.closed) return true;
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf('\n', start);
      if (end < 0) end = chunk.length;
      if (end > start) {
        const line = chunk.slice(start, end);
        this.enqueue(line, this.labeler.keyForLine(line));
      }
      start = end + 1;
    }
    this.afterWrite();
    return true;
  }

  /** One line whose label values the caller took from the record it formatted: no parse. */
  writeRecord(labels: LineLabels, line: string): boolean {
    if (this.closed) return true;
    const end = line.endsWith('\n') ? line.length - 1 : line.length;
    if (end > 0) this.enqueue(end === line.length ? line : line.slice(0, end), this.labeler.keyFor(labels));
    this.afterWrite();
    return true;
  }

  private afterWrite(): void {
    if (this.queue.length >= this.batchLines) this.scheduleDrain();
  }

  private enqueue(line: string, stream: string): void {
    const evicted = this.queue.push({ ts: this.timestamp(), line, stream });
    if (evicted) this.stats.dropped.queue_full++;
    this.stats.queued = this.queue.length;
  }

  /** Nanoseconds as a decimal string, strictly increasing, so equal lines in one ms stay distinct. */
  private timestamp(): string {
    const ms = this.now();
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.seq = 0;
    } else if (this.seq < 999_999) {
      this.seq++;
    }
    return `${this.lastMs}${String(this.seq).padStart(6, '0')}`;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.draining) return;
    this.drainScheduled = true;
    // Off the caller's stack: write() runs inside the ingest loop.
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /**
   * Sends what is queued, one batch at a time, with at most one push in flight. `all` keeps going
   * until the queue is empty; otherwise a partial batch waits for the next timer tick.
   */
  private drain(all = false): Promise<void> {
    if (this.draining) return all ? this.draining.then(() => this.drain(true)) : this.draining;
    this.draining = (async () => {
      while (this.queue.length > 0 && this.now() < this.deadline) {
        await this.send(this.takeBatch());
        if (!all && this.queue.length < this.batchLines) break;
      }
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (batch.length < this.batchLines) {
      const e = this.queue.peek();
      if (!e) break;
      const size = e.line.length + 32;
      if (batch.length > 0 && bytes + size > this.batchBytes) break;
      batch.push(this.queue.shift()!);
      bytes += size;
    }
    this.stats.queued = this.queue.length;
    this.stats.inFlight = batch.length;
    return batch;
  }

  private async send(batch: Entry[]): Promise<void> {
    const body = pushBody(batch.map((e) => ({ ts: e.ts, line: e.line, labels: this.labeler.labels(e.stream) })));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(body);
        this.stats.sent += batch.length;
        if (this.failuresSinceSuccess > 0) {
          this.onError?.('loki push recovered', { failed_attempts: this.failuresSinceSuccess, dropped: { ...this.stats.dropped } });
          this.failuresSinceSuccess = 0;
        }
        break;
      } catch (e) {
        this.stats.pushFailures++;
        this.failuresSinceSuccess++;
        const retryable = e instanceof RetryableError;
        const outOfTime = this.now() >= this.deadline;
        if (!retryable || attempt >= this.maxAttempts || outOfTime) {
          const reason: DropReason = !retryable ? 'rejected' : outOfTime ? 'shutdown' : 'retries_exhausted';
          this.stats.dropped[reason] += batch.length;
          this.report(`loki push failed; dropped ${batch.length} line(s)`, { reason, attempts: attempt, error: (e as Error).message });
          break;
        }
        this.report('loki push failed; will retry', { attempt, error: (e as Error).message });
        const backoff = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (attempt - 1));
        const wait = (e as RetryableError).retryAfterMs ?? backoff * (0.5 + Math.random());
        await this.sleep(Math.min(this.maxBackoffMs, wait));
      }
    }
    this.stats.inFlight = 0;
  }

  private post(body: string): Promise<void> {
    return postPush(this.target, this.headers, body, Math.max(1, Math.min(this.timeoutMs, this.deadline - this.now())));
  }

  private sleep(ms: number): Promise<void> {
    const remaining = this.deadline - this.now();
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, Math.min(ms, remaining)));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = undefined;
        done();
      };
    });
  }

  private report(message: string, details: Record<string, unknown>): void {
    const t = this.now();
    if (t - this.lastErrorLog < this.errorLogIntervalMs) return;
    this.lastErrorLog = t;
    this.onError?.(message, { ...details, dropped: { ...this.stats.dropped }, queued: this.queue.length });
  }

  /** Sends everything queued now and resolves when it is sent or given up on (tests, stops). */
  flush(): Promise<void> {
    return this.drain(true);
  }

  /**
   * Stops accepting lines and sends what is left, giving up (and counting the rest as dropped,
   * reason "shutdown") after timeoutMs, so a stop never hangs on an unreachable Loki.
   */
  async close(timeoutMs = 2000): Promise<LokiShipperStats> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      this.deadline = this.now() + timeoutMs;
      // Cut a retry backoff short: from now on only the deadline counts.
      this.wakeSleep?.();
      await this.drain(true);
      this.stats.dropped.shutdown += this.queue.clear();
      this.stats.queued = 0;
    }
    return this.snapshot();
  }

  snapshot(): LokiShipperStats {
    return { ...this.stats, dropped: { ...this.stats.dropped }, queued: this.queue.length };
  }
}
