// Checks a Prometheus text exposition against the metric contract: every family declared, with the
// contract's HELP and TYPE, exactly its label names (plus `le` on buckets) and only values from its
// closed value sets. prom-client's process metrics (process_*, nodejs_*) are prom-client's own.
import { familyOf, isProcessMetric, METRICS, type MetricSpec } from '../../../exporter/src/contract/metrics.js';
import { parseExposition } from '../../support/exposition.js';

export interface Family {
  help?: string;
  type?: string;
  samples: number;
}

/** HELP/TYPE per family name and sample counts, as a scraper reads them. */
export function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const get = (n: string) => out.get(n) ?? (out.set(n, { samples: 0 }), out.get(n)!);
  for (const line of text.split('\n')) {
    const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'HELP') get(m[2]).help = m[3];
    else get(m[2]).type = m[3];
  }
  for (const s of parseExposition(text)) {
    const f = familyOf(s.name);
    if (f) get(f.name).samples++;
    else get(s.name).samples++;
  }
  return out;
}

const promType = (m: MetricSpec) => (m.type === 'info' ? 'gauge' : m.type);

/** Every way `text` departs from the contract, one line each; [] when it conforms. */
export function contractProblems(text: string): string[] {
  const problems: string[] = [];
  for (const [name, f] of families(text)) {
    if (isProcessMetric(name)) continue;
    const m = familyOf(name);
    if (!m || m.name !== name) {
      problems.push(`${name}: rendered but not in the contract`);
      continue;
    }
    if (f.help !== m.help) problems.push(`${name}: HELP ${JSON.stringify(f.help)} is not the contract's ${JSON.stringify(m.help)}`);
    if (f.type !== promType(m)) problems.push(`${name}: TYPE ${f.type} is not the contract's ${promType(m)}`);
  }
  for (const s of parseExposition(text)) {
    if (isProcessMetric(s.name)) continue;
    const m = familyOf(s.name);
    if (!m) continue; // reported above
    const expected = [...m.labels, ...(m.type === 'histogram' && s.name.endsWith('_bucket') ? ['le'] : [])].sort();
    const got = Object.keys(s.labels).sort();
    if (expected.join() !== got.join()) problems.push(`${s.name}: labels {${got.join(',')}} are not the contract's {${expected.join(',')}}`);
    for (const [label, values] of Object.entries(m.values ?? {})) {
      const v = s.labels[label];
      if (v !== undefined && !values.includes(v)) problems.push(`${s.name}: ${label}="${v}" is not one of the contract's values`);
    }
  }
  return [...new Set(problems)];
}

/** Contract families that have no sample in `text`. */
export function missingFamilies(text: string): string[] {
  const f = families(text);
  return Object.values(METRICS as Record<string, MetricSpec>)
    .filter((m) => !(f.get(m.name)?.samples ?? 0))
    .map((m) => m.name);
}
