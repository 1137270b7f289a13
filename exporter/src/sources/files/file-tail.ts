// Tails JSONL files matched by globs and hands complete lines on in batches, with positions exact
// enough to checkpoint: after a crash, restarting from positions() neither drops nor repeats a line.
// Polling with stat, not fs.watch: fs.watch misses events across rename/create rotations, on NFS and
// other network filesystems and in some containers; promtail-like tailers fall back on polling too.
//
// A file is identified by (dev, ino) and by a fingerprint of its first line (file-identity.ts):
// - `create` rotation: the renamed file keeps its inode and is followed to its new name (a `*.log*`
//   glob that also matches `app.log.1` makes rotation exact) and drained before it is let go.
// - copytruncate: the copy has a new inode but the same first line: content already read. While the
//   original still holds it, the copy is held, not read; once the original is truncated (its size
//   drops below our offset, or its first line changes) the copy resumes at the original's old
//   offset, so the lines written between our last read and the copy are read from it, and the
//   original is read from 0. A truncation whose copy is not seen yet leaves a detached position
//   (known-content.ts) for a copy found later, even after a restart.
// - a file replaced under a reused inode number has another first line: read from 0.
// - compressed files (`.gz`, `.zst`, ..., or compressed bytes under any name) are never read.
// Known limits: lines appended to a file after it was renamed out of the globs, later than the poll
// that notices it (or while we were down), are lost, and so are lines written between
// copytruncate's copy and its truncation unless a poll read the original in between; two files
// beginning with the same line are taken for copies; every matched file stays open.
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { compressedByMagic, compressedByName, FINGERPRINT_MAX_BYTES, fingerprintOf, hashHead } from './file-identity.js';
import { KnownContent, sameContent, type SavedPositions } from './known-content.js';
import { lastLineStart, newTracked, positionOf, readNew, resumeCopy, seek, type LineBatch, type ReadContext, type Tracked } from './line-reader.js';
import { scanFiles } from './scan.js';

export { LineTooLongError, type LineBatch } from './line-reader.js';
export type { SavedPosition, SavedPositions } from './known-content.js';

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
  /** A matched file that is not read (reason: its compression format), told once per file. */
  onSkip?: (file: string, reason: string) => void;
  maxLineBytes?: number;
  readChunkBytes?: number;
}

const MiB = 1024 * 1024;

const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export class FileTailer {
  private readonly globs: string[];
  private readonly pollIntervalMs: number;
  private readonly startAt: 'beginning' | 'end';
  private readonly onSkip: (file: string, reason: string) => void;
  private readonly ctx: ReadContext;
  private readonly head = Buffer.alloc(FINGERPRINT_MAX_BYTES);
  /** Insertion order = discovery order, so a rotated file is read before its successor. */
  private readonly tracked = new Map<string, Tracked>();
  /** Checkpointed positions not yet matched to a file, and content let go of by a truncation. */
  private readonly known: KnownContent;
  private readonly skipped = new Map<string, { path: string; reason: string }>();
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
    this.onSkip = opts.onSkip ?? (() => {});
    this.ctx = {
      buf: Buffer.allocUnsafe(opts.readChunkBytes ?? MiB),
      maxLineBytes: opts.maxLineBytes ?? MiB,
      onLines: opts.onLines,
      onError: opts.onError ?? ((err, file) => process.emitWarning(file ? `${file}: ${err.message}` : err.message)),
    };
    this.known = new KnownContent(opts.positions, this.ctx.onError);
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
    // A held file has delivered nothing: its position follows from the file whose copy it is.
    for (const t of this.tracked.values()) if (!t.orphan && !t.held) out[t.path] = positionOf(t);
    // An orphan is only visible while it is drained; its stale path may already hold its successor.
    for (const t of this.tracked.values()) if (t.orphan && !t.held && !(t.path in out)) out[t.path] = positionOf(t);
    this.known.addTo(out);
    return out;
  }

  /** Matched files that are not read (compressed), with the reason. */
  skippedFiles(): Array<{ path: string; reason: string }> {
    return [...this.skipped.values()].map((s) => ({ ...s }));
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pollOnce()
        .catch((err: Error) => this.running && this.ctx.onError(err))
        .finally(() => this.schedule());
    }, this.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    const found = await scanFiles(this.globs, this.ctx.onError);
    if (!found) return;
    const byId = new Map<string, { path: string; st: Stats }>();
    for (const [path, st] of found) if (!byId.has(idOf(st))) byId.set(idOf(st), { path, st });
    for (const [id, s] of this.skipped) {
      // Gone: forget it (its inode number may come back as a text file); renamed: follow it.
      const hit = byId.get(id);
      if (hit) s.path = hit.path;
      else this.skipped.delete(id);
    }

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
    for (const t of orphans) await this.drop(t);
    // Truncations first, so the copy copytruncate made is matched against what was read.
    for (const t of [...this.tracked.values()]) if (!t.held) await this.checkContent(t);
    for (const [id, { path, st }] of byId) if (!this.tracked.has(id) && !this.skipped.has(id)) await this.open(path, st);
    await this.placeHeld();
    if (this.firstScan && this.hadPositions) {
      // Saved positions nothing matched stay until their file (same device and inode) shows up
      // again, e.g. a log directory remounted late; dropping them would re-read those files.
      const left = this.known.pending();
      if (left.length) this.ctx.onError(new Error(`saved positions for ${left.length} file(s) not found yet (${left.slice(0, 3).join(', ')}); kept until they reappear`));
    }
    this.firstScan = false;
    for (const t of [...this.tracked.values()]) if (!t.held) await readNew(this.ctx, t, t.size);
  }

  /** Rotated away or deleted: what was written before we noticed is still readable through the fd. */
  private async drop(t: Tracked): Promise<void> {
    if (!t.held) {
      await readNew(this.ctx, t, Infinity);
      if (t.pendingLen > 0) this.ctx.onError(new Error(`${t.path}: incomplete last line (${t.pendingLen} bytes) discarded`), t.path);
      await this.release(t, false);
    }
    this.tracked.delete(t.id);
    await t.fh.close().catch(() => {});
  }

  /** A file being read: truncated in place (copytruncate), or a fingerprint to take now it has one. */
  private async checkContent(t: Tracked): Promise<void> {
    let truncated = t.size < t.readPos;
    if (!truncated && t.size !== t.checkedSize) {
      const head = await this.readHead(t, t.fp === undefined ? FINGERPRINT_MAX_BYTES : t.fpLen);
      if (!head) return;
      if (t.fp === undefined) Object.assign(t, fingerprintOf(head));
      else truncated = head.length < t.fpLen || hashHead(head, t.fpLen) !== t.fp; // truncated, and rewritten past our offset
    }
    t.checkedSize = t.size;
    if (!truncated) return;
    await this.release(t, true);
    seek(t, 0, 0);
    t.fp = undefined;
    t.fpLen = 0;
    t.checkedSize = -1;
  }

  /**
   * t no longer holds the content it was read from: copies waiting for it resume where it was read
   * to; with none, a truncated file's content is kept as a detached position for a copy to come.
   */
  private async release(t: Tracked, truncated: boolean): Promise<void> {
    let copies = 0;
    for (const c of [...this.tracked.values()]) {
      if (c.held && c.copyOf === t) {
        copies++;
        await resumeCopy(c, t.offset, t.lineNo, this.head);
      }
    }
    if (truncated && copies === 0) this.known.detach(t.path, positionOf(t));
  }

  private async open(path: string, st: Stats): Promise<void> {
    const byName = compressedByName(path);
    if (byName) return this.skip(idOf(st), path, byName);
    let fh: FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.ctx.onError(err as Error, path);
      return;
    }
    const real = await fh.stat().catch(() => undefined);
    if (!real || idOf(real) !== idOf(st)) {
      await fh.close(); // replaced between stat and open: the next poll picks up whatever is there now
      return;
    }
    const t = newTracked(idOf(st), path, st, fh, real.size);
    const head = await this.readHead(t, FINGERPRINT_MAX_BYTES);
    if (!head) return void (await fh.close());
    if (this.identify(t, head)) return;
    if (this.firstScan && !this.hadPositions && this.startAt === 'end') {
      const start = await lastLineStart(this.ctx, fh, real.size);
      // A line in progress that is already too long: skip to its end.
      t.endStart = start === undefined ? { offset: real.size, skipping: true } : { offset: start, skipping: false };
    }
    const saved = this.known.takeByInode(path, st);
    if (saved) {
      // Its own position: resumed if it still has the content that was read (legacy positions
      // without a fingerprint: if it is not smaller). Otherwise it was truncated or replaced while
      // we were down: read from 0, and the content it had may turn up in a copy.
      const same = saved.fp === undefined || (head.length >= saved.fpLen! && hashHead(head, saved.fpLen!) === saved.fp);
      t.held = false;
      if (same && saved.offset <= real.size) seek(t, saved.offset, saved.lineNo);
      else this.known.detach(path, saved);
    }
    this.tracked.set(t.id, t);
  }

  /** Reads the fingerprint, and skips a compressed file; true if skipped. */
  private identify(t: Tracked, head: Buffer): boolean {
    t.checkedSize = t.size;
    const magic = compressedByMagic(head);
    if (magic) {
      void t.fh.close().catch(() => {});
      this.tracked.delete(t.id);
      this.skip(t.id, t.path, magic);
      return true;
    }
    Object.assign(t, fingerprintOf(head));
    return false;
  }

  /**
   * Decides where each held file starts, once it has a fingerprint: a position saved for that
   * content (a copy made while we were down), a file being read with that content (a copy not
   * truncated yet: wait), a detached position (a copy of a truncated file), or else it is new.
   */
  private async placeHeld(): Promise<void> {
    for (const t of [...this.tracked.values()]) {
      if (!t.held) continue;
      if (t.fp === undefined && t.size !== t.checkedSize) {
        const head = await this.readHead(t, FINGERPRINT_MAX_BYTES);
        if (!head || this.identify(t, head)) continue;
      }
      if (t.fp === undefined) continue;
      const saved = this.known.takeSavedContent(t);
      if (saved) {
        await resumeCopy(t, saved.offset, saved.lineNo, this.head);
        continue;
      }
      const holder = [...this.tracked.values()].find((u) => u !== t && !u.held && !u.orphan && sameContent(u, t));
      if (holder) {
        t.copyOf = holder;
        continue;
      }
      t.copyOf = undefined;
      const detached = this.known.takeDetached(t);
      if (detached) {
        await resumeCopy(t, detached.offset, detached.lineNo, this.head);
        continue;
      }
      t.held = false;
      if (t.endStart) seek(t, t.endStart.offset, 0, t.endStart.skipping);
    }
  }

  private async readHead(t: Tracked, len: number): Promise<Buffer | undefined> {
    try {
      const { bytesRead } = await t.fh.read(this.head, 0, len, 0);
      return this.head.subarray(0, bytesRead);
    } catch (err) {
      this.ctx.onError(err as Error, t.path);
      return undefined;
    }
  }

  private skip(id: string, path: string, reason: string): void {
    this.skipped.set(id, { path, reason });
    this.onSkip(path, reason);
  }
}
