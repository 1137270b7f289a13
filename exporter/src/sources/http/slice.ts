// Cooperative yielding for work that runs on the event loop the scrapes are served from.
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * A batch yields to the event loop after YIELD_MS of work (or YIELD_EVERY events), so a 10 MiB
 * batch, or several at once, delays a scrape by about one slice, not by the whole batch.
 */
const YIELD_EVERY = 2000;
const YIELD_MS = 10;

/** Counts events and says when the current slice of ingest work has run long enough. */
export class Slice {
  private n = 0;
  private start = performance.now();

  /** Checked per event; reads the clock only every 64 events. */
  due(): boolean {
    if ((++this.n & 63) !== 0) return false;
    return this.n >= YIELD_EVERY || performance.now() - this.start >= YIELD_MS;
  }

  async pause(): Promise<void> {
    await yieldToLoop();
    this.n = 0;
    this.start = performance.now();
  }
}
