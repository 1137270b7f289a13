// A destination that takes each request log line together with the values of the record's fields
// it indexes by (the Loki shipper's stream labels), so it need not parse the JSON line it was just
// handed to find them again. request-log.ts fills them from the record it formats; the checkpoint
// gate holds them beside the line.

/** Values of the fields named by labelFields, taken from the record a line was formatted from. */
export type LineLabels = Readonly<Record<string, unknown>>;

export interface LabeledTarget {
  /** Plain lines (from a logger not formatting records, or from elsewhere): parsed as JSON to find the labels. */
  write(chunk: string): unknown;
  /** One line (a trailing newline allowed) with its label values. */
  writeRecord(labels: LineLabels, line: string): unknown;
  /** The record fields this target wants in `labels`. */
  readonly labelFields: readonly string[];
}

export function isLabeledTarget(x: unknown): x is LabeledTarget {
  return typeof (x as Partial<LabeledTarget> | undefined)?.writeRecord === 'function' && Array.isArray((x as LabeledTarget).labelFields);
}

/** Picks the fields a target labels by from a record's fields. */
export function pickLabels(fields: Readonly<Record<string, unknown>>, names: readonly string[]): LineLabels {
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = fields[n];
  return out;
}
