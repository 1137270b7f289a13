// Positions not attached to an open file: those a checkpoint gave that no file has matched yet,
// and detached content (a file truncated in place, whose copy may still turn up, even after a
// restart). A file found later takes its position from here, by inode or by fingerprint.
import type { Stats } from 'node:fs';

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
  /** Fingerprint of the first line (file-identity.ts), when the file has one. */
  fp?: string;
  fpLen?: number;
  /** Content no file holds any more (truncated in place): a copy of it found later resumes at offset. */
  detached?: boolean;
}

/** Keyed by absolute path (detached entries: path#fingerprint). JSON-serialisable. */
export type SavedPositions = Record<string, SavedPosition>;

/** Detached positions kept; the oldest goes first. */
const MAX_DETACHED = 32;

export const sameContent = (a: { fp?: string; fpLen?: number }, b: { fp?: string; fpLen?: number }): boolean =>
  a.fp !== undefined && a.fp === b.fp && a.fpLen === b.fpLen;

export class KnownContent {
  private readonly saved: SavedPositions = {};
  private readonly detached = new Map<string, SavedPosition>();

  constructor(
    positions: SavedPositions | undefined,
    private readonly onError: (err: Error, file?: string) => void,
  ) {
    for (const [key, pos] of Object.entries(positions ?? {})) {
      if (pos.detached) this.detached.set(key, { ...pos });
      else this.saved[key] = { ...pos };
    }
  }

  /** Paths of the saved positions no file has matched yet. */
  pending(): string[] {
    return Object.keys(this.saved);
  }

  /** The saved position of this file: same (dev, ino) under any path, else same path and inode. */
  takeByInode(path: string, st: Stats): SavedPosition | undefined {
    let key = Object.keys(this.saved).find((k) => this.saved[k].dev === st.dev && this.saved[k].ino === st.ino);
    // Device numbers can change across reboots or remounts; path and inode together still identify it.
    if (key === undefined && this.saved[path]?.ino === st.ino) key = path;
    if (key === undefined) return undefined;
    const pos = this.saved[key];
    delete this.saved[key];
    const ok =
      [pos.offset, pos.lineNo].every((n) => Number.isSafeInteger(n) && n >= 0) &&
      (pos.fp === undefined || (typeof pos.fp === 'string' && Number.isSafeInteger(pos.fpLen) && pos.fpLen! > 0));
    if (!ok) this.onError(new Error(`${path}: invalid saved position ${JSON.stringify(pos)}, reading from 0`), path);
    return ok ? pos : undefined;
  }

  /** A saved position with this content: a copy made, or the file moved, while we were down. */
  takeSavedContent(c: { fp?: string; fpLen?: number }): SavedPosition | undefined {
    const key = Object.keys(this.saved).find((k) => sameContent(this.saved[k], c));
    if (key === undefined) return undefined;
    const pos = this.saved[key];
    delete this.saved[key];
    return pos;
  }

  /** Detached content with this fingerprint: the copy of a file truncated in place. */
  takeDetached(c: { fp?: string; fpLen?: number }): SavedPosition | undefined {
    for (const [key, pos] of this.detached) {
      if (!sameContent(pos, c)) continue;
      this.detached.delete(key);
      return pos;
    }
    return undefined;
  }

  /** Content that was read up to pos.offset and no file holds any more. */
  detach(path: string, pos: SavedPosition): void {
    if (pos.fp === undefined) return;
    const key = `${path}#${pos.fp.slice(0, 16)}`;
    this.detached.delete(key);
    this.detached.set(key, { ...pos });
    while (this.detached.size > MAX_DETACHED) this.detached.delete(this.detached.keys().next().value!);
  }

  /** Adds the positions still standing to out: saved ones whose path is not taken, and detached ones. */
  addTo(out: SavedPositions): void {
    // Until a file matches them, the given positions still stand: a checkpoint written now must not
    // forget them.
    for (const [path, pos] of Object.entries(this.saved)) if (!(path in out)) out[path] = { ...pos };
    for (const [key, pos] of this.detached) out[key] = { ...pos, detached: true };
  }
}
