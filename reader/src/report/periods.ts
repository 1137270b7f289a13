// Which stretch of time a report, an export or an API call covers. Everything is UTC, like the
// recording rules' "today" and "this month", so a report and a dashboard agree on what a day is.
//
// Report periods: `--at` names a date inside the period to report (default: the last complete one).
//   daily    the UTC day of --at                      (default: yesterday)
//   weekly   the ISO week (Monday–Sunday) holding --at (default: last week)
//   monthly  the calendar month holding --at           (default: last month; --at may be YYYY-MM)
// The previous period (for anomalies) is the one just before, of the same kind.

export type ReportPeriod = 'daily' | 'weekly' | 'monthly';
export const REPORT_PERIODS: readonly ReportPeriod[] = ['daily', 'weekly', 'monthly'];

export interface TimeWindow {
  startMs: number;
  /** Exclusive. */
  endMs: number;
  label: string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;
/** ISO 8601 date-time with an explicit zone, so "10:00" never silently means local time. */
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function utcDay(y: number, m: number, d: number, what: string): number {
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) throw new Error(`${what}: no such date`);
  return ms;
}

/** YYYY-MM-DD → midnight UTC of that day. */
export function parseDate(s: string, what: string): number {
  const m = DATE_RE.exec(s);
  if (!m) throw new Error(`${what}: expected a date as YYYY-MM-DD, got "${s}"`);
  return utcDay(Number(m[1]), Number(m[2]), Number(m[3]), `${what} "${s}"`);
}

/**
 * A range bound: a date (YYYY-MM-DD, UTC) or an ISO date-time with a zone. A date used as the end of
 * a range is inclusive, so `--from 2026-11-01 --to 2026-11-30` is all of November.
 */
export function parseBound(s: string, what: string, role: 'start' | 'end'): number {
  if (DATE_RE.test(s)) return parseDate(s, what) + (role === 'end' ? DAY_MS : 0);
  if (DATETIME_RE.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  throw new Error(`${what}: expected YYYY-MM-DD or an ISO date-time with a zone (2026-11-24T10:00:00Z), got "${s}"`);
}

function startOfIsoWeek(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY_MS;
}

/** "2026-W48": the ISO week-numbering year and week of the week starting at `monday`. */
function isoWeekLabel(monday: number): string {
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function monthWindow(y: number, m0: number): TimeWindow {
  const start = Date.UTC(y, m0, 1);
  const end = Date.UTC(y, m0 + 1, 1);
  return { startMs: start, endMs: end, label: new Date(start).toISOString().slice(0, 7) };
}

function window(period: ReportPeriod, anchor: number): TimeWindow {
  switch (period) {
    case 'daily': {
      const start = Math.floor(anchor / DAY_MS) * DAY_MS;
      return { startMs: start, endMs: start + DAY_MS, label: isoDay(start) };
    }
    case 'weekly': {
      const start = startOfIsoWeek(anchor);
      return { startMs: start, endMs: start + WEEK_MS, label: `${isoWeekLabel(start)} (${isoDay(start)} to ${isoDay(start + WEEK_MS - DAY_MS)})` };
    }
    case 'monthly': {
      const d = new Date(anchor);
      return monthWindow(d.getUTCFullYear(), d.getUTCMonth());
    }
  }
}

/** The period to report and the one before it. */
export function reportWindows(period: ReportPeriod, at: string | undefined, nowMs: number): { current: TimeWindow; previous: TimeWindow } {
  let anchor: number;
  if (at === undefined) {
    // The last complete period: the one holding "now", stepped back once.
    anchor = window(period, nowMs).startMs - 1;
  } else if (period === 'monthly' && MONTH_RE.test(at)) {
    const m = MONTH_RE.exec(at)!;
    anchor = utcDay(Number(m[1]), Number(m[2]), 1, `--at "${at}"`);
  } else {
    anchor = parseDate(at, '--at');
  }
  const current = window(period, anchor);
  return { current, previous: window(period, current.startMs - 1) };
}

/** The calendar month (UTC) holding `ms`: the budget month. */
export function monthOf(ms: number): TimeWindow {
  const d = new Date(ms);
  return monthWindow(d.getUTCFullYear(), d.getUTCMonth());
}
