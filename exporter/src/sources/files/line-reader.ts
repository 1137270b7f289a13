// Reading one tailed file: its committed position, and the splitting of new bytes into complete
// lines handed on in batches. Which files are read, and from where, is file-tail.ts's business.
import type { FileHandle } from 'node:fs/promises';
import type { SavedPosition } from './known-content.js';

export interface LineBatch {
  file: string;
  /** Consecutive lines: lines[i] is line firstLineNo + i (1-based) of file. */
  lines: string[];
  firstLineNo: number;
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

export interface Tracked {
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
  /** Inside a line already reported as too long (or read elsewhere): discard up to its newline. */
  skipping: boolean;
  /** No longer reachable through the globs (rotated away or deleted): drain, then drop. */
  orphan: boolean;
  /** Fingerprint of the first line (file-identity.ts); undefined until the file has one. */
  fp?: string;
  fpLen: number;
  /** Size at which the fingerprint was last checked against the file. */
  checkedSize: number;
  /**
   * Not read yet: where it starts is decided once it has a fingerprint (a copy of content already
   * read resumes where that content was read to), or, for a copy of a file still being read, once
   * that file lets go of the content (truncated, deleted or rotated away).
   */
  held: boolean;
  /** The file a held copy duplicates. */
  copyOf?: Tracked;
  /** Where a file found by the first scan starts when it turns out new and startAt is 'end'. */
  endStart?: { offset: number; skipping: boolean };
}

export interface ReadContext {
  /** One read buffer for all files: reads are sequential, and it saves an allocation per read. */
  buf: Buffer;
  maxLineBytes: number;
  onLines: (batch: LineBatch) => void;
  onError: (err: Error, file?: string) => void;
  /** Backpressure: before each read, a promise to wait for (a consumer that is behind), or undefined. */
  ready?: () => Promise<void> | undefined;
}

/** Start of the last (possibly incomplete) line, or undefined if it is longer than maxLineBytes. */
export async function lastLineStart(ctx: ReadContext, fh: FileHandle, size: number): Promise<number | undefined> {
  const floor = Math.max(0, size - ctx.maxLineBytes - 1);
  for (let end = size; end > floor; ) {
    const len = Math.min(ctx.buf.length, end - floor);
    const { bytesRead } = await fh.read(ctx.buf, 0, len, end - len);
    const nl = ctx.buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) return end - len + nl + 1;
    end -= len;
  }
  return floor === 0 ? 0 : undefined;
}

/** Positions t at offset (a line boundary, or inside a line when skipping), dropping what it held. */
export function seek(t: Tracked, offset: number, lineNo: number, skipping = false): void {
  t.offset = t.readPos = offset;
  t.lineNo = lineNo;
  t.pending = [];
  t.pendingLen = 0;
  t.skipping = skipping;
}

/** A file just opened: held, at 0, until it is placed. */
export function newTracked(id: string, path: string, st: { dev: number; ino: number }, fh: FileHandle, size: number): Tracked {
  return { id, path, dev: st.dev, ino: st.ino, fh, offset: 0, lineNo: 0, readPos: 0, size, pending: [], pendingLen: 0, skipping: false, orphan: false, fpLen: 0, checkedSize: -1, held: true };
}

/** What a checkpoint keeps of t. */
export function positionOf(t: Tracked): SavedPosition {
  const e: SavedPosition = { dev: t.dev, ino: t.ino, offset: t.offset, lineNo: t.lineNo, size: t.size };
  if (t.fp !== undefined) Object.assign(e, { fp: t.fp, fpLen: t.fpLen });
  return e;
}

/** Places a copy of content that was read up to offset: its bytes up to its own size are that content's. */
export async function resumeCopy(c: Tracked, offset: number, lineNo: number, scratch: Buffer): Promise<void> {
  c.held = false;
  c.copyOf = undefined;
  if (offset <= c.size) return seek(c, offset, lineNo);
  // Shorter than what was read: all of it was delivered, and a last line without its newline was
  // delivered whole, so should the copy grow, the rest of that line is skipped.
  let endsLine = c.size === 0;
  if (!endsLine) {
    const { bytesRead } = await c.fh.read(scratch, 0, 1, c.size - 1).catch(() => ({ bytesRead: 0 }));
    endsLine = bytesRead === 1 && scratch[0] === 0x0a;
  }
  seek(c, c.size, lineNo, !endsLine);
}

/** Reads from readPos until EOF, or until limit for a file still growing, one batch per chunk. */
export async function readNew(ctx: ReadContext, t: Tracked, limit: number): Promise<void> {
  try {
    while (t.readPos < limit) {
      const wait = ctx.ready?.();
      if (wait) await wait;
      const { bytesRead } = await t.fh.read(ctx.buf, 0, ctx.buf.length, t.readPos);
      if (bytesRead === 0) return;
      consume(ctx, t, bytesRead);
    }
  } catch (err) {
    ctx.onError(err as Error, t.path);
  }
}

/**
 * Splits buf[0, n) on "\n" and delivers the complete lines. Splitting bytes, not decoded text, is
 * what makes multi-byte UTF-8 safe across chunks: 0x0A never occurs inside a multi-byte sequence.
 */
function consume(ctx: ReadContext, t: Tracked, n: number): void {
  const chunk = ctx.buf.subarray(0, n);
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
      ctx.onLines({ file: t.path, lines, firstLineNo: batchFirst });
    } catch (err) {
      // Not retried: the consumer may have counted part of the batch already.
      ctx.onError(err as Error, t.path);
    }
  };

  let start = 0;
  for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
    lineNo++;
    const len = t.pendingLen + nl - start;
    if (t.skipping) {
      t.skipping = false; // reported when it outgrew maxLineBytes
    } else if (len > ctx.maxLineBytes) {
      ctx.onError(new LineTooLongError(t.path, lineNo, ctx.maxLineBytes), t.path);
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
  if (t.pendingLen + rest > ctx.maxLineBytes) {
    ctx.onError(new LineTooLongError(t.path, lineNo + 1, ctx.maxLineBytes), t.path);
    t.skipping = true;
    t.pending = [];
    t.pendingLen = 0;
  } else {
    t.pending.push(Buffer.from(chunk.subarray(start))); // copy: the read buffer is reused
    t.pendingLen += rest;
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
