// The shipper's stream labels and push body. Labels are the static ones (app) plus a few promoted
// fields (provider, status), each capped to maxLabelValues distinct values, later ones folding into
// "other", so a misbehaving client cannot create unbounded streams. Ids, models, teams and costs
// stay inside the JSON line, where LogQL's `| json` reaches them.
import type { LineLabels } from './labeled-line.js';

const SEP = '\u0000';

export class StreamLabeler {
  /** label-set key -> labels; bounded by the per-label value caps. */
  private readonly streams = new Map<string, Record<string, string>>();
  private readonly seenValues = new Map<string, Set<string>>();

  constructor(
    private readonly staticLabels: Record<string, string>,
    readonly labelFields: readonly string[],
    private readonly maxLabelValues: number,
  ) {}

  /** The stream key for label values known from the record (no parse). */
  keyFor(values: LineLabels): string {
    let key = '';
    for (const name of this.labelFields) key += `${this.labelValue(name, values[name])}${SEP}`;
    if (!this.streams.has(key)) {
      const labels: Record<string, string> = { ...this.staticLabels };
      const parts = key.split(SEP);
      this.labelFields.forEach((name, i) => (labels[name] = parts[i]));
      this.streams.set(key, labels);
    }
    return key;
  }

  /** The stream key for a bare line: its JSON fields, or "unknown" labels when it is not JSON. */
  keyForLine(line: string): string {
    let fields: Record<string, unknown> = {};
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object') fields = v as Record<string, unknown>;
    } catch {
      // Not JSON: shipped as is under "unknown" labels rather than lost.
    }
    return this.keyFor(fields);
  }

  labels(key: string): Record<string, string> {
    return this.streams.get(key)!;
  }

  private labelValue(name: string, raw: unknown): string {
    const v = typeof raw === 'string' && raw !== '' ? raw.slice(0, 64) : 'unknown';
    let seen = this.seenValues.get(name);
    if (!seen) this.seenValues.set(name, (seen = new Set()));
    if (seen.has(v)) return v;
    if (seen.size >= this.maxLabelValues) return 'other';
    seen.add(v);
    return v;
  }
}

/** The JSON push body for a batch: entries grouped by stream, in order. */
export function pushBody(batch: Iterable<{ ts: string; line: string; labels: Record<string, string> }>): string {
  const streams = new Map<string, { stream: Record<string, string>; values: Array<[string, string]> }>();
  for (const e of batch) {
    const key = JSON.stringify(e.labels);
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { stream: e.labels, values: [] }));
    s.values.push([e.ts, e.line]);
  }
  return JSON.stringify({ streams: [...streams.values()] });
}
