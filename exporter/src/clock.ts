// The one source of "now" for everything that decides which day, period or window data falls in:
// report periods, budget month and projection instant, usage API ranges, event-time bounds, prices
// in force. Durations, timeouts and backoff keep the real clock: a fixed "now" must not stall them.
import { parseBound } from '../../reader/src/report/periods.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock stopped at `ms`, for tests and reproducible runs. */
export function fixedClock(ms: number): Clock {
  if (!Number.isFinite(ms)) throw new Error(`a fixed clock needs a finite time, got ${ms}`);
  return { now: () => ms };
}

/** Fixes the CLI's clock (docs/reports.md). Read once, by cli/main.ts. */
export const NOW_ENV = 'TOKENSCOPE_NOW';

/** The clock `env` asks for: fixed at TOKENSCOPE_NOW (a date or ISO date-time with zone) when set, else the system clock. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const v = env[NOW_ENV]?.trim();
  return v ? fixedClock(parseBound(v, NOW_ENV, 'start')) : systemClock;
}

let current: Clock = systemClock;

/**
 * The process's clock: the default of every module that takes a clock, and the clock of code too
 * deep to be handed one (event-time bounds while parsing, the pricer's fallback time).
 */
export function defaultClock(): Clock {
  return current;
}

/** Replaces the process's clock; returns the one it replaced so a test can put it back. */
export function setDefaultClock(c: Clock): Clock {
  const previous = current;
  current = c;
  return previous;
}
