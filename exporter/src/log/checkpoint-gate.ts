// With durable state, the per-request log is written only once the checkpoint that counts its
// requests is in place. After a crash the exporter resumes from the last checkpoint and counts the
// lines read since then again; their log lines were held, never written, so each is written once,
// then. Writing them as they were counted logged every line since the last checkpoint twice after a
// kill -9, and sums over the log in Loki over-counted.
//
// Lines are formatted when counted and held; release(), right after the checkpoint's rename, hands
// what is held over to be written. Lines counted after the checkpoint are held apart, for the next
// one. The price: lines reach stdout and Loki up to --state-interval later. A kill -9 landing after
// that rename but before the release is written out loses the lines not yet written; no design
// with a separate log and state file avoids both that and duplicates, and this one never duplicates.
//
// Holding 32 Mi characters as strings and joining them into one write took ~5 s of release() and
// 19 s of GC in a 1M-line catch-up. Now a destination that takes bytes (stdout: sonic-boom in
// contentMode "buffer", stream(target, { bytes: true })) gets the lines encoded into 1 MiB buffers
// as they are logged: pino builds each line by concatenation, and ~25,000 such strings held until
// the next checkpoint lived long enough to be promoted and traced. A release hands it one buffer
// (one memcpy of at most the 8 MiB held), written in one write(2) off the event loop, so a kill
// can cost only the lines of that write. A string destination (the Loki shipper, whose own queue
// a kill loses anyway) gets a release in chunks of at most RELEASE_CHUNK_CHARS, the first at once
// and the rest a few milliseconds of them per event-loop turn. A destination taking labelled lines
// (the Loki shipper's writeRecord) gets each line with the label values it was logged with, held
// beside it, so it need not parse the line for them.

import { isLabeledTarget, type LabeledTarget, type LineLabels } from './labeled-line.js';

/** The longest string (characters) or buffer (bytes) one write of a release hands a destination. */
export const RELEASE_CHUNK_CHARS = 1024 * 1024;
/** Writing a release yields to the event loop after this long. */
const RELEASE_SLICE_MS = 4;

/** What a held line is written to in the end: a pino destination (sonic-boom) or the Loki shipper. */
export interface GateTarget {
  write(chunk: string): unknown;
}

/** A destination taking the lines as UTF-8 bytes (sonic-boom with contentMode "buffer"). */
export interface ByteGateTarget {
  write(chunk: Buffer): unknown;
}

export interface CheckpointGateOptions {
  /** Characters held before onFull asks for a checkpoint now. Default 8 Mi. */
  maxHeldChars?: number;
  /** Called once when maxHeldChars is reached; release() re-arms it. */
  onFull?: () => void;
}

type Forwarding = { flushSync?: () => void; _writing?: boolean; once?: (ev: string, fn: () => void) => void; off?: (ev: string, fn: () => void) => void };

/** A held line with its labels, for a labelled destination; `labels` undefined for a bare line. */
interface HeldRecord {
  labels: LineLabels | undefined;
  line: string;
}

interface Slot {
  target: { write(chunk: string | Buffer): unknown; writeRecord?: LabeledTarget['writeRecord'] };
  /** Holds HeldRecords, written one by one with writeRecord. */
  records?: boolean;
  /** Lines counted since the last checkpoint: not to be written yet (filled buffers, for a byte target). */
  chunks: Array<string | Buffer | HeldRecord>;
  /** A byte target's buffer being filled, and how much of it is. */
  buf?: Buffer;
  used: number;
  /** Released batches (covered by a checkpoint) still to be written, oldest first; `next` indexes the first. */
  out: Array<Array<string | Buffer | HeldRecord>>;
  next: number;
}

export class CheckpointGate {
  private readonly slots: Slot[] = [];
  private heldChars = 0;
  private full = false;
  private readonly maxHeldChars: number;
  private pumping = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: CheckpointGateOptions = {}) {
    this.maxHeldChars = opts.maxHeldChars ?? 8 * 1024 * 1024;
  }

  /**
   * A destination for a pino logger that holds what is written until release(), then writes it to
   * target. Flushing (flushSync, and waiting for sonic-boom's drain) goes to target itself, after
   * writing out what was released and not yet written, so request-log.ts's flush()/flushAsync()
   * work unchanged on a gated logger.
   */
  stream(target: LabeledTarget): LabeledTarget & Forwarding;
  stream(target: GateTarget): GateTarget & Forwarding;
  stream(target: ByteGateTarget, opts: { bytes: true }): GateTarget & Forwarding;
  stream(target: GateTarget | ByteGateTarget | LabeledTarget, opts: { bytes?: boolean } = {}): GateTarget & Forwarding & Partial<LabeledTarget> {
    const slot: Slot = { target: target as Slot['target'], chunks: [], used: 0, out: [], next: 0 };
    if (opts.bytes) slot.buf = Buffer.allocUnsafe(RELEASE_CHUNK_CHARS);
    else if (isLabeledTarget(target)) slot.records = true;
    this.slots.push(slot);
    const t = target as GateTarget & Forwarding;
    const gate = this;
    const hold = (chars: number): void => {
      this.heldChars += chars;
      if (!this.full && this.heldChars >= this.maxHeldChars) {
        this.full = true;
        this.opts.onFull?.();
      }
    };
    const labeled = slot.records
      ? {
          labelFields: (target as LabeledTarget).labelFields,
          writeRecord: (labels: LineLabels, line: string) => {
            slot.chunks.push({ labels, line });
            hold(line.length);
            return true;
          },
        }
      : {};
    return {
      ...labeled,
      write: (chunk: string) => {
        if (slot.records) {
          slot.chunks.push({ labels: undefined, line: chunk });
        } else if (slot.buf) {
          const n = Buffer.byteLength(chunk);
          if (slot.used + n > slot.buf.length) {
            if (slot.used > 0) slot.chunks.push(slot.buf.subarray(0, slot.used));
            slot.buf = Buffer.allocUnsafe(Math.max(RELEASE_CHUNK_CHARS, n));
            slot.used = 0;
          }
          slot.used += slot.buf.write(chunk, slot.used);
        } else {
          slot.chunks.push(chunk);
        }
        hold(chunk.length);
        return true;
      },
      flushSync: () => {
        while (this.writeChunk(slot));
        t.flushSync?.();
      },
      get _writing() {
        return t._writing === true || gate.pending(slot);
      },
      once: (ev, fn) => {
        // Released lines still waiting here: wait for them, then for the target's own drain.
        if (ev === 'drain' && gate.pending(slot) && t._writing !== true) void gate.drained().then(() => (t._writing === true && t.once ? t.once(ev, fn) : fn()));
        else t.once?.(ev, fn);
      },
      off: (ev, fn) => t.off?.(ev, fn),
    };
  }

  /**
   * Hands everything held to be written, in order: to a byte destination all of it now, in one
   * buffer; to a string destination the first chunk now and the rest over the next event-loop turns
   * (drained() resolves when all is handed over). Returns the characters released.
   */
  release(): number {
    const n = this.heldChars;
    this.heldChars = 0;
    this.full = false;
    for (const slot of this.slots) {
      if (slot.buf && slot.used > 0) {
        // The rest of the buffer stays for the next lines: it is never written twice.
        slot.chunks.push(slot.buf.subarray(0, slot.used));
        slot.buf = slot.buf.subarray(slot.used);
        if (slot.buf.length < 64 * 1024) slot.buf = Buffer.allocUnsafe(RELEASE_CHUNK_CHARS);
        slot.used = 0;
      }
      if (slot.chunks.length === 0) continue;
      if (slot.buf) {
        // Bytes: one write, as one buffer (a memcpy, a few ms for the 8 MiB at most held), so a
        // kill -9 can cost only the lines of the one write(2) in progress.
        const bufs = slot.chunks as Buffer[];
        slot.chunks = [];
        slot.target.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
        continue;
      }
      slot.out.push(slot.chunks);
      slot.chunks = [];
      this.writeChunk(slot);
    }
    this.schedule();
    return n;
  }

  /** Resolves once every released line has been handed to its destination. */
  drained(): Promise<void> {
    if (!this.slots.some((s) => this.pending(s))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get held(): number {
    return this.heldChars;
  }

  /** Released characters not yet handed to their destination. */
  get releasing(): number {
    let n = 0;
    for (const s of this.slots) {
      for (let b = 0; b < s.out.length; b++) for (let i = b === 0 ? s.next : 0; i < s.out[b].length; i++) n += size(s.out[b][i]);
    }
    return n;
  }

  private pending(slot: Slot): boolean {
    return slot.out.length > 0;
  }

  /** Writes one chunk of slot's released lines (at most RELEASE_CHUNK_CHARS, or one longer line); false when none was left. */
  private writeChunk(slot: Slot): boolean {
    if (slot.records) return this.writeRecords(slot);
    const batch = slot.out[0] as Array<string | Buffer> | undefined;
    if (!batch) return false;
    let i = slot.next;
    let text: string | Buffer;
    if (batch[i].length >= RELEASE_CHUNK_CHARS) {
      text = batch[i++];
    } else {
      let len = 0;
      const start = i;
      while (i < batch.length && len + batch[i].length <= RELEASE_CHUNK_CHARS) len += batch[i++].length;
      text = i - start === 1 ? batch[start] : (batch.slice(start, i) as string[]).join('');
    }
    if (i >= batch.length) {
      slot.out.shift();
      slot.next = 0;
    } else {
      slot.next = i;
    }
    slot.target.write(text);
    return true;
  }

  /** writeChunk for a labelled destination: lines one by one, up to RELEASE_CHUNK_CHARS of them. */
  private writeRecords(slot: Slot): boolean {
    const batch = slot.out[0] as HeldRecord[] | undefined;
    if (!batch) return false;
    const start = slot.next;
    let i = start;
    let len = 0;
    do len += batch[i++].line.length;
    while (i < batch.length && len < RELEASE_CHUNK_CHARS);
    // Advanced before writing, as writeChunk does, so a throwing target cannot make a line repeat.
    if (i >= batch.length) {
      slot.out.shift();
      slot.next = 0;
    } else {
      slot.next = i;
    }
    for (let k = start; k < i; k++) {
      const r = batch[k];
      if (r.labels) slot.target.writeRecord!(r.labels, r.line);
      else slot.target.write(r.line);
    }
    return true;
  }

  private schedule(): void {
    if (this.pumping) return;
    if (!this.slots.some((s) => this.pending(s))) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
      return;
    }
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      const t0 = performance.now();
      let wrote = true;
      while (wrote && performance.now() - t0 < RELEASE_SLICE_MS) {
        wrote = false;
        for (const slot of this.slots) if (this.writeChunk(slot)) wrote = true;
      }
      this.schedule();
    });
  }
}

function size(x: string | Buffer | HeldRecord): number {
  return typeof x === 'string' || Buffer.isBuffer(x) ? x.length : x.line.length;
}
