// Which tracked file holds which content, and where a file found by a scan starts reading.
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
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { compressedByMagic, compressedByName, FINGERPRINT_MAX_BYTES, fingerprintOf, hashHead } from './file-identity.js';
import { sameContent, type KnownContent } from './known-content.js';
import { lastLineStart, newTracked, positionOf, readNew, resumeCopy, seek, type ReadContext, type Tracked } from './line-reader.js';

export const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export class TrackedFiles {
  /** Insertion order = discovery order, so a rotated file is read before its successor. */
  readonly tracked = new Map<string, Tracked>();
  /** Matched files that are not read (compressed), by id. */
  readonly skipped = new Map<string, { path: string; reason: string }>();
  private readonly head = Buffer.alloc(FINGERPRINT_MAX_BYTES);

  constructor(
    private readonly ctx: ReadContext,
    /** Checkpointed positions not yet matched to a file, and content let go of by a truncation. */
    readonly known: KnownContent,
    private readonly onSkip: (file: string, reason: string) => void,
  ) {}

  /** Rotated away or deleted: what was written before we noticed is still readable through the fd. */
  async drop(t: Tracked): Promise<void> {
    if (!t.held) {
      await readNew(this.ctx, t, Infinity);
      if (t.pendingLen > 0) this.ctx.onError(new Error(`${t.path}: incomplete last line (${t.pendingLen} bytes) discarded`), t.path);
      await this.release(t, false);
    }
    this.tracked.delete(t.id);
    await t.fh.close().catch(() => {});
  }

  /** A file being read: truncated in place (copytruncate), or a fingerprint to take now it has one. */
  async checkContent(t: Tracked): Promise<void> {
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

  /** Starts tracking a file found by a scan; fromEnd: a first run's file, read from its last line. */
  async open(path: string, st: Stats, fromEnd: boolean): Promise<void> {
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
    if (fromEnd) {
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
  async placeHeld(): Promise<void> {
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
