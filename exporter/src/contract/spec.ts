// The shape of a metric contract entry (contract/metrics.ts).

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';
/** What a sample counts or measures; names carry base units (_dollars, _seconds) per the naming guide. */
export type Unit = 'requests' | 'tokens' | 'dollars' | 'seconds' | 'ratio' | 'lines' | 'records' | 'series' | 'files' | 'state' | 'info';
/** The docs/metrics.md section a family is listed in. */
export type Section = 'requests' | 'latency' | 'project' | 'breaker' | 'catalog' | 'limits' | 'health' | 'otlp' | 'loki' | 'price_data';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in rendering order. */
  readonly labels: readonly string[];
  /** Closed value sets, by label; a label not listed takes open values (catalog slugs, caller names). */
  readonly values?: { readonly [label: string]: readonly string[] };
  readonly unit: Unit;
  /** One line for the docs (markdown). */
  readonly meaning: string;
  /** When a series exists, if not from its label tuple's first event on (docs). */
  readonly exported?: string;
  readonly section: Section;
}
