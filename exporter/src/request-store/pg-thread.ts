// PostgreSQL inserts on a worker thread. Building a batch's array literals (keys, keyed pseudonyms,
// quoting) and writing ~300 KB of them to the socket cost the ingest thread ~3 µs a row, as much as
// counting the line; the worker does both with its own connection and answers each batch on a
// MessagePort. Reads (the usage API), erasure, retention and migrations stay on the main pool.
import { createRequire } from 'node:module';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { EncodedBatch } from './batch.js';
import { LITERALS_DEPS, LITERALS_SOURCE } from './pg-literals.js';
import { WORKER_NICE } from './sqlite-thread.js';

// Plain JavaScript evaluated in the worker (CommonJS: it has require).
const SOURCE = `
const { workerData } = require('node:worker_threads');
// Lower priority for this thread only, as SQLite's worker (sqlite-thread.ts, WORKER_NICE).
try { require('node:os').setPriority(workerData.nice); } catch {}
const pg = require(workerData.driver);
const literals = (${LITERALS_SOURCE})(${LITERALS_DEPS});
const port = workerData.port;
let client;
// One connection, opened on first use and dropped on any error: the next batch reconnects, so an
// outage ends with the database's return and the writer's retries.
async function connected() {
  if (client) return client;
  const c = new pg.Client({ connectionString: workerData.url, connectionTimeoutMillis: 10000 });
  c.on('error', () => { if (client === c) client = undefined; });
  await c.connect();
  client = c;
  return c;
}
// One message at a time, in order: the close waits for the batches before it.
let chain = Promise.resolve();
port.on('message', (m) => { chain = chain.then(() => handle(m)); });
async function handle(m) {
  if (m.close) {
    const c = client;
    client = undefined;
    if (c) await c.end().catch(() => {});
    port.postMessage({ id: m.id, n: 0 });
    port.close();
    return;
  }
  try {
    const c = await connected();
    const r = await c.query(workerData.sql, literals(m.batch));
    port.postMessage({ id: m.id, n: Number(r.rows[0].n) });
  } catch (e) {
    const c = client;
    client = undefined;
    if (c) c.end().catch(() => {});
    port.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
}
`;

interface Waiter {
  resolve(n: number): void;
  reject(e: Error): void;
}

export class PgInsertThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private sent = 0;
  private readonly waiting = new Map<number, Waiter>();
  private dead: Error | undefined;
  private closing = false;
  private readonly exited: Promise<void>;

  constructor(url: string, insertSql: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const driver = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(SOURCE, {
      eval: true,
      workerData: { driver, url, sql: insertSql, nice: WORKER_NICE, port: port2 },
      transferList: [port2],
      // None of the parent's flags, as for SQLite's worker (sqlite-thread.ts): plain CommonJS, no loader.
      execArgv: [],
    });
    this.worker.unref();
    this.port.unref();
    this.port.on('message', (r: { id: number; n?: number; error?: string }) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      this.settled();
      if (r.error !== undefined) w.reject(new Error(r.error));
      else w.resolve(r.n ?? 0);
    });
    this.worker.on('error', (e) => {
      this.dead = e;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.dead ??= new Error(`request store writer thread ended (exit code ${code})`);
        for (const w of this.waiting.values()) w.reject(this.dead);
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /** Writes one batch on the worker; resolves to the rows new. The batch's columns are shared, not copied. */
  insert(batch: EncodedBatch): Promise<number> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.sent;
    // A batch out keeps the process alive until its answer (the port and the worker are unref'd otherwise).
    if (this.waiting.size === 0) {
      this.worker.ref();
      this.port.ref();
    }
    const p = new Promise<number>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.port.postMessage({ id, batch });
    return p;
  }

  private settled(): void {
    // Once close() is called the worker and port stay ref'd until the worker has ended.
    if (this.waiting.size === 0 && !this.closing) {
      this.worker.unref();
      this.port.unref();
    }
  }

  /** Waits for the batches out, closes the worker's connection and ends it. */
  async close(): Promise<void> {
    if (!this.dead) {
      this.closing = true;
      this.worker.ref();
      this.port.ref();
      this.port.postMessage({ id: ++this.sent, close: true });
      await this.exited;
    }
    this.port.close();
    await this.worker.terminate();
  }
}
