// Tails JSONL files matched by globs and hands complete lines on in batches, with positions exact
// enough to checkpoint: after a crash, restarting from positions() neither drops nor repeats a line.
//
// Polling with stat, not fs.watch: fs.watch misses events across rename/create rotations, on NFS and
// other network filesystems and in some containers; promtail-like tailers fall back on polling too.
//
// Files are identified by (dev, ino), not by path, so a rotated file is followed to its new name
// (a `*.log*` glob that also matches `app.log.1` makes rotation exact) and its open descriptor is
// drained before it is let go. Known limits, shared with other inode-based tailers:
// - lines appended to a file after it was renamed to a name the globs do not match, later than
//   the poll that notices the rename (or while we were down), are lost;
// - copytruncate is detected by the size dropping below our offset; if the truncated file has
//   already grown past that offset when we look, the restart point is wrong;
// - a file deleted and recreated under a reused inode number (common on ext4 and tmpfs) is taken for
//   the old one, and only restarted from 0 if it is smaller than our offset;
// - every matched file stays open; keep compressed rotations (`*.gz`) out of the globs.
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import fg from 'fast-glob';

/** Where a file's delivered lines end: offset is just past the last line handed to onLines. */
export interface SavedPosition {
  dev: number;
  ino: number;
  /** Bytes of complete lines already delivered (or deliberately skipped). */
  offset: number;
  /** Lines up to offset, empty and skipped ones included; the next line is lineNo + 1. */
  lineNo: number;
  /** File size at the last poll; informational (lag = size - offset). */
  size?: number;
}

/** Keyed by absolute path. JSON-serialisable. */
export type SavedPositions = Record<string, SavedPosition>;

export interface LineBatch {
  file: string;
  /** Consecutive lines: lines[i] is line firstLineNo + i (1-based) of file. */
  lines: string[];
  firstLineNo: number;
}

export interface FileTailerOptions {
  globs: string[];
  pollIntervalMs?: number;
  /**
   * For files found by the first scan when positions is absent or empty (a first run). With a
   * checkpoint, a file it does not know appeared after it, so it is read from 0 to keep restarts
   * exact; files appearing later are always read from 0. With 'end', the last line (possibly still
   * being written) is included and lineNo counts from there.
   */
  startAt?: 'beginning' | 'end';
  positions?: SavedPositions;
  /** Called synchronously; positions() called inside it already includes this batch. */
  onLines: (batch: LineBatch) => void;
  onError?: (err: Error, file?: string) => void;
  maxLineBytes?: number;
  readChunkBytes?: number;
}

export class LineTooLongError extends Error {
  constructor(
    readonly file: string,
    readonly lineNo: number,
    readonly maxLineBytes: number,
  ) {
    super(`${file}:${lineNo}: line longer than ${maxLineBytes} bytes, skipped`);
    this.name = 'LineTooLongError';
  }
}

const MiB = 1024 * 1024;

interface Tracked {
  id: string;
  path: string;
  dev: number;
  ino: number;
  fh: FileHandle;
  /** Committed: just past the last delivered (or skipped) line. */
  offset: number;
  lineNo: number;
  /** Next byte to read; offset + bytes held back in pending or being skipped. */
  readPos: number;
  size: number;
  /** Bytes of the incomplete last line, copied out of the shared read buffer. */
  pending: Buffer[];
  pendingLen: number;
  /** Inside a line already reported as too long: discard up to its newline. */
  skipping: boolean;
  /** No longer reachable through the globs (rotated away or deleted): drain, then drop. */
  orphan: boolean;
}

const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export class FileTailer {
  private readonly globs: string[];
  private readonly pollIntervalMs: number;
  private readonly startAt: 'beginning' | 'end';
  private readonly onLines: (batch: LineBatch) => void;
  private readonly onError: (err: Error, file?: string) => void;
  private readonly maxLineBytes: number;
  /** One read buffer for all files: reads are sequential, and it saves an allocation per read. */
  private readonly buf: Buffer;
  /** Insertion order = discovery order, so a rotated file is read before its successor. */
  private readonly tracked = new Map<string, Tracked>();
  /** Checkpointed positions not yet matched to a file; only consulted by the first scan. */
  private saved: SavedPositions | undefined;
  private readonly hadPositions: boolean;
  private firstScan = true;
  private polling: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private finalPositions: SavedPositions | undefined;

  constructor(opts: FileTailerOptions) {
    this.globs = opts.globs;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    this.startAt = opts.startAt ?? 'beginning';
    this.onLines = opts.onLines;
    this.onError =
      opts.onError ?? ((err, file) => process.emitWarning(file ? `${file}: ${err.message}` : err.message));
    this.maxLineBytes = opts.maxLineBytes ?? MiB;
    this.buf = Buffer.allocUnsafe(opts.readChunkBytes ?? MiB);
    this.saved = opts.positions ? { ...opts.positions } : undefined;
    this.hadPositions = Object.keys(opts.positions ?? {}).length > 0;
  }

  /** Polls once, then every pollIntervalMs until stop(). */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('FileTailer: cannot start after stop(); create a new one from positions()');
    if (this.running) return;
    this.running = true;
    await this.pollOnce();
    this.schedule();
  }

  /** Waits for a poll in progress, closes the files; positions() keeps answering. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    if (this.finalPositions) return;
    this.finalPositions = this.positions();
    await Promise.all([...this.tracked.values()].map((t) => t.fh.close().catch(() => {})));
    this.tracked.clear();
  }

  /** One scan: expand the globs, follow rotations, read every file's new bytes. Polls never overlap. */
  pollOnce(): Promise<void> {
    const run = this.polling.then(() => {
      if (this.stopped) throw new Error('FileTailer: stopped');
      return this.poll();
    });
    this.polling = run.catch(() => {});
    return run;
  }

  positions(): SavedPositions {
    if (this.finalPositions) return structuredClone(this.finalPositions);
    const out: SavedPositions = {};
    const entry = (t: Tracked): SavedPosition => ({
      dev: t.dev,
      ino: t.ino,
      offset: t.offset,
      lineNo: t.lineNo,
      size: t.size,
    });
    for (const t of this.tracked.values()) if (!t.orphan) out[t.path] = entry(t);
    // An orphan is only visible while it is drained; its stale path may already hold its successor.
    for (const t of this.tracked.values()) if (t.orphan && !(t.path in out)) out[t.path] = entry(t);
    // Until a scan matches them, the given positions still stand: a checkpoint written now must not
    // forget them.
    for (const [path, pos] of Object.entries(this.saved ?? {})) if (!(path in out)) out[path] = { ...pos };
    return out;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pollOnce()
        .catch((err: Error) => this.running && this.onError(err))
        .finally(() => this.schedule());
    }, this.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    const found = await this.scan();
    if (!found) return;
    const byId = new Map<string, { path: string; st: Stats }>();
    for (const [path, st] of found) if (!byId.has(idOf(st))) byId.set(idOf(st), { path, st });

    const orphans: Tracked[] = [];
    for (const t of this.tracked.values()) {
      const hit = byId.get(t.id);
      if (hit) {
        t.path = hit.path;
        t.size = hit.st.size;
      } else {
        t.orphan = true;
        orphans.push(t);
      }
    }
    // Rotated away or deleted: what was written before we noticed is still readable through the fd.
    for (const t of orphans) {
      await this.readNew(t, Infinity);
      if (t.pendingLen > 0) {
        this.onError(new Error(`${t.path}: incomplete last line (${t.pendingLen} bytes) discarded`), t.path);
      }
      this.tracked.delete(t.id);
      await t.fh.close().catch(() => {});
    }
    for (const [id, { path, st }] of byId) if (!this.tracked.has(id)) await this.open(path, st);
    if (this.firstScan && this.saved) {
      // Saved positions nothing matched stay until their file (same device and inode) shows up
      // again, e.g. a log directory remounted late; dropping them would re-read those files.
      const left = Object.keys(this.saved);
      if (left.length) this.onError(new Error(`saved positions for ${left.length} file(s) not found yet (${left.slice(0, 3).join(', ')}); kept until they reappear`));
    }
    this.firstScan = false;

    for (const t of [...this.tracked.values()]) {
      if (t.size < t.readPos) this.rewind(t); // truncated in place (copytruncate)
      await this.readNew(t, t.size);
    }
  }

  /** Matching files with their stats, by absolute path; undefined if the glob itself failed. */
  private async scan(): Promise<Map<string, Stats> | undefined> {
    let paths: string[];
    try {
      paths = await fg(this.globs, { absolute: true, onlyFiles: true, unique: true, suppressErrors: true });
    } catch (err) {
      this.onError(err as Error);
      return undefined;
    }
    paths.sort();
    const found = new Map<string, Stats>();
    const stats = await Promise.all(
      paths.map((p) =>
        fsp.stat(p).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') this.onError(err, p); // ENOENT: rotated between glob and stat
          return undefined;
        }),
      ),
    );
    paths.forEach((p, i) => {
      const st = stats[i];
      if (st?.isFile()) found.set(p, st);
    });
    return found;
  }

  private async open(path: string, st: Stats): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err as Error, path);
      return;
    }
    const real = await fh.stat().catch(() => undefined);
    if (!real || idOf(real) !== idOf(st)) {
      await fh.close(); // replaced between stat and open: the next poll picks up whatever is there now
      return;
    }
    const t: Tracked = {
      id: idOf(st),
      path,
      dev: st.dev,
      ino: st.ino,
      fh,
      offset: 0,
      lineNo: 0,
      readPos: 0,
      size: real.size,
      pending: [],
      pendingLen: 0,
      skipping: false,
      orphan: false,
    };
    const saved = this.takeSaved(path, st);
    if (saved) {
      // A saved offset beyond the end means it was truncated while we were down: start over.
      if (saved.offset <= real.size) {
        t.offset = t.readPos = saved.offset;
        t.lineNo = saved.lineNo;
      }
    } else if (this.firstScan && !this.hadPositions && this.startAt === 'end') {
      const start = await this.lastLineStart(fh, real.size);
      if (start === undefined) {
        // The line in progress is already too long: skip to its end.
        t.offset = t.readPos = real.size;
        t.skipping = true;
      } else {
        t.offset = t.readPos = start;
      }
    }
    this.tracked.set(t.id, t);
  }

  /** The checkpoint entry for this file: same (dev, ino) under any path, else same path and inode. */
  private takeSaved(path: string, st: Stats): SavedPosition | undefined {
    if (!this.saved) return undefined;
    let key = Object.keys(this.saved).find((k) => this.saved![k].dev === st.dev && this.saved![k].ino === st.ino);
    // Device numbers can change across reboots or remounts; path and inode together still identify it.
    if (key === undefined && this.saved[path]?.ino === st.ino) key = path;
    if (key === undefined) return undefined;
    const pos = this.saved[key];
    delete this.saved[key];
    const ok = [pos.offset, pos.lineNo].every((n) => Number.isSafeInteger(n) && n >= 0);
    if (!ok) this.onError(new Error(`${path}: invalid saved position ${JSON.stringify(pos)}, reading from 0`), path);
    return ok ? pos : undefined;
  }

  /** Start of the last (possibly incomplete) line, or undefined if it is longer than maxLineBytes. */
  private async lastLineStart(fh: FileHandle, size: number): Promise<number | undefined> {
    const floor = Math.max(0, size - this.maxLineBytes - 1);
    for (let end = size; end > floor; ) {
      const len = Math.min(this.buf.length, end - floor);
      const { bytesRead } = await fh.read(this.buf, 0, len, end - len);
      const nl = this.buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl !== -1) return end - len + nl + 1;
      end -= len;
    }
    return floor === 0 ? 0 : undefined;
  }

  private rewind(t: Tracked): void {
    t.offset = t.readPos = t.lineNo = 0;
    t.pending = [];
    t.pendingLen = 0;
    t.skipping = false;
  }

  /** Reads from readPos until EOF, or until limit for a file still growing, one batch per chunk. */
  private async readNew(t: Tracked, limit: number): Promise<void> {
    try {
      while (t.readPos < limit) {
        const { bytesRead } = await t.fh.read(this.buf, 0, this.buf.length, t.readPos);
        if (bytesRead === 0) return;
        this.consume(t, bytesRead);
      }
    } catch (err) {
      this.onError(err as Error, t.path);
    }
  }

  /**
   * Splits buf[0, n) on "\n" and delivers the complete lines. Splitting bytes, not decoded text, is
   * what makes multi-byte UTF-8 safe across chunks: 0x0A never occurs inside a multi-byte sequence.
   */
  private consume(t: Tracked, n: number): void {
    const chunk = this.buf.subarray(0, n);
    const chunkPos = t.readPos;
    t.readPos += n;
    let lineNo = t.lineNo;
    let batch: string[] = [];
    let batchFirst = 0;
    let batchEnd = 0;
    // Commit the position before the call, so a snapshot taken inside onLines covers exactly this batch.
    const flush = (): void => {
      if (batch.length === 0) return;
      t.offset = batchEnd;
      t.lineNo = batchFirst + batch.length - 1;
      const lines = batch;
      batch = [];
      try {
        this.onLines({ file: t.path, lines, firstLineNo: batchFirst });
      } catch (err) {
        // Not retried: the consumer may have counted part of the batch already.
        this.onError(err as Error, t.path);
      }
    };

    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      lineNo++;
      const len = t.pendingLen + nl - start;
      if (t.skipping) {
        t.skipping = false; // reported when it outgrew maxLineBytes
      } else if (len > this.maxLineBytes) {
        this.onError(new LineTooLongError(t.path, lineNo, this.maxLineBytes), t.path);
      } else {
        const text = t.pendingLen === 0 ? decodeLine(chunk, start, nl) : decodeLine(joinPending(t, chunk, start, nl), 0, len);
        if (text.length > 0) {
          // Keep batches consecutive so lines[i] is line firstLineNo + i.
          if (batch.length > 0 && batchFirst + batch.length !== lineNo) flush();
          if (batch.length === 0) batchFirst = lineNo;
          batch.push(text);
          batchEnd = chunkPos + nl + 1;
        }
      }
      t.pending = [];
      t.pendingLen = 0;
      start = nl + 1;
    }
    flush();
    if (start > 0) {
      // Also past empty or skipped lines after the last delivered one: they would only be skipped again.
      t.offset = chunkPos + start;
      t.lineNo = lineNo;
    }

    const rest = n - start;
    if (rest === 0 || t.skipping) return;
    if (t.pendingLen + rest > this.maxLineBytes) {
      this.onError(new LineTooLongError(t.path, lineNo + 1, this.maxLineBytes), t.path);
      t.skipping = true;
      t.pending = [];
      t.pendingLen = 0;
    } else {
      t.pending.push(Buffer.from(chunk.subarray(start))); // copy: the read buffer is reused
      t.pendingLen += rest;
    }
  }
}

function joinPending(t: Tracked, chunk: Buffer, start: number, end: number): Buffer {
  return Buffer.concat([...t.pending, chunk.subarray(start, end)], t.pendingLen + end - start);
}

/** buf[start, end) as UTF-8 without a trailing "\r"; invalid bytes become U+FFFD. */
function decodeLine(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === 0x0d) end--;
  return end > start ? buf.toString('utf8', start, end) : '';
}
