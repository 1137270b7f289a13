// Drops a request_id seen before within a window of event time. Two rotating generations of sets
// bound memory to about two windows' worth of ids, and using event time (not wall time) keeps
// backfills of old logs exact as well as live tails.

export interface DedupeState {
  windowMs: number;
  genStartMs: number;
  current: string[];
  previous: string[];
}

export class RequestDedupe {
  private current = new Set<string>();
  private previous = new Set<string>();
  private genStartMs = -Infinity;

  constructor(
    private readonly windowMs: number,
    /** Hard cap per generation so a flood of unique ids cannot exhaust memory. */
    private readonly maxPerGeneration = 2_000_000,
  ) {}

  /** True when this id was already seen within the window (the event must be dropped). */
  seen(requestId: string, eventMs: number): boolean {
    const elapsed = eventMs - this.genStartMs;
    if (elapsed >= this.windowMs || this.current.size >= this.maxPerGeneration) {
      // After two windows of silence the current generation is stale too.
      this.previous = elapsed >= 2 * this.windowMs ? new Set() : this.current;
      this.current = new Set();
      this.genStartMs = eventMs;
    }
    if (this.current.has(requestId) || this.previous.has(requestId)) return true;
    this.current.add(requestId);
    return false;
  }

  snapshot(): DedupeState {
    return { windowMs: this.windowMs, genStartMs: this.genStartMs, current: [...this.current], previous: [...this.previous] };
  }

  restore(st: DedupeState): void {
    this.genStartMs = st.genStartMs ?? -Infinity;
    this.current = new Set(st.current);
    this.previous = new Set(st.previous);
  }
}
