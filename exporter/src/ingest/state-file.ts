// Durable exporter state: the counters and the file positions they account for, written together
// in one atomic file. After a restart (even `kill -9`) counting resumes exactly where the saved
// counters stopped, so no line is dropped or counted twice and Prometheus sees no counter reset.
import { readCheckpoint, writeCheckpointAtomic } from '../sources/files/checkpoint.js';
import type { SavedPositions } from '../sources/files/file-tail.js';
import type { Pipeline, PipelineState } from './pipeline.js';

export interface ExporterState {
  version: 1;
  savedAt: string;
  pipeline: PipelineState;
  positions: SavedPositions;
}

export class StateFile {
  private lastSavedVersion = -1;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Called after every save attempt (written, skipped because nothing changed, or failed): the
   * request log's lines counted up to now are covered by the state on disk and can be written
   * (log/checkpoint-gate.ts). After a failed write too: a state that cannot be written must not
   * hold the log back forever.
   */
  afterSave: (() => void) | undefined;
  /**
   * Called by the periodic save one event-loop turn before it (metrics/renderer.ts renders the
   * counters there, for afterSave to publish: what is rendered before a save is covered by it,
   * and the render and the save block the loop one at a time, not back to back).
   */
  beforeSave: (() => void) | undefined;

  constructor(
    readonly path: string,
    private readonly pipeline: Pipeline,
    private readonly positions: () => SavedPositions = () => ({}),
  ) {}

  /** Restores counters; returns the saved file positions (empty when there was no state). */
  load(): SavedPositions {
    const st = readCheckpoint<ExporterState>(this.path);
    if (!st) return {};
    if (st.version !== 1) throw new Error(`${this.path}: unsupported state version ${String(st.version)}`);
    this.pipeline.restore(st.pipeline);
    this.lastSavedVersion = this.changeVersion();
    return st.positions ?? {};
  }

  /**
   * Writes counters and positions in the same synchronous turn as the line handling, so they can
   * never disagree. Skipped when nothing changed.
   */
  save(force = false): boolean {
    let told = false;
    const tell = () => {
      if (told) return;
      told = true;
      this.afterSave?.();
    };
    try {
      const v = this.changeVersion();
      if (!force && v === this.lastSavedVersion) return false;
      const st: ExporterState = { version: 1, savedAt: new Date().toISOString(), pipeline: this.pipeline.snapshot(), positions: this.positions() };
      writeCheckpointAtomic(this.path, st, tell); // told right after the rename, before the directory fsync
      this.lastSavedVersion = v;
      return true;
    } finally {
      tell();
    }
  }

  /**
   * Saves every `intervalMs`, or less often when saving is slow: a save blocks the event loop (it
   * must, to stay consistent with the positions), so the gap is kept at 20× the last save's duration
   * (with beforeSave's) or more, holding their share of the loop near 5% even with a large dedupe
   * window or many series to render.
   */
  startPeriodic(intervalMs: number, onError: (e: Error) => void): void {
    const tick = () => {
      const t0 = performance.now();
      try {
        this.beforeSave?.();
      } catch (e) {
        onError(e as Error);
      }
      const before = performance.now() - t0;
      this.timer = setTimeout(() => {
        const t1 = performance.now();
        try {
          this.save();
        } catch (e) {
          onError(e as Error);
        }
        this.lastSaveMs = performance.now() - t1;
        this.timer = setTimeout(tick, Math.max(intervalMs, Math.ceil((before + this.lastSaveMs) * 20)));
        this.timer.unref();
      }, 0);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, intervalMs);
    this.timer.unref();
  }

  stopPeriodic(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** How long the last periodic save took, in milliseconds. */
  lastSaveMs = 0;

  private changeVersion(): number {
    return this.pipeline.store.version + this.pipeline.stats.version;
  }
}
