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
const { workerData } = require('node:worker_threads');
// Lower priority for this thread only (Linux nice is per thread): see WORKER_NICE.
try { require('node:os').setPriority(workerData.nice); } catch {}
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = ' + workerData.cacheSize);
const inserter = (${INSERTER_SOURCE})(db, workerData.spans, ${WORKER_DEPS});
const { receiveMessageOnPort } = require('node:worker_threads');
const signal = new Int32Array(workerData.signal);
const port = workerData.port;
const answer = (reply) => { port.postMessage(reply); Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
const close = (m) => { db.close(); answer({ id: m.id, n: 0 }); port.close(); };
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

// Atomics.waitAsync is in Node 16+ and ES2024; the compiler's lib here predates it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

interface Reply {
  id: number;
  n: number;
  error?: string;
}

export class SqliteInsertThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private sent = 0;
  private readonly replies = new Map<number, Reply>();
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
      // The source is CommonJS text: a parent run with --input-type=module would make it ESM.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
    });
    this.worker.unref();
    this.worker.on('error', (e) => {
      this.dead = e;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.dead ??= new Error(`request store writer thread ended (exit code ${code})`);
        resolve();
      }),
    );
  }

  /**
   * Writes one batch on the worker; resolves to the rows new. The batch is copied (its columns are
   * two memcpys), not moved: the writer keeps it until the answer, to send again if need be.
   */
  async insert(batch: EncodedBatch): Promise<number> {
    const id = this.post(batch);
    while (Atomics.load(this.signal, 0) < id) {
      if (this.dead) throw this.dead;
      const r = waitAsync(this.signal, 0, Atomics.load(this.signal, 0), 1000);
      // A dead worker answers nothing: its exit ends the wait (a waitAsync alone would not keep
      // the process alive to time out).
      if (r.async) await Promise.race([r.value, this.exited]);
    }
    return this.take(id);
  }

  /**
   * The same, blocking this thread until the worker has committed the batch. Batches are written
   * in the order posted, so every insert() posted before it is then committed (or failed) too.
   */
  insertSync(batch: EncodedBatch): number {
    const id = this.post(batch);
    while (Atomics.load(this.signal, 0) < id) {
      if (this.dead) throw this.dead;
      Atomics.wait(this.signal, 0, Atomics.load(this.signal, 0), 1000);
    }
    return this.take(id);
  }

  private post(batch: EncodedBatch): number {
    if (this.dead) throw this.dead;
    const id = ++this.sent;
    // Atomics.waitAsync alone does not keep the process alive: the worker does while a batch is out.
    if (this.outstanding++ === 0) this.worker.ref();
    this.port.postMessage({ id, batch });
    return id;
  }

  private take(id: number): number {
    // Replies arrive in order; another caller's reply met on the way is kept for it.
    for (;;) {
      const got = this.replies.get(id);
      if (got) {
        this.replies.delete(id);
        if (--this.outstanding === 0) this.worker.unref();
        if (got.error !== undefined) throw new Error(got.error);
        return got.n;
      }
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) throw new Error('request store writer thread: reply missing');
      const r = m.message as Reply;
      this.replies.set(r.id, r);
    }
  }

  async close(): Promise<void> {
    if (this.dead) {
      await this.worker.terminate();
      return;
    }
    // The worker closes the database, answers, closes its port and ends. Its exit is what close()
    // waits for: a Worker is a handle that keeps the process alive while ref'd, where a bare
    // Atomics.waitAsync is not, so a script (or the end of a shutdown) exited with close() unsettled.
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
