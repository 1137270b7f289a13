// Caps the distinct values of one label. Past the cap, new values fold into "other" so a
// misbehaving client cannot blow up Prometheus' series count; the fold is counted, never silent.

export const OVERFLOW_VALUE = 'other';

export class LabelLimiter {
  private readonly seen = new Set<string>();

  constructor(
    readonly label: string,
    readonly cap: number,
  ) {}

  /** The value to export for `value`: itself while under the cap (or already seen), else "other". */
  fold(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size < this.cap) {
      this.seen.add(value);
      return value;
    }
    return OVERFLOW_VALUE;
  }

  values(): string[] {
    return [...this.seen];
  }

  restore(values: string[]): void {
    this.seen.clear();
    for (const v of values) if (this.seen.size < this.cap) this.seen.add(v);
  }
}
