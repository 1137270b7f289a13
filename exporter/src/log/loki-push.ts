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
// - Stream labels are only app, provider and status, each capped to maxLabelValues distinct values
//   (later ones become "other"), so a misbehaving client cannot create unbounded streams. Ids,
//   models, teams and costs stay inside the JSON line, where LogQL's `| json` reaches them.
//
// The Loki timestamp is the time the line was written (ingestion time), not the event's own time:
// Loki rejects lines older than its reject_old_samples_max_age, and a backfill or a tailed old file
// must not be refused. The event time is in the line as `event_time`.

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

interface Entry {
  ts: string;
  line: string;
  stream: string; // key into streams
}

/** A fixed-capacity FIFO; push() on a full ring overwrites (and returns) the oldest entry. */
class Ring<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  length = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  push(x: T): T | undefined {
    let evicted: T | undefined;
    if (this.length === this.capacity) {
      evicted = this.items[this.head];
      this.head = (this.head + 1) % this.capacity;
      this.length--;
    }
    this.items[(this.head + this.length) % this.capacity] = x;
    this.length++;
    return evicted;
  }
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const x = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.length--;
    return x;
  }
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const PUSH_PATH = '/loki/api/v1/push';

/** Splits userinfo out of the URL (fetch refuses URLs with credentials) and appends the push path. */
export function pushTarget(url: string): { url: string; authorization?: string } {
  const u = new URL(url);
  let authorization: string | undefined;
  if (u.username || u.password) {
    authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    u.username = '';
    u.password = '';
  }
  if (!u.pathname.endsWith(PUSH_PATH)) u.pathname = u.pathname.replace(/\/+$/, '') + PUSH_PATH;
  return { url: u.toString(), authorization };
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

export class LokiShipper {
  private readonly target: { url: string; authorization?: string };
  private readonly staticLabels: Record<string, string>;
  private readonly labelFields: string[];
  private readonly maxLabelValues: number;
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
  /** label-set key -> labels; bounded by the per-label value caps. */
  private readonly streams = new Map<string, Record<string, string>>();
  private readonly seenValues = new Map<string, Set<string>>();
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
    this.staticLabels = opts.labels ?? { app: 'tokenscope' };
    this.labelFields = opts.labelFields ?? ['provider', 'status'];
    this.maxLabelValues = opts.maxLabelValues ?? 50;
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

  /**
   * pino destination interface: one or more newline-terminated JSON lines. Never throws, never
   * waits. After close() lines are ignored.
   */
  write(chunk: string): boolean {
    if (this.closed) return true;
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf('\n', start);
      if (end < 0) end = chunk.length;
      if (end > start) this.enqueue(chunk.slice(start, end));
      start = end + 1;
    }
    if (this.queue.length >= this.batchLines) this.scheduleDrain();
    return true;
  }

  private enqueue(line: string): void {
    const evicted = this.queue.push({ ts: this.timestamp(), line, stream: this.streamKey(line) });
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

  private streamKey(line: string): string {
    let fields: Record<string, unknown> = {};
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object') fields = v as Record<string, unknown>;
    } catch {
      // Not JSON: shipped as is under "unknown" labels rather than lost.
    }
    let key = '';
    for (const name of this.labelFields) key += `${this.labelValue(name, fields[name])}\u0000`;
    if (!this.streams.has(key)) {
      const labels: Record<string, string> = { ...this.staticLabels };
      const values = key.split('\u0000');
      this.labelFields.forEach((name, i) => (labels[name] = values[i]));
      this.streams.set(key, labels);
    }
    return key;
  }

  private labelValue(name: string, raw: unknown): string {
    const v = typeof raw === 'string' && raw !== '' ? raw.slice(0, 64) : 'unknown';
    let seen = this.seenValues.get(name);
    if (!seen) this.seenValues.set(name, (seen = new Set()));
    if (seen.has(v)) return v;
    if (seen.size >= this.maxLabelValues) return 'other';
    seen.add(v);
    return v;
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

  /** The JSON push body for a batch: entries grouped by stream, in order. */
  static body(batch: Array<{ ts: string; line: string; labels: Record<string, string> }>): string {
    const streams = new Map<string, { stream: Record<string, string>; values: Array<[string, string]> }>();
    for (const e of batch) {
      const key = JSON.stringify(e.labels);
      let s = streams.get(key);
      if (!s) streams.set(key, (s = { stream: e.labels, values: [] }));
      s.values.push([e.ts, e.line]);
    }
    return JSON.stringify({ streams: [...streams.values()] });
  }

  private async send(batch: Entry[]): Promise<void> {
    const body = LokiShipper.body(batch.map((e) => ({ ts: e.ts, line: e.line, labels: this.streams.get(e.stream)! })));
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

  private async post(body: string): Promise<void> {
    const timeout = Math.max(1, Math.min(this.timeoutMs, this.deadline - this.now()));
    let res: Response;
    try {
      res = await fetch(this.target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(this.target.authorization ? { Authorization: this.target.authorization } : {}),
          ...this.headers,
        },
        body,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new RetryableError(`${(e as Error).name === 'TimeoutError' ? `timeout after ${timeout} ms` : (e as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    const text = res.ok ? '' : (await res.text().catch(() => '')).slice(0, 300);
    if (!res.ok) await res.body?.cancel().catch(() => undefined);
    if (res.ok) return;
    const msg = `HTTP ${res.status}${text ? `: ${text.trim()}` : ''}`;
    if (res.status === 429 || res.status >= 500) throw new RetryableError(msg, retryAfterMs(res.headers.get('retry-after')));
    throw new Error(msg);
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
      this.stats.dropped.shutdown += this.queue.length;
      while (this.queue.shift()) {
        /* discard */
      }
      this.stats.queued = 0;
    }
    return this.snapshot();
  }

  snapshot(): LokiShipperStats {
    return { ...this.stats, dropped: { ...this.stats.dropped }, queued: this.queue.length };
  }
}
