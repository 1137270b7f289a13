// The exporter's own health: lines read and rejected per source, duplicates dropped.
import { SOURCES, type Source } from '../contract/labels.js';
import { METRICS as M } from '../contract/metrics.js';
import { REJECT_REASONS, type RejectReason } from '../events/types.js';
import { headerOf, type Format } from '../exposition/exposition.js';

export { SOURCES, type Source };

export interface IngestStatsState {
  lines: Array<[string, number]>;
  rejected: Array<[string, number]>;
  duplicates: Array<[string, number]>;
}

export class IngestStats {
  /** Bumped on every change (see MetricsRenderer). */
  version = 0;
  // A plain object: line() runs once per line, and a property increment is cheaper than Map get+set.
  private readonly lines: Record<string, number> = Object.fromEntries(SOURCES.map((s) => [s, 0]));
  private readonly rejected = new Map<string, number>();
  private readonly duplicates = new Map<string, number>(SOURCES.map((s) => [s, 0]));

  line(source: Source): void {
    this.lines[source]++;
    this.version++;
  }

  reject(source: Source, reason: RejectReason): void {
    const k = `${source}\u0001${reason}`;
    this.rejected.set(k, (this.rejected.get(k) ?? 0) + 1);
    this.version++;
  }

  duplicate(source: Source): void {
    this.duplicates.set(source, (this.duplicates.get(source) ?? 0) + 1);
    this.version++;
  }

  linesFor(source: Source): number {
    return this.lines[source] ?? 0;
  }

  rejectedFor(source: Source, reason?: RejectReason): number {
    let n = 0;
    for (const [k, v] of this.rejected) {
      const [s, r] = k.split('\u0001');
      if (s === source && (reason === undefined || r === reason)) n += v;
    }
    return n;
  }

  render(format: Format = 'prometheus', timestampMs?: number): string {
    const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
    let s = headerOf(M.lines, format);
    for (const [src, n] of Object.entries(this.lines)) s += `${M.lines.name}{source="${src}"} ${n}${ts}\n`;
    s += headerOf(M.rejectedLines, format);
    // Every reason is pre-declared at zero for each source so rate() and alerts see a series from the start.
    for (const src of SOURCES) {
      for (const r of REJECT_REASONS) s += `${M.rejectedLines.name}{source="${src}",reason="${r}"} ${this.rejected.get(`${src}\u0001${r}`) ?? 0}${ts}\n`;
    }
    s += headerOf(M.duplicates, format);
    for (const [src, n] of this.duplicates) s += `${M.duplicates.name}{source="${src}"} ${n}${ts}\n`;
    return s;
  }

  snapshot(): IngestStatsState {
    return { lines: Object.entries(this.lines), rejected: [...this.rejected], duplicates: [...this.duplicates] };
  }

  /**
   * Restores saved counts; an entry that is not a finite non-negative number for a known source
   * (a damaged state file) is left at 0. Returns how many were.
   */
  restore(st: IngestStatsState): number {
    let bad = 0;
    const ok = (e: unknown): e is [string, number] =>
      Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0;
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    for (const e of list(st?.lines)) {
      if (ok(e) && Object.hasOwn(this.lines, e[0])) this.lines[e[0]] = e[1];
      else bad++;
    }
    for (const e of list(st?.rejected)) {
      if (ok(e)) this.rejected.set(e[0], e[1]);
      else bad++;
    }
    for (const e of list(st?.duplicates)) {
      if (ok(e)) this.duplicates.set(e[0], e[1]);
      else bad++;
    }
    this.version++;
    return bad;
  }
}
