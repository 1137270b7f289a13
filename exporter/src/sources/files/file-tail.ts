// Tails JSONL files matched by globs and hands complete lines on in batches, with positions exact
// enough to checkpoint: after a crash, restarting from positions() neither drops nor repeats a line.
// Polling with stat, not fs.watch: fs.watch misses events across rename/create rotations, on NFS and
// other network filesystems and in some containers; promtail-like tailers fall back on polling too.
//
// Which file holds which content across rotations and copytruncate: tracked-files.ts.
// Known limits: lines appended to a file after it was renamed out of the globs, later than the poll
// that notices it (or while we were down), are lost, and so are lines written between
// copytruncate's copy and its truncation unless a poll read the original in between; two files
// beginning with the same line are taken for copies; every matched file stays open.
import type { Stats } from 'node:fs';
import { KnownContent, type SavedPositions } from './known-content.js';
import { positionOf, readNew, type LineBatch, type ReadContext, type Tracked } from './line-reader.js';
import { scanFiles } from './scan.js';
import { idOf, TrackedFiles } from './tracked-files.js';

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
  /** Backpressure before each read (ReadContext.ready): e.g. the request store writer's backlog. */
  ready?: () => Promise<void> | undefined;
}

const MiB = 1024 * 1024;

export class FileTailer {
  private readonly globs: string[];
  private readonly pollIntervalMs: number;
  private readonly startAt: 'beginning' | 'end';
  private readonly ctx: ReadContext;
  private readonly files: TrackedFiles;
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
    this.ctx = {
      buf: Buffer.allocUnsafe(opts.readChunkBytes ?? MiB),
      maxLineBytes: opts.maxLineBytes ?? MiB,
      onLines: opts.onLines,
      ready: opts.ready,
      onError: opts.onError ?? ((err, file) => process.emitWarning(file ? `${file}: ${err.message}` : err.message)),
    };
    this.files = new TrackedFiles(this.ctx, new KnownContent(opts.positions, this.ctx.onError), opts.onSkip ?? (() => {}));
    this.hadPositions = Object.keys(opts.positions ?? {}).length > 0;
  }

  private get tracked(): Map<string, Tracked> {
    return this.files.tracked;
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
    this.files.known.addTo(out);
    return out;
  }

  /** Matched files that are not read (compressed), with the reason. */
  skippedFiles(): Array<{ path: string; reason: string }> {
    return [...this.files.skipped.values()].map((s) => ({ ...s }));
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
    for (const [id, s] of this.files.skipped) {
      // Gone: forget it (its inode number may come back as a text file); renamed: follow it.
      const hit = byId.get(id);
      if (hit) s.path = hit.path;
      else this.files.skipped.delete(id);
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
    for (const t of orphans) await this.files.drop(t);
    // Truncations first, so the copy copytruncate made is matched against what was read.
    for (const t of [...this.tracked.values()]) if (!t.held) await this.files.checkContent(t);
    const fromEnd = this.firstScan && !this.hadPositions && this.startAt === 'end';
    for (const [id, { path, st }] of byId) if (!this.tracked.has(id) && !this.files.skipped.has(id)) await this.files.open(path, st, fromEnd);
    await this.files.placeHeld();
    if (this.firstScan && this.hadPositions) {
      // Saved positions nothing matched stay until their file (same device and inode) shows up
      // again, e.g. a log directory remounted late; dropping them would re-read those files.
      const left = this.files.known.pending();
      if (left.length) this.ctx.onError(new Error(`saved positions for ${left.length} file(s) not found yet (${left.slice(0, 3).join(', ')}); kept until they reappear`));
    }
    this.firstScan = false;
    for (const t of [...this.tracked.values()]) if (!t.held) await readNew(this.ctx, t, t.size);
  }
}
