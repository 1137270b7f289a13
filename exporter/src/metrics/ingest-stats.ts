// The exporter's own health: lines read and rejected per source, duplicates dropped.
import { REJECT_REASONS, type RejectReason } from '../events/types.js';
import { header, type Format } from './exposition.js';

export const SOURCES = ['file', 'http', 'track', 'otlp'] as const;
export type Source = (typeof SOURCES)[number];

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
    let s = header('ai_exporter_lines_total', 'counter', 'Log lines and events read, good or bad, by source.', format);
    for (const [src, n] of Object.entries(this.lines)) s += `ai_exporter_lines_total{source="${src}"} ${n}${ts}\n`;
    s += header('ai_exporter_rejected_lines_total', 'counter', 'Lines that could not be ingested, by source and reason.', format);
    // Every reason is pre-declared at zero for each source so rate() and alerts see a series from the start.
    for (const src of SOURCES) {
      for (const r of REJECT_REASONS) s += `ai_exporter_rejected_lines_total{source="${src}",reason="${r}"} ${this.rejected.get(`${src}\u0001${r}`) ?? 0}${ts}\n`;
    }
    s += header('ai_exporter_duplicate_requests_total', 'counter', 'Events dropped because their request_id was already counted within the dedupe window.', format);
    for (const [src, n] of this.duplicates) s += `ai_exporter_duplicate_requests_total{source="${src}"} ${n}${ts}\n`;
    return s;
  }

  snapshot(): IngestStatsState {
    return { lines: Object.entries(this.lines), rejected: [...this.rejected], duplicates: [...this.duplicates] };
  }

  restore(st: IngestStatsState): void {
    for (const [k, v] of st.lines) this.lines[k] = v;
    for (const [k, v] of st.rejected) this.rejected.set(k, v);
    for (const [k, v] of st.duplicates) this.duplicates.set(k, v);
    this.version++;
  }
}
