// The limits on /metrics: aggregates only, labelled by scope (user, api_key), limit kind and
// state, never by a user or key. Counters count per process (they restart at 0 like any process
// counter; rate() and increase() handle that); the gauges come from totals restored from the store.
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS } from '../contract/metrics.js';
import { SCOPES } from './policy.js';
import { LEVEL_NAMES, type LimitSummary } from './tracker.js';

/** The families, as the metric contract declares them (names, HELP and labels come from there). */
export const LIMIT_METRICS = {
  subjects: METRICS.limitSubjects.name,
  maxUsedRatio: METRICS.limitMaxUsedRatio.name,
  warningRatio: METRICS.limitWarningRatio.name,
  breaches: METRICS.limitBreaches.name,
  warnings: METRICS.limitWarnings.name,
  untracked: METRICS.limitUntracked.name,
} as const;

export function registerLimitMetrics(registry: Registry, summary: () => LimitSummary, warningRatio: number): void {
  // One summary per scrape, shared by the families collected in the same render.
  let last: { at: number; s: LimitSummary } | undefined;
  const get = (): LimitSummary => {
    const at = performance.now();
    if (!last || at - last.at > 100) last = { at, s: summary() };
    return last.s;
  };
  new Gauge({
    name: METRICS.limitSubjects.name,
    help: METRICS.limitSubjects.help,
    labelNames: METRICS.limitSubjects.labels,
    registers: [registry],
    collect() {
      const s = get();
      for (const scope of SCOPES) LEVEL_NAMES.forEach((state, i) => this.set({ scope, state }, s.subjects[scope][i]));
    },
  });
  new Gauge({
    name: METRICS.limitMaxUsedRatio.name,
    help: METRICS.limitMaxUsedRatio.help,
    labelNames: METRICS.limitMaxUsedRatio.labels,
    registers: [registry],
    collect() {
      this.reset();
      const s = get();
      for (const scope of SCOPES) for (const [limit, v] of s.maxRatio[scope]) this.set({ scope, limit }, v);
    },
  });
  new Gauge({
    name: METRICS.limitWarningRatio.name,
    help: METRICS.limitWarningRatio.help,
    registers: [registry],
    collect() {
      this.set(warningRatio);
    },
  });
  const counter = (spec: typeof METRICS.limitBreaches | typeof METRICS.limitWarnings, pick: (s: LimitSummary) => LimitSummary['breaches']) =>
    new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labels,
      registers: [registry],
      collect() {
        this.reset();
        const m = pick(get());
        for (const scope of SCOPES) for (const [limit, v] of m[scope]) this.inc({ scope, limit }, v);
      },
    });
  counter(METRICS.limitBreaches, (s) => s.breaches);
  counter(METRICS.limitWarnings, (s) => s.warnings);
  new Counter({
    name: METRICS.limitUntracked.name,
    help: METRICS.limitUntracked.help,
    labelNames: METRICS.limitUntracked.labels,
    registers: [registry],
    collect() {
      this.reset();
      const s = get();
      for (const scope of SCOPES) if (s.untracked[scope] > 0) this.inc({ scope }, s.untracked[scope]);
    },
  });
}
