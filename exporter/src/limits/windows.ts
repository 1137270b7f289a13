// The windows a usage limit counts over: the UTC day and the UTC calendar month holding an
// instant, half-open [startMs, endMs) like the request store's filters. UTC, like the budget
// month of the rules (prometheus/src/concerns/budget.ts), so a limit and a budget reset together.

export type WindowKind = 'day' | 'month';

export interface LimitWindow {
  kind: WindowKind;
  startMs: number;
  /** Exclusive: the instant the window resets. */
  endMs: number;
}

const DAY_MS = 86_400_000;

export function dayWindow(ms: number): LimitWindow {
  const startMs = Math.floor(ms / DAY_MS) * DAY_MS;
  return { kind: 'day', startMs, endMs: startMs + DAY_MS };
}

export function monthWindow(ms: number): LimitWindow {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  // Date.UTC rolls month 12 over into January of the next year.
  return { kind: 'month', startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
}

export function windowAt(kind: WindowKind, ms: number): LimitWindow {
  return kind === 'day' ? dayWindow(ms) : monthWindow(ms);
}

export function inWindow(w: LimitWindow, ms: number): boolean {
  return ms >= w.startMs && ms < w.endMs;
}
