// The one path every event takes, whatever its source: detect and normalise, drop duplicates,
// price, count, log. A bad line is counted by reason and reported; it never stops the others.
import type { Catalog } from '../../../catalog/src/schema.js';
import { normalize, parseLine } from '../adapters/index.js';
import { checkRequest } from '../events/ceilings.js';
import { LineRejection, type IngestRecord, type RequestRecord } from '../events/types.js';
import { IngestStats, type IngestStatsState, type Source } from '../store/ingest-stats.js';
import { UsageStore, type SeriesLimits, type StoreState } from '../store/usage-store.js';
import { Pricer, type PriceResult } from '../pricing/pricer.js';
import { RequestDedupe, type DedupeState } from './dedupe.js';

export interface RequestSink {
  /** Called once per counted request (after dedupe), e.g. the per-request log line. */
  request(rec: RequestRecord, price: PriceResult): void;
}

/** `skipped`: read and deliberately not counted (an OpenTelemetry span that is not a model call). */
export type Outcome = { ok: true; duplicate?: boolean; skipped?: boolean } | { ok: false; reason: LineRejection['reason']; message: string };

export interface PipelineState {
  store: StoreState;
  stats: IngestStatsState;
  dedupe: DedupeState;
}

export interface PipelineOptions {
  /** Called once per model nobody can price (warn once). */
  onUnpriced?: (provider: string, model: string) => void;
  sinks?: RequestSink[];
  /** Caps on distinct label tuples per family (docs/metrics.md, "Cardinality"). */
  series?: Partial<SeriesLimits>;
}

const OK: Outcome = { ok: true };
const DUPLICATE: Outcome = { ok: true, duplicate: true };
const SKIPPED: Outcome = { ok: true, skipped: true };

export class Pipeline {
  readonly store: UsageStore;
  readonly stats = new IngestStats();
  readonly pricer: Pricer;
  private readonly dedupe: RequestDedupe;
  private readonly sinks: RequestSink[];

  constructor(
    readonly catalog: Catalog,
    opts: PipelineOptions = {},
  ) {
    this.store = new UsageStore(catalog, opts.series);
    this.pricer = new Pricer(catalog, { onUnpriced: opts.onUnpriced });
    this.dedupe = new RequestDedupe(catalog.limits.dedupe_window_seconds * 1000);
    this.sinks = opts.sinks ?? [];
  }

  addSink(sink: RequestSink): void {
    this.sinks.push(sink);
  }

  /** One raw line (JSONL, NDJSON). */
  ingestLine(line: string, source: Source): Outcome {
    this.stats.line(source);
    let rec: IngestRecord;
    try {
      rec = parseLine(line);
    } catch (e) {
      return this.rejected(e, source);
    }
    return this.record(rec, source);
  }

  /**
   * Parses a line without counting anything, for backfill, which sorts records by time before
   * counting them with ingestRecord() and countRejected().
   */
  parse(line: string): IngestRecord | { reason: LineRejection['reason']; message: string } {
    try {
      return parseLine(line);
    } catch (e) {
      if (e instanceof LineRejection) return { reason: e.reason, message: e.message };
      return { reason: 'invalid_field', message: internalError(e) };
    }
  }

  /** A line a source rejected before it reached the pipeline (e.g. over the tailer's size limit). */
  countRejected(source: Source, reason: LineRejection['reason']): void {
    this.stats.line(source);
    this.stats.reject(source, reason);
  }

  /** An already-parsed object (JSON array element, track()). */
  ingestObject(obj: unknown, source: Source): Outcome {
    this.stats.line(source);
    let rec: IngestRecord;
    try {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        throw new LineRejection('not_an_object', undefined, 'expected a JSON object');
      }
      rec = normalize(obj as Record<string, unknown>);
    } catch (e) {
      return this.rejected(e, source);
    }
    return this.record(rec, source);
  }

  /** A record an in-process adapter (OTLP) already normalised; counted as one line of `source`. */
  ingestRecord(rec: IngestRecord, source: Source): Outcome {
    this.stats.line(source);
    return this.record(rec, source);
  }

  private record(rec: IngestRecord, source: Source): Outcome {
    if (rec.kind === 'breaker') {
      this.store.recordBreaker(rec);
      return OK;
    }
    if (rec.kind === 'skipped') return SKIPPED;
    // Ceilings and label lengths, for every source (derived sums and OTLP records included).
    const bad = checkRequest(rec);
    if (bad !== undefined) return this.rejected(bad, source);
    if (rec.requestId !== undefined && this.dedupe.seen(rec.requestId, rec.timestampMs)) {
      this.stats.duplicate(source);
      return DUPLICATE;
    }
    const price = this.pricer.price(rec);
    if (!this.store.recordRequest(rec, price)) {
      // Only reachable through a pricing bug: the ceilings above keep every input finite.
      return this.rejected(new LineRejection('invalid_field', undefined, 'a value no counter can hold (counted in ai_exporter_invalid_values_dropped_total)'), source);
    }
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].request(rec, price);
    return OK;
  }

  private rejected(e: unknown, source: Source): Extract<Outcome, { ok: false }> {
    if (e instanceof LineRejection) {
      this.stats.reject(source, e.reason);
      return { ok: false, reason: e.reason, message: e.message };
    }
    // An adapter bug must not take the process down with it; count it and say what happened.
    this.stats.reject(source, 'invalid_field');
    return { ok: false, reason: 'invalid_field', message: internalError(e) };
  }

  snapshot(): PipelineState {
    return { store: this.store.snapshot(), stats: this.stats.snapshot(), dedupe: this.dedupe.snapshot() };
  }

  restore(st: PipelineState): void {
    this.store.restore(st.store);
    this.store.noteRepaired(this.stats.restore(st.stats));
    this.dedupe.restore(st.dedupe);
  }
}

/** An adapter bug, by error class only: its message may quote the line (e.g. "Cannot convert x to a BigInt"). */
function internalError(e: unknown): string {
  const name = e instanceof Error ? e.name : typeof e;
  return `internal error while reading the line (${name})`;
}
