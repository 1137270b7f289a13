// With durable state, the per-request log is written only once the checkpoint that counts its
// requests is in place. After a crash the exporter resumes from the last checkpoint and counts the
// lines read since then again; their log lines were held, never written, so each is written once,
// then. Writing them as they were counted logged every line since the last checkpoint twice after a
// kill -9, and sums over the log in Loki over-counted.
//
// Lines are formatted when counted and held as text; release() hands each destination its text in
// one write, right after the checkpoint's rename. The price: lines reach stdout and Loki up to
// --state-interval later. A kill -9 landing after that rename but before the write completes
// (the time of one write(2), unless stdout is blocked) loses the lines of that write; no design with
// a separate log and state file avoids both that and duplicates, and this one never duplicates.

/** What a held line is written to in the end: a pino destination (sonic-boom) or the Loki shipper. */
export interface GateTarget {
  write(chunk: string): unknown;
}

export interface CheckpointGateOptions {
  /** Characters held before onFull asks for a checkpoint now. Default 32 Mi. */
  maxHeldChars?: number;
  /** Called once when maxHeldChars is reached; release() re-arms it. */
  onFull?: () => void;
}

type Forwarding = { flushSync?: () => void; _writing?: boolean; once?: (ev: string, fn: () => void) => void; off?: (ev: string, fn: () => void) => void };

export class CheckpointGate {
  private readonly slots: Array<{ target: GateTarget; chunks: string[] }> = [];
  private heldChars = 0;
  private full = false;
  private readonly maxHeldChars: number;

  constructor(private readonly opts: CheckpointGateOptions = {}) {
    this.maxHeldChars = opts.maxHeldChars ?? 32 * 1024 * 1024;
  }

  /**
   * A destination for a pino logger that holds what is written until release(), then writes it to
   * target. Flushing (flushSync, and waiting for sonic-boom's drain) goes to target itself, so
   * request-log.ts's flush()/flushAsync() work unchanged on a gated logger.
   */
  stream(target: GateTarget): GateTarget & Forwarding {
    const slot = { target, chunks: [] as string[] };
    this.slots.push(slot);
    const t = target as GateTarget & Forwarding;
    return {
      write: (chunk: string) => {
        slot.chunks.push(chunk);
        this.heldChars += chunk.length;
        if (!this.full && this.heldChars >= this.maxHeldChars) {
          this.full = true;
          this.opts.onFull?.();
        }
        return true;
      },
      flushSync: () => t.flushSync?.(),
      get _writing() {
        return t._writing;
      },
      once: (ev, fn) => t.once?.(ev, fn),
      off: (ev, fn) => t.off?.(ev, fn),
    };
  }

  /** Writes out everything held, in order, one write per destination; returns the characters written. */
  release(): number {
    const n = this.heldChars;
    this.heldChars = 0;
    this.full = false;
    for (const slot of this.slots) {
      if (slot.chunks.length === 0) continue;
      const text = slot.chunks.length === 1 ? slot.chunks[0] : slot.chunks.join('');
      slot.chunks = [];
      slot.target.write(text);
    }
    return n;
  }

  get held(): number {
    return this.heldChars;
  }
}
