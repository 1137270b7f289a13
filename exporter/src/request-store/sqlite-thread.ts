// SQLite inserts on a worker thread. better-sqlite3 is synchronous: on the main thread a batch of
// 2,000 rows held the event loop for tens of milliseconds (ingest, scrapes and the usage API all
// waited) and cost ~4x the pipeline's own work per line. The worker has its own connection (WAL:
// the main thread's reads go on meanwhile) and answers each batch on a MessagePort; a shared
// counter lets the caller wait for the answer asynchronously (insert) or, inside a state
// checkpoint, synchronously (insertSync, Atomics.wait), so exactness across kill -9 is kept.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EncodedBatch } from './batch.js';
import { ROLLUP_SPANS } from './rollup.js';
import { INSERTER_SOURCE, WORKER_DEPS } from './sqlite-inserter.js';

// Plain JavaScript evaluated in the worker: no loader needed under tsx or from dist/.
const SOURCE = `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
// Ending by an uncaught error or an exit (at start too) raises the flag a blocked insertSync checks;
// Node ending it (out of memory, terminate()) runs no handler, hence insertSync's deadline as well.
process.on('exit', () => { const s = new Int32Array(workerData.signal); Atomics.store(s, 1, 1); Atomics.notify(s, 0); });
// Lower priority for this thread only (Linux nice is per thread): see WORKER_NICE.
try { require('node:os').setPriority(workerData.nice); } catch {}
const Database = require(workerData.driver);
let db, inserter;
try {
  db = new Database(workerData.path);
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = ' + workerData.cacheSize);
  inserter = (${INSERTER_SOURCE})(db, workerData.spans, ${WORKER_DEPS});
} catch (e) {
  // better-sqlite3's errors reach the parent as plain objects, their message lost: a real Error keeps it.
  throw new Error(((e && e.code) ? e.code + ': ' : '') + ((e && e.message) || String(e)));
}
const signal = new Int32Array(workerData.signal);
const port = workerData.port;
const answer = (reply) => { port.postMessage(reply); Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
const close = (m) => { db.close(); answer({ id: m.id, n: 0 }); port.close(); };
// Set up (the database open, the statements prepared): the parent may block on this worker now.
parentPort.postMessage('ready');
port.on('message', (first) => {
  if (first.close) return close(first);
  // Batches already waiting go into the same transaction (up to 16: a commit every ~32k rows).
  const group = [first];
  let closing;
  while (group.length < 16) {
    const next = receiveMessageOnPort(port);
    if (next === undefined) break;
    if (next.message.close) { closing = next.message; break; }
    group.push(next.message);
  }
  let counts;
  try { counts = inserter.insertMany(group.map((m) => m.batch)); } catch (e) {
    // One bad batch fails its group; each is answered (the writer retries them).
    const error = String((e && e.message) || e);
    for (const m of group) answer({ id: m.id, error });
  }
  if (counts) group.forEach((m, i) => answer({ id: m.id, n: counts[i] }));
  if (closing) close(closing);
});
`;

/**
 * The worker's nice value. A stored row costs the worker ~10x what counting the line costs the
 * ingest thread; on a busy machine the two compete for CPU, and the counting (metrics, scrapes,
 * the event loop) comes first: the worker takes what is left, and all of an idle core. When it
 * cannot keep up, rows wait in the writer's bounded buffer (ai_exporter_store_pending_rows) as
 * during a database outage.
 */
export const WORKER_NICE = 5;

/**
 * How long a checkpoint's synchronous write waits for the worker before the rows go to the
 * journal: far above a group's commit, including SQLite's busy timeout for a lock held elsewhere.
 */
const SYNC_DEADLINE_MS = 60_000;

/** A worker's error as text (an error that is not an Error reaches the parent as a plain object). */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e !== null && typeof e === 'object') {
    const o = e as { message?: unknown; code?: unknown };
    return String(o.message ?? o.code ?? 'unknown error');
  }
  return String(e);
}

// Atomics.waitAsync is in Node 16+ and ES2024; the compiler's lib here predates it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

interface Reply {
  id: number;
  n: number;
  error?: string;
}

interface Waiter {
  resolve(n: number): void;
  reject(e: Error): void;
}

export class SqliteInsertThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: answers sent so far; [1]: 1 once the worker has ended (set by the worker itself). */
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private sent = 0;
  /** insert()s not answered yet; their replies are read by one pump (pump()), never by each. */
  private readonly waiting = new Map<number, Waiter>();
  /** Replies read on the way to another (insertSync), kept for their reader. */
  private readonly replies = new Map<number, Reply>();
  /** insertSync()s that gave up waiting: their late answers are only accounted for. */
  private readonly abandoned = new Set<number>();
  private pumping = false;
  /** close() was called: the worker stays ref'd until it has ended, whatever answers come meanwhile. */
  private closing = false;
  /**
   * A worker starts only while this thread's event loop runs: until it is ready, blocking for it
   * (insertSync) would never end.
   */
  private ready = false;
  /** Settles once the worker has opened the database and prepared its statements; rejects if it ended first. */
  readonly started: Promise<void>;
  private dead: Error | undefined;
  private outstanding = 0;
  /** Settles when the worker thread has ended (closed, or died): an event, unlike a waitAsync wake-up, keeps the loop alive. */
  private readonly exited: Promise<void>;

  constructor(path: string, busyTimeoutMs: number, cacheSize: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(SOURCE, {
      eval: true,
      workerData: { driver, path, busyTimeoutMs, cacheSize, nice: WORKER_NICE, spans: ROLLUP_SPANS, signal: this.signal.buffer, port: port2 },
      transferList: [port2],
      // None of the parent's flags: the source is plain CommonJS needing no loader, --input-type=module
      // would make it ESM, and per-process flags (--max-old-space-size, --expose-gc) make Worker throw.
      execArgv: [],
    });
    this.worker.unref();
    this.worker.on('error', (e: unknown) => {
      this.dead = new Error(`request store writer thread failed: ${describe(e)}`);
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.dead ??= new Error(`request store writer thread ended (exit code ${code})`);
        // Answers it sent before it ended still count (their batches committed); it answers
        // nothing more, so its exit ends every other wait.
        this.drain();
        for (const w of this.waiting.values()) w.reject(this.dead);
        this.waiting.clear();
        resolve();
      }),
    );
    this.started = new Promise((resolve, reject) => {
      this.worker.once('message', () => {
        this.ready = true;
        resolve();
      });
      void this.exited.then(() => reject(this.dead));
    });
    // Seen by whoever awaits it (openRequestStore); never an unhandled rejection otherwise.
    this.started.catch(() => {});
  }

  /**
   * Writes one batch on the worker; resolves to the rows new. The batch's columns are shared, not
   * copied: the writer keeps it until the answer, to send again if need be.
   */
  insert(batch: EncodedBatch): Promise<number> {
    let id: number;
    try {
      id = this.post(batch);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const p = new Promise<number>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    void this.pump();
    return p;
  }

  /**
   * Reads replies while any insert() waits, one Atomics.waitAsync at a time. Each insert waiting on
   * its own (woken by every reply, and raced against the worker's exit) cost the ingest thread
   * per batch and left a reaction on the exit promise per wake-up, ~300 bytes an insert for good.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.size > 0 && !this.dead) {
        const seen = Atomics.load(this.signal, 0);
        this.drain();
        if (this.waiting.size === 0) break;
        const r = waitAsync(this.signal, 0, seen, 1000);
        if (r.async) await r.value;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Every reply on the port, each to its insert() (or kept for insertSync). */
  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.deliver(m.message as Reply);
  }

  private deliver(r: Reply): void {
    if (this.abandoned.delete(r.id)) {
      this.answered();
      return;
    }
    const w = this.waiting.get(r.id);
    if (w === undefined) {
      this.replies.set(r.id, r);
      return;
    }
    this.waiting.delete(r.id);
    this.answered();
    if (r.error !== undefined) w.reject(new Error(r.error));
    else w.resolve(r.n);
  }

  private answered(): void {
    if (--this.outstanding === 0 && !this.closing) this.worker.unref();
  }

  /**
   * The same, blocking this thread until the worker has committed the batch. Batches are written
   * in the order posted, so every insert() posted before it is then committed (or failed) too.
   */
  insertSync(batch: EncodedBatch): number {
    if (!this.ready) throw new Error('request store writer thread not started yet');
    const id = this.post(batch);
    const deadline = Date.now() + SYNC_DEADLINE_MS;
    while (Atomics.load(this.signal, 0) < id) {
      // Events cannot run while this thread is blocked, so `dead` alone would never be seen: the
      // worker's own flag is, and a worker that died mid-checkpoint no longer hangs the process.
      if (this.dead || Atomics.load(this.signal, 1) === 1) throw this.dead ?? new Error('request store writer thread ended');
      // Node ends a worker out of memory (or terminated) without its exit handler: a deadline then.
      if (Date.now() > deadline) {
        this.abandoned.add(id);
        throw new Error(`request store writer thread: no answer in ${SYNC_DEADLINE_MS / 1000} s`);
      }
      Atomics.wait(this.signal, 0, Atomics.load(this.signal, 0), 1000);
    }
    // Replies arrive in order: those met on the way go to their insert()s.
    for (;;) {
      const got = this.replies.get(id);
      if (got) {
        this.replies.delete(id);
        this.answered();
        if (got.error !== undefined) throw new Error(got.error);
        return got.n;
      }
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) throw new Error('request store writer thread: reply missing');
      this.deliver(m.message as Reply);
    }
  }

  private post(batch: EncodedBatch): number {
    if (this.dead) throw this.dead;
    const id = ++this.sent;
    this.port.postMessage({ id, batch });
    // Atomics.waitAsync alone does not keep the process alive: the worker does while a batch is out.
    if (this.outstanding++ === 0) this.worker.ref();
    return id;
  }

  async close(): Promise<void> {
    if (this.dead) {
      await this.worker.terminate();
      return;
    }
    // The worker closes the database, answers, closes its port and ends. Its exit is what close()
    // waits for: a Worker is a handle that keeps the process alive while ref'd, where a bare
    // Atomics.waitAsync is not, so a script (or the end of a shutdown) exited with close() unsettled.
    this.closing = true;
    this.worker.ref();
    this.port.postMessage({ id: ++this.sent, close: true });
    try {
      await this.exited;
    } finally {
      this.port.close();
      await this.worker.terminate();
    }
  }
}
