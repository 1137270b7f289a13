// Running totals for every ai_* request series, kept in plain objects behind one cached slot per
// label tuple and written out as exposition text at scrape time. prom-client's label lookups cost
// 3-4x the JSON.parse of the line they came from (measured: ~25-30% of a parse-only baseline), so
// the hot path here is one Map lookup per record; prom-client still serves the process metrics.
import type { Catalog } from '../catalog/schema.js';
import { ERROR_TYPES, type BreakerRecord, type BreakerState, type ErrorType, type RequestRecord } from '../events/types.js';
import { COST_BUCKETS_DOLLARS, bucketIndex, latencyBuckets } from './buckets.js';
import { escapeLabelValue, formatLe, formatValue, header, labelPairs, type Format } from './exposition.js';
import { LabelLimiter } from './label-limiter.js';

/** What pricing hands to the store; see exporter/src/pricing. */
export interface Priced {
  costUsd: number;
  revenueUsd: number;
  priced: boolean;
}

export const REQUEST_LABELS = ['provider', 'model', 'feature', 'team'] as const;
export const PROVIDER_MODEL_LABELS = ['provider', 'model'] as const;
export const UNSET = 'unknown';

const ERROR_INDEX: Record<ErrorType, number> = Object.fromEntries(ERROR_TYPES.map((t, i) => [t, i])) as Record<ErrorType, number>;
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

interface RequestSlot {
  labels: string; // rendered `provider="..",model="..",feature="..",team=".."`
  values: string[];
  success: number;
  error: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  estimated: number;
  costBuckets: number[]; // non-cumulative; cumulated at render
  costSum: number;
  costCount: number;
  revenue: number;
}

interface ProviderModelSlot {
  labels: string;
  values: string[];
  durBuckets: number[];
  durSum: number;
  durCount: number;
  ttftBuckets: number[];
  ttftSum: number;
  ttftCount: number;
  errors: number[]; // by ERROR_TYPES index
  unpriced: number;
}

interface ProjectSlot {
  labels: string;
  values: string[];
  requests: number;
  input: number;
  output: number;
  cost: number;
}

interface BreakerSlot {
  state: number;
  failures: number;
  sinceSeconds: number;
}

/** One raw label tuple's resolved slots, plus which of its labels were folded into "other". */
interface CacheEntry {
  req: RequestSlot;
  pm: ProviderModelSlot;
  proj: ProjectSlot;
  folded: string[];
}

export interface StoreState {
  version: 1;
  requests: Array<[string[], number[]]>;
  providerModels: Array<[string[], number[]]>;
  projects: Array<[string[], number[]]>;
  breakers: Array<[string, number, number, number]>;
  overflow: Array<[string, number]>;
  limiter: Record<string, string[]>;
  lastEventSeconds: number;
  costBuckets: number[];
  latencyBuckets: number[];
}

const RAW_CACHE_LIMIT = 100_000;

export class UsageStore {
  readonly costBuckets: readonly number[] = COST_BUCKETS_DOLLARS;
  readonly latencyBuckets: readonly number[];
  /** Bumped on every change, so a scrape can reuse a render of an unchanged store. */
  version = 0;
  lastEventSeconds = 0;

  private readonly limiters: Record<string, LabelLimiter>;
  private readonly overflow = new Map<string, number>();
  /** Raw (unfolded) label values → resolved slots: provider → model → feature → team → project. */
  private readonly raw = new Map<string, Map<string, Map<string, Map<string, Map<string, CacheEntry>>>>>();
  private rawEntries = 0;
  private readonly requests = new Map<string, RequestSlot>();
  private readonly providerModels = new Map<string, ProviderModelSlot>();
  private readonly projects = new Map<string, ProjectSlot>();
  private readonly breakers = new Map<string, BreakerSlot>();

  constructor(catalog: Catalog) {
    this.latencyBuckets = latencyBuckets(catalog);
    const caps = catalog.limits.label_values;
    const cap = (l: string) => caps[l] ?? catalog.limits.default_label_values;
    this.limiters = Object.fromEntries(
      ['provider', 'model', 'feature', 'team', 'project'].map((l) => [l, new LabelLimiter(l, cap(l))]),
    );
    // Every catalog provider starts with a closed breaker, so the 17-provider grid is never blank.
    for (const p of catalog.providers) this.breakers.set(this.limiters.provider.fold(p.slug), { state: 0, failures: 0, sinceSeconds: 0 });
  }

  /** The record's slots; `n` records are counted as folded when a label went to "other". */
  private entry(rec: RequestRecord, n: number): CacheEntry {
    const feature = rec.feature || UNSET;
    const team = rec.team || UNSET;
    const project = rec.project || UNSET;
    // Nested maps instead of one concatenated key: no string building or re-hashing per record.
    let byModel = this.raw.get(rec.provider);
    if (byModel === undefined) this.raw.set(rec.provider, (byModel = new Map()));
    let byFeature = byModel.get(rec.model);
    if (byFeature === undefined) byModel.set(rec.model, (byFeature = new Map()));
    let byTeam = byFeature.get(feature);
    if (byTeam === undefined) byFeature.set(feature, (byTeam = new Map()));
    let byProject = byTeam.get(team);
    if (byProject === undefined) byTeam.set(team, (byProject = new Map()));
    let e = byProject.get(project);
    if (e === undefined) {
      e = this.resolve(rec.provider, rec.model, feature, team, project);
      byProject.set(project, e);
    }
    for (let i = 0; i < e.folded.length; i++) this.overflow.set(e.folded[i], (this.overflow.get(e.folded[i]) ?? 0) + n);
    return e;
  }

  recordRequest(rec: RequestRecord, price: Priced): void {
    const e = this.entry(rec, 1);
    this.count(e, rec, price, 1);
    e.req.costBuckets[bucketIndex(this.costBuckets, price.costUsd)]++;
    const pm = e.pm;
    if (rec.latencySeconds !== undefined) {
      pm.durBuckets[bucketIndex(this.latencyBuckets, rec.latencySeconds)]++;
      pm.durSum += rec.latencySeconds;
      pm.durCount++;
    }
    if (rec.ttftSeconds !== undefined) {
      pm.ttftBuckets[bucketIndex(this.latencyBuckets, rec.ttftSeconds)]++;
      pm.ttftSum += rec.ttftSeconds;
      pm.ttftCount++;
    }
  }

  /**
   * `n` requests known only in aggregate (OTLP gen_ai.client.* metrics, docs/otlp.md): `rec.tokens`
   * and `price` are their totals, so counters and _sum stay exact; the cost histogram puts all n at
   * their mean cost. `latency` is already bucketed on `latencyBuckets` (length + 1 counts).
   */
  recordAggregate(rec: RequestRecord, price: Priced, n: number, latency?: { buckets: readonly number[]; sum: number; count: number }): void {
    const e = this.entry(rec, n);
    this.count(e, rec, price, n);
    if (n > 0) e.req.costBuckets[bucketIndex(this.costBuckets, price.costUsd / n)] += n;
    const pm = e.pm;
    if (latency !== undefined && latency.count > 0 && latency.buckets.length === pm.durBuckets.length) {
      for (let i = 0; i < latency.buckets.length; i++) pm.durBuckets[i] += latency.buckets[i];
      pm.durSum += latency.sum;
      pm.durCount += latency.count;
    }
  }

  /** The counters shared by single and aggregate records: `n` requests whose totals are in `rec` and `price`. */
  private count(e: CacheEntry, rec: RequestRecord, price: Priced, n: number): void {
    const r = e.req;
    const t = rec.tokens;
    if (rec.status === 'success') r.success += n;
    else r.error += n;
    r.input += t.input;
    r.output += t.output;
    r.cacheRead += t.cacheRead;
    r.cacheWrite += t.cacheWrite;
    r.reasoning += t.reasoning;
    if (rec.estimatedInputTokens !== undefined) r.estimated += rec.estimatedInputTokens;
    r.costSum += price.costUsd;
    r.costCount += n;
    r.revenue += price.revenueUsd;

    const pm = e.pm;
    if (rec.status === 'error') pm.errors[ERROR_INDEX[rec.errorType ?? 'other'] ?? ERROR_INDEX.other] += n;
    if (!price.priced) pm.unpriced += n;

    const pj = e.proj;
    pj.requests += n;
    pj.input += t.input;
    pj.output += t.output;
    pj.cost += price.costUsd;

    const ts = rec.timestampMs / 1000;
    if (ts > this.lastEventSeconds) this.lastEventSeconds = ts;
    this.version++;
  }

  recordBreaker(rec: BreakerRecord): void {
    const provider = this.limiters.provider.fold(rec.provider);
    if (provider !== rec.provider) this.overflow.set('provider', (this.overflow.get('provider') ?? 0) + 1);
    const ts = rec.timestampMs / 1000;
    const slot = this.breakers.get(provider) ?? { state: 0, failures: 0, sinceSeconds: 0 };
    const state = BREAKER_VALUE[rec.state];
    // Out-of-order breaker events (older than the current state) must not roll the state back.
    if (ts < slot.sinceSeconds) return;
    if (state !== slot.state || slot.sinceSeconds === 0) slot.sinceSeconds = ts;
    slot.state = state;
    if (rec.failureCount !== undefined) slot.failures = rec.failureCount;
    else if (state === 0) slot.failures = 0;
    this.breakers.set(provider, slot);
    if (ts > this.lastEventSeconds) this.lastEventSeconds = ts;
    this.version++;
  }

  private resolve(provider: string, model: string, feature: string, team: string, project: string): CacheEntry {
    const folded: string[] = [];
    const fold = (label: string, v: string) => {
      const out = this.limiters[label].fold(v);
      if (out !== v) folded.push(label);
      return out;
    };
    const p = fold('provider', provider);
    const m = fold('model', model);
    const f = fold('feature', feature);
    const t = fold('team', team);
    const pr = fold('project', project);
    const entry: CacheEntry = {
      req: this.requestSlot([p, m, f, t]),
      pm: this.providerModelSlot([p, m]),
      proj: this.projectSlot([pr]),
      folded,
    };
    // Bounded: hostile input with endless distinct raw values only costs re-resolution.
    if (++this.rawEntries > RAW_CACHE_LIMIT) {
      this.raw.clear();
      this.rawEntries = 1;
    }
    return entry;
  }

  private requestSlot(values: string[]): RequestSlot {
    const k = values.join('\u0001');
    let s = this.requests.get(k);
    if (!s) {
      s = {
        labels: labelPairs(REQUEST_LABELS, values),
        values,
        success: 0,
        error: 0,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        reasoning: 0,
        estimated: 0,
        costBuckets: new Array(this.costBuckets.length + 1).fill(0),
        costSum: 0,
        costCount: 0,
        revenue: 0,
      };
      this.requests.set(k, s);
    }
    return s;
  }

  private providerModelSlot(values: string[]): ProviderModelSlot {
    const k = values.join('\u0001');
    let s = this.providerModels.get(k);
    if (!s) {
      const n = this.latencyBuckets.length + 1;
      s = {
        labels: labelPairs(PROVIDER_MODEL_LABELS, values),
        values,
        durBuckets: new Array(n).fill(0),
        durSum: 0,
        durCount: 0,
        ttftBuckets: new Array(n).fill(0),
        ttftSum: 0,
        ttftCount: 0,
        errors: new Array(ERROR_TYPES.length).fill(0),
        unpriced: 0,
      };
      this.providerModels.set(k, s);
    }
    return s;
  }

  private projectSlot(values: string[]): ProjectSlot {
    const k = values[0];
    let s = this.projects.get(k);
    if (!s) {
      s = { labels: labelPairs(['project'], values), values, requests: 0, input: 0, output: 0, cost: 0 };
      this.projects.set(k, s);
    }
    return s;
  }

  /** Number of samples a render writes (for benchmarks and the docs' cardinality estimate). */
  sampleCount(): number {
    const hCost = this.costBuckets.length + 3;
    const hLat = this.latencyBuckets.length + 3;
    let n = this.requests.size * (2 + 6 + hCost + 1);
    n += this.providerModels.size * (2 * hLat + ERROR_TYPES.length + 1);
    n += this.projects.size * 4 + this.breakers.size * 3;
    return n;
  }

  /**
   * Writes every series. With `timestampMs` each sample carries it (backfill); OpenMetrics callers
   * add the final `# EOF` themselves because several renders go into one file.
   */
  render(format: Format = 'prometheus', timestampMs?: number): string {
    const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
    const out: string[] = [];
    const reqs = [...this.requests.values()];
    const pms = [...this.providerModels.values()];

    out.push(header('ai_requests_total', 'counter', 'LLM requests by outcome (status="success"|"error").', format));
    for (const s of reqs) {
      // Both outcomes from the first request on, at 0 if need be: a series born above 0 loses its
      // first increment to rate()/increase(), so a provider's first failures would go unseen.
      out.push(`ai_requests_total{${s.labels},status="success"} ${s.success}${ts}\n`);
      out.push(`ai_requests_total{${s.labels},status="error"} ${s.error}${ts}\n`);
    }
    const tokenFamilies: Array<[string, string, keyof RequestSlot]> = [
      ['ai_tokens_input_total', 'Input tokens, cache reads and writes included.', 'input'],
      ['ai_tokens_output_total', 'Output tokens, reasoning included.', 'output'],
      ['ai_tokens_cache_read_total', 'Input tokens served from the provider prompt cache.', 'cacheRead'],
      ['ai_tokens_cache_write_total', 'Input tokens written to the provider prompt cache.', 'cacheWrite'],
      ['ai_tokens_reasoning_total', 'Reasoning (thinking) output tokens.', 'reasoning'],
      ['ai_tokens_estimated_total', 'Input tokens the caller estimated before the request.', 'estimated'],
    ];
    for (const [name, help, field] of tokenFamilies) {
      out.push(header(name, 'counter', help, format));
      for (const s of reqs) out.push(`${name}{${s.labels}} ${s[field] as number}${ts}\n`);
    }
    out.push(header('ai_request_cost_dollars', 'histogram', 'Cost of each request in US dollars; _sum is spend.', format));
    for (const s of reqs) this.histogram(out, 'ai_request_cost_dollars', s.labels, this.costBuckets, s.costBuckets, s.costSum, s.costCount, ts);
    out.push(header('ai_revenue_dollars_total', 'counter', 'What customers are charged, from the catalog customer price list.', format));
    for (const s of reqs) out.push(`ai_revenue_dollars_total{${s.labels}} ${s.revenue}${ts}\n`);

    out.push(header('ai_request_duration_seconds', 'histogram', 'End-to-end LLM request latency.', format));
    for (const s of pms) if (s.durCount) this.histogram(out, 'ai_request_duration_seconds', s.labels, this.latencyBuckets, s.durBuckets, s.durSum, s.durCount, ts);
    out.push(header('ai_time_to_first_token_seconds', 'histogram', 'Time to the first streamed token.', format));
    for (const s of pms) if (s.ttftCount) this.histogram(out, 'ai_time_to_first_token_seconds', s.labels, this.latencyBuckets, s.ttftBuckets, s.ttftSum, s.ttftCount, ts);
    out.push(header('ai_request_errors_total', 'counter', 'Failed LLM requests by error type.', format));
    for (const s of pms) {
      // Every error type at 0 from the first request on, for the same reason as status="error".
      for (let i = 0; i < ERROR_TYPES.length; i++) out.push(`ai_request_errors_total{${s.labels},error_type="${ERROR_TYPES[i]}"} ${s.errors[i]}${ts}\n`);
    }
    out.push(header('ai_unpriced_requests_total', 'counter', 'Successful requests for models no price is known for.', format));
    for (const s of pms) out.push(`ai_unpriced_requests_total{${s.labels}} ${s.unpriced}${ts}\n`);

    out.push(header('ai_project_requests_total', 'counter', 'LLM requests by project.', format));
    for (const s of this.projects.values()) out.push(`ai_project_requests_total{${s.labels}} ${s.requests}${ts}\n`);
    out.push(header('ai_project_tokens_total', 'counter', 'Tokens by project and direction (input includes cache).', format));
    for (const s of this.projects.values()) {
      out.push(`ai_project_tokens_total{${s.labels},direction="input"} ${s.input}${ts}\n`);
      out.push(`ai_project_tokens_total{${s.labels},direction="output"} ${s.output}${ts}\n`);
    }
    out.push(header('ai_project_cost_dollars_total', 'counter', 'Spend by project in US dollars.', format));
    for (const s of this.projects.values()) out.push(`ai_project_cost_dollars_total{${s.labels}} ${s.cost}${ts}\n`);

    out.push(header('ai_circuit_breaker_state', 'gauge', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', format));
    for (const [p, b] of this.breakers) out.push(`ai_circuit_breaker_state{provider="${escapeLabelValue(p)}"} ${b.state}${ts}\n`);
    out.push(header('ai_circuit_breaker_failures', 'gauge', 'Failure count the breaker reported with its last state change.', format));
    for (const [p, b] of this.breakers) out.push(`ai_circuit_breaker_failures{provider="${escapeLabelValue(p)}"} ${b.failures}${ts}\n`);
    out.push(header('ai_circuit_breaker_state_since_timestamp_seconds', 'gauge', 'When the breaker entered its current state (0 if never reported).', format));
    for (const [p, b] of this.breakers) out.push(`ai_circuit_breaker_state_since_timestamp_seconds{provider="${escapeLabelValue(p)}"} ${b.sinceSeconds}${ts}\n`);

    out.push(header('ai_exporter_label_overflow_total', 'counter', 'Records whose label value was folded into "other" by the cardinality cap.', format));
    for (const l of Object.keys(this.limiters)) out.push(`ai_exporter_label_overflow_total{label="${l}"} ${this.overflow.get(l) ?? 0}${ts}\n`);
    out.push(header('ai_exporter_last_event_timestamp_seconds', 'gauge', 'Timestamp of the newest ingested event.', format));
    out.push(`ai_exporter_last_event_timestamp_seconds ${this.lastEventSeconds}${ts}\n`);
    return out.join('');
  }

  private histogram(out: string[], name: string, labels: string, bounds: readonly number[], counts: number[], sum: number, count: number, ts: string): void {
    let cum = 0;
    for (let i = 0; i < bounds.length; i++) {
      cum += counts[i];
      out.push(`${name}_bucket{${labels},le="${formatLe(bounds[i])}"} ${cum}${ts}\n`);
    }
    out.push(`${name}_bucket{${labels},le="+Inf"} ${count}${ts}\n`);
    out.push(`${name}_sum{${labels}} ${formatValue(sum)}${ts}\n`);
    out.push(`${name}_count{${labels}} ${count}${ts}\n`);
  }

  snapshot(): StoreState {
    return {
      version: 1,
      requests: [...this.requests.values()].map((s) => [
        s.values,
        [s.success, s.error, s.input, s.output, s.cacheRead, s.cacheWrite, s.reasoning, s.estimated, s.costSum, s.costCount, s.revenue, ...s.costBuckets],
      ]),
      providerModels: [...this.providerModels.values()].map((s) => [
        s.values,
        [s.durSum, s.durCount, s.ttftSum, s.ttftCount, s.unpriced, ...s.errors, ...s.durBuckets, ...s.ttftBuckets],
      ]),
      projects: [...this.projects.values()].map((s) => [s.values, [s.requests, s.input, s.output, s.cost]]),
      breakers: [...this.breakers].map(([p, b]) => [p, b.state, b.failures, b.sinceSeconds]),
      overflow: [...this.overflow],
      limiter: Object.fromEntries(Object.entries(this.limiters).map(([l, lim]) => [l, lim.values()])),
      lastEventSeconds: this.lastEventSeconds,
      costBuckets: [...this.costBuckets],
      latencyBuckets: [...this.latencyBuckets],
    };
  }

  restore(st: StoreState): void {
    if (st.version !== 1) throw new Error(`unsupported store state version ${String(st.version)}`);
    if (st.costBuckets.join() !== this.costBuckets.join() || st.latencyBuckets.join() !== this.latencyBuckets.join()) {
      // Bucket layout changed (e.g. a new SLO target): the old counts cannot be re-bucketed.
      throw new Error('histogram buckets changed since the checkpoint was written; remove the checkpoint to start afresh');
    }
    this.raw.clear();
    this.rawEntries = 0;
    for (const [l, vals] of Object.entries(st.limiter)) this.limiters[l]?.restore(vals);
    for (const [values, n] of st.requests) {
      const s = this.requestSlot(values);
      [s.success, s.error, s.input, s.output, s.cacheRead, s.cacheWrite, s.reasoning, s.estimated, s.costSum, s.costCount, s.revenue] = n;
      s.costBuckets = n.slice(11);
    }
    const ne = ERROR_TYPES.length;
    const nl = this.latencyBuckets.length + 1;
    for (const [values, n] of st.providerModels) {
      const s = this.providerModelSlot(values);
      [s.durSum, s.durCount, s.ttftSum, s.ttftCount, s.unpriced] = n;
      s.errors = n.slice(5, 5 + ne);
      s.durBuckets = n.slice(5 + ne, 5 + ne + nl);
      s.ttftBuckets = n.slice(5 + ne + nl, 5 + ne + 2 * nl);
    }
    for (const [values, n] of st.projects) {
      const s = this.projectSlot(values);
      [s.requests, s.input, s.output, s.cost] = n;
    }
    for (const [p, state, failures, since] of st.breakers) this.breakers.set(p, { state, failures, sinceSeconds: since });
    this.overflow.clear();
    for (const [l, n] of st.overflow) this.overflow.set(l, n);
    this.lastEventSeconds = st.lastEventSeconds;
    this.version++;
  }
}
