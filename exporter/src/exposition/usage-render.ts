// The usage store as exposition text: every ai_* request series and the store's own health
// series, written out at scrape time from the plain slots (usage-slots.ts). One synchronous pass,
// so a scrape sees one consistent state; its cost is bounded by the tuple caps. Names, HELP and
// TYPE come from the metric contract (contract/metrics.ts).
//
// What a (provider, model, feature, team) tuple costs Prometheus is what it adds on every scrape,
// so a series that answers nothing yet is left out: reasoning and estimate counters until the
// tuple reports some, revenue unless the catalog prices customers (or it is non-zero). The ones
// rules subtract or alert on are there from the first request, at 0 if need be (docs/metrics.md).
import { PROVIDER_ERROR_TYPES } from '../contract/labels.js';
import { METRICS as M, type MetricSpec } from '../contract/metrics.js';
import { ERROR_TYPES } from '../events/types.js';
import { escapeLabelValue, formatLe, formatValue, headerOf, type Format } from './exposition.js';
import { FAMILIES, type ProviderModelSlot, type RequestSlot, type StoreData } from '../store/usage-slots.js';

type Counted = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning' | 'estimated';
/** Token counters every tuple exports: the savings rule computes uncached input as input - cache_read - cache_write. */
const TOKENS_ALWAYS: Array<[MetricSpec, Counted]> = [
  [M.tokensInput, 'input'],
  [M.tokensOutput, 'output'],
  [M.tokensCacheRead, 'cacheRead'],
  [M.tokensCacheWrite, 'cacheWrite'],
];
/** Token counters a tuple exports once it used them: nothing subtracts them, absent reads as none. */
const TOKENS_WHEN_USED: Array<[MetricSpec, Counted]> = [
  [M.tokensReasoning, 'reasoning'],
  [M.tokensEstimated, 'estimated'],
];
/** By ERROR_TYPES index: exported at 0 from a model's first request (the burn-rate alerts read these). */
const ERROR_ALWAYS = ERROR_TYPES.map((t) => (PROVIDER_ERROR_TYPES as readonly string[]).includes(t));

const showsRevenue = (d: StoreData, s: RequestSlot) => d.revenueAlways || s.revenue > 0;
const errorsShown = (s: ProviderModelSlot) => {
  let n = 0;
  for (let i = 0; i < ERROR_TYPES.length; i++) if (ERROR_ALWAYS[i] || s.errors[i] > 0) n++;
  return n;
};

/** Number of samples a render writes (for benchmarks and the docs' cardinality figures); exact. */
export function sampleCount(d: StoreData): number {
  const hCost = d.costBuckets.length + 3;
  const hLat = d.latencyBuckets.length + 3;
  let n = 0;
  for (const s of d.requests.values()) {
    n += 2 + TOKENS_ALWAYS.length + 1 + (showsRevenue(d, s) ? 1 : 0);
    for (const [, f] of TOKENS_WHEN_USED) if (s[f] > 0) n++;
  }
  for (const s of d.providerModels.values()) n += hCost + (s.durCount ? hLat : 0) + (s.ttftCount ? hLat : 0) + errorsShown(s) + 1;
  n += d.projects.size * 4 + d.breakers.size * 3;
  // The store's health series (renderHealth).
  return n + Object.keys(d.limiters).length + FAMILIES.length * 3 + 3;
}

/** `,le="<bound>"} ` for each bound and +Inf, built once per bucket layout. */
const leSuffixes = new WeakMap<readonly number[], string[]>();
function les(bounds: readonly number[]): string[] {
  let l = leSuffixes.get(bounds);
  if (l === undefined) leSuffixes.set(bounds, (l = [...bounds.map((b) => `,le="${formatLe(b)}"} `), ',le="+Inf"} ']));
  return l;
}

function histogram(out: string[], m: MetricSpec, labels: string, bounds: readonly number[], counts: number[], sum: number, count: number, ts: string): void {
  const le = les(bounds);
  const head = `${m.name}_bucket{${labels}`;
  let cum = 0;
  for (let i = 0; i < bounds.length; i++) {
    cum += counts[i];
    out.push(`${head}${le[i]}${cum}${ts}\n`);
  }
  out.push(`${head}${le[bounds.length]}${count}${ts}\n`);
  out.push(`${m.name}_sum{${labels}} ${formatValue(sum)}${ts}\n`);
  out.push(`${m.name}_count{${labels}} ${count}${ts}\n`);
}

/**
 * Writes every series. With `timestampMs` each sample carries it (backfill); OpenMetrics callers
 * add the final `# EOF` themselves because several renders go into one file.
 */
export function renderStore(d: StoreData, format: Format = 'prometheus', timestampMs?: number): string {
  const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
  // Pieces joined once at the end: one flat string, which the HTTP layer then writes or gzips
  // without first flattening a rope of ~50k appends.
  const out: string[] = [];
  const reqs = [...d.requests.values()];
  const pms = [...d.providerModels.values()];

  out.push(headerOf(M.requests, format));
  for (const s of reqs) {
    // Both outcomes from the first request on, at 0 if need be: a series born above 0 loses its
    // first increment to rate()/increase(), so a provider's first failures would go unseen.
    out.push(`${M.requests.name}{${s.labels},status="success"} ${s.success}${ts}\n${M.requests.name}{${s.labels},status="error"} ${s.error}${ts}\n`);
  }
  for (const [m, f] of TOKENS_ALWAYS) {
    out.push(headerOf(m, format));
    for (const s of reqs) out.push(`${m.name}{${s.labels}} ${s[f]}${ts}\n`);
  }
  for (const [m, f] of TOKENS_WHEN_USED) {
    out.push(headerOf(m, format));
    for (const s of reqs) if (s[f] > 0) out.push(`${m.name}{${s.labels}} ${s[f]}${ts}\n`);
  }
  out.push(headerOf(M.cost, format));
  for (const s of reqs) out.push(`${M.cost.name}{${s.labels}} ${formatValue(s.cost)}${ts}\n`);
  out.push(headerOf(M.revenue, format));
  for (const s of reqs) if (showsRevenue(d, s)) out.push(`${M.revenue.name}{${s.labels}} ${formatValue(s.revenue)}${ts}\n`);

  out.push(headerOf(M.requestCost, format));
  for (const s of pms) histogram(out, M.requestCost, s.labels, d.costBuckets, s.costBuckets, s.costSum, s.costCount, ts);
  out.push(headerOf(M.duration, format));
  for (const s of pms) if (s.durCount) histogram(out, M.duration, s.labels, d.latencyBuckets, s.durBuckets, s.durSum, s.durCount, ts);
  out.push(headerOf(M.timeToFirstToken, format));
  for (const s of pms) if (s.ttftCount) histogram(out, M.timeToFirstToken, s.labels, d.latencyBuckets, s.ttftBuckets, s.ttftSum, s.ttftCount, ts);
  out.push(headerOf(M.errors, format));
  for (const s of pms) {
    for (let i = 0; i < ERROR_TYPES.length; i++) {
      if (ERROR_ALWAYS[i] || s.errors[i] > 0) out.push(`${M.errors.name}{${s.labels},error_type="${ERROR_TYPES[i]}"} ${s.errors[i]}${ts}\n`);
    }
  }
  out.push(headerOf(M.unpriced, format));
  for (const s of pms) out.push(`${M.unpriced.name}{${s.labels}} ${s.unpriced}${ts}\n`);

  out.push(headerOf(M.projectRequests, format));
  for (const s of d.projects.values()) out.push(`${M.projectRequests.name}{${s.labels}} ${s.requests}${ts}\n`);
  out.push(headerOf(M.projectTokens, format));
  for (const s of d.projects.values()) {
    out.push(`${M.projectTokens.name}{${s.labels},direction="input"} ${s.input}${ts}\n${M.projectTokens.name}{${s.labels},direction="output"} ${s.output}${ts}\n`);
  }
  out.push(headerOf(M.projectCost, format));
  for (const s of d.projects.values()) out.push(`${M.projectCost.name}{${s.labels}} ${formatValue(s.cost)}${ts}\n`);

  out.push(headerOf(M.breakerState, format));
  for (const [p, b] of d.breakers) out.push(`${M.breakerState.name}{provider="${escapeLabelValue(p)}"} ${b.state}${ts}\n`);
  out.push(headerOf(M.breakerFailures, format));
  for (const [p, b] of d.breakers) out.push(`${M.breakerFailures.name}{provider="${escapeLabelValue(p)}"} ${b.failures}${ts}\n`);
  out.push(headerOf(M.breakerStateSince, format));
  for (const [p, b] of d.breakers) out.push(`${M.breakerStateSince.name}{provider="${escapeLabelValue(p)}"} ${b.sinceSeconds}${ts}\n`);

  renderHealth(out, d, format, ts);
  return out.join('');
}

function renderHealth(out: string[], d: StoreData, format: Format, ts: string): void {
  out.push(headerOf(M.labelOverflow, format));
  for (const l of Object.keys(d.limiters)) out.push(`${M.labelOverflow.name}{label="${l}"} ${d.overflow.get(l) ?? 0}${ts}\n`);
  out.push(headerOf(M.seriesFolded, format));
  for (const f of FAMILIES) out.push(`${M.seriesFolded.name}{family="${f}"} ${d.seriesFolded[f]}${ts}\n`);
  out.push(headerOf(M.labelTuples, format));
  out.push(`${M.labelTuples.name}{family="request"} ${d.requests.size}${ts}\n`);
  out.push(`${M.labelTuples.name}{family="provider_model"} ${d.providerModels.size}${ts}\n`);
  out.push(headerOf(M.labelTuplesLimit, format));
  for (const f of FAMILIES) out.push(`${M.labelTuplesLimit.name}{family="${f}"} ${d.limits[f]}${ts}\n`);
  out.push(headerOf(M.stateRepaired, format));
  out.push(`${M.stateRepaired.name} ${d.repairedSeries}${ts}\n`);
  out.push(headerOf(M.invalidValues, format));
  out.push(`${M.invalidValues.name} ${d.invalidValues}${ts}\n`);
  out.push(headerOf(M.lastEvent, format));
  out.push(`${M.lastEvent.name} ${d.lastEventSeconds}${ts}\n`);
}
