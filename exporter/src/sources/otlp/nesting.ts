// Each model call counted once, whatever the nesting. Library rules (adapters/genai-sources.ts)
// already skip the spans that wrap model calls by name; this is the general rule for the rest: a
// model-call span with a model call carrying usage below it in the same trace is skipped, so only
// the innermost call is counted. Two instrumentations on one call (a framework's LLM span around
// the provider client's span), or a root "chat" span summing its per-turn "chat" spans, count once.
//
// Spans are compared by trace and span id. A parent span ends after its children, and the SDKs
// export spans as they end, so the children arrive in the same export request or an earlier one:
// the ancestors of a counted call that have not arrived yet are remembered (bounded), and skipped
// when they do.
import type { Bytes } from './shapes.js';

/** Ancestors remembered across requests; past this the oldest are forgotten. */
export const DEFAULT_MAX_PENDING = 20_000;
/** Nesting deeper than this is not followed (and a cycle of bad parent ids ends). */
const MAX_DEPTH = 64;

function hex(b: Bytes | string | null | undefined): string {
  if (b === undefined || b === null || b.length === 0) return '';
  if (typeof b === 'string') return b;
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('hex');
}

/** "traceId:spanId" in hex, or "" when the span has no ids. */
export function spanKey(traceId: Bytes | null | undefined, spanId: Bytes | null | undefined): string {
  const s = hex(spanId);
  return s === '' ? '' : `${hex(traceId)}:${s}`;
}

export class Nesting {
  /** Keys of spans with a counted call below them that have not arrived yet, oldest first. */
  private readonly pending = new Set<string>();

  constructor(private readonly maxPending = DEFAULT_MAX_PENDING) {}

  get pendingSize(): number {
    return this.pending.size;
  }

  /**
   * One export request: each span's key and its parent's key ("" when unknown), and the indexes of
   * the spans that are counted calls carrying usage. Returns the keys of the spans that have one
   * of those (in this request or an earlier one) below them.
   */
  wrappers(keys: readonly string[], parents: readonly string[], carriers: readonly number[]): Set<string> {
    const marked = new Set<string>();
    if (carriers.length === 0 && this.pending.size === 0) return marked;
    const parentOf = new Map<string, string>();
    for (let i = 0; i < keys.length; i++) if (keys[i] !== '') parentOf.set(keys[i], parents[i]);
    const climb = (from: string): void => {
      let k = from;
      for (let depth = 0; k !== '' && depth < MAX_DEPTH; depth++) {
        if (marked.has(k)) return;
        marked.add(k);
        const up = parentOf.get(k);
        if (up === undefined) {
          this.remember(k); // not in this request: skip it when it arrives
          return;
        }
        k = up;
      }
    };
    // Spans whose descendants were counted in an earlier request.
    if (this.pending.size > 0) for (const k of keys) if (k !== '' && this.pending.delete(k)) climb(k);
    for (const i of carriers) climb(parents[i]);
    return marked;
  }

  private remember(k: string): void {
    if (this.pending.has(k)) return;
    this.pending.add(k);
    if (this.pending.size > this.maxPending) this.pending.delete(this.pending.values().next().value as string);
  }
}
