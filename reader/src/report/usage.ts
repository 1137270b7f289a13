// Usage (requests, tokens, cost, latency) per time bucket and group, read from Prometheus with the
// exact counter deltas of counter-deltas.ts. Report, export and usage API all go through here, so
// they agree with each other to the cent.
//
// Two families of counters: the per-request ones labelled provider/model/feature/team, and the
// per-project ones (ai_project_*) labelled only by project. They cannot be mixed: a project row has
// no model, and a model filter cannot apply to project counters.
import { mapConcurrent } from '../prometheus-client/concurrency.js';
import type { Labels, PrometheusClient } from '../prometheus-client/client.js';
import { anyOf, quote } from '../prometheus-client/promql.js';
import { budgetMatch, modelIdRegex, type Matchable } from '../../../catalog/src/model-match.js';
import { counterDeltas } from './counter-deltas.js';

export const REQUEST_DIMENSIONS = ['provider', 'model', 'feature', 'team'] as const;
export type RequestDimension = (typeof REQUEST_DIMENSIONS)[number];
export type Dimension = RequestDimension | 'project';

export interface Usage {
  requests: number;
  /** Failed requests; null for project rows (ai_project_requests_total has no status). */
  errors: number | null;
  /** All input tokens, cache reads and writes included (docs/metrics.md). */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the prompt cache; null for project rows. */
  cachedTokens: number | null;
  costUsd: number;
  /** Sum and count of request durations; only when grouped by provider and/or model. */
  latency: { sumSeconds: number; count: number } | null;
}

export interface UsageRow {
  /** The group's label values, one per requested dimension (missing label: ""). */
  group: Record<string, string>;
  usage: Usage;
}

export interface UsageBucket {
  startMs: number;
  endMs: number;
  total: Usage;
  rows: UsageRow[];
}

export interface UsageFilter {
  /** Catalog model names: each covers its dated snapshots and prefixed ids too (model-match.ts). */
  models?: string[];
  providers?: string[];
  /** The catalog's models, so a name with a `match:` list there covers what that list says. */
  catalogModels?: readonly Matchable[];
}

export interface UsageQuery {
  /** B0 < B1 < … < Bn in ms; bucket i is (Bi, Bi+1]. */
  boundaries: number[];
  /** Group rows by these labels; [] gives only totals. 'project' cannot be combined with others. */
  groupBy: Dimension[];
  filter?: UsageFilter;
  /** Also sum request durations (only possible when grouping by provider and/or model). */
  latency?: boolean;
}

/** A query that cannot be answered from the metrics as they are labelled (→ HTTP 400). */
export class UsageQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'UsageQueryError';
  }
}

interface Source {
  metric: string;
  /** Labels the metric carries (besides instance/job); it can only be grouped by these. */
  labels: readonly string[];
  add(u: Usage, labels: Labels, delta: number): void;
}

const REQUEST_LABELS = REQUEST_DIMENSIONS;
const LATENCY_LABELS = ['provider', 'model'] as const;

const REQUEST_SOURCES: Source[] = [
  {
    metric: 'ai_requests_total',
    labels: REQUEST_LABELS,
    add: (u, l, d) => {
      u.requests += d;
      if (l.status === 'error') u.errors! += d;
    },
  },
  { metric: 'ai_tokens_input_total', labels: REQUEST_LABELS, add: (u, _l, d) => void (u.inputTokens += d) },
  { metric: 'ai_tokens_output_total', labels: REQUEST_LABELS, add: (u, _l, d) => void (u.outputTokens += d) },
  { metric: 'ai_tokens_cache_read_total', labels: REQUEST_LABELS, add: (u, _l, d) => void (u.cachedTokens! += d) },
  { metric: 'ai_cost_dollars_total', labels: REQUEST_LABELS, add: (u, _l, d) => void (u.costUsd += d) },
  { metric: 'ai_request_duration_seconds_sum', labels: LATENCY_LABELS, add: (u, _l, d) => void (u.latency!.sumSeconds += d) },
  { metric: 'ai_request_duration_seconds_count', labels: LATENCY_LABELS, add: (u, _l, d) => void (u.latency!.count += d) },
];

const LATENCY_METRICS = new Set(['ai_request_duration_seconds_sum', 'ai_request_duration_seconds_count']);

const PROJECT_SOURCES: Source[] = [
  { metric: 'ai_project_requests_total', labels: ['project'], add: (u, _l, d) => void (u.requests += d) },
  {
    metric: 'ai_project_tokens_total',
    labels: ['project'],
    add: (u, l, d) => {
      if (l.direction === 'input') u.inputTokens += d;
      else if (l.direction === 'output') u.outputTokens += d;
    },
  },
  { metric: 'ai_project_cost_dollars_total', labels: ['project'], add: (u, _l, d) => void (u.costUsd += d) },
];

export function emptyUsage(kind: 'request' | 'project', withLatency: boolean): Usage {
  const request = kind === 'request';
  return {
    requests: 0,
    errors: request ? 0 : null,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: request ? 0 : null,
    costUsd: 0,
    latency: withLatency ? { sumSeconds: 0, count: 0 } : null,
  };
}

/** Adds b into a (fields null in either stay as in a). */
export function addUsage(a: Usage, b: Usage): void {
  a.requests += b.requests;
  if (a.errors !== null && b.errors !== null) a.errors += b.errors;
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  if (a.cachedTokens !== null && b.cachedTokens !== null) a.cachedTokens += b.cachedTokens;
  a.costUsd += b.costUsd;
  if (a.latency && b.latency) {
    a.latency.sumSeconds += b.latency.sumSeconds;
    a.latency.count += b.latency.count;
  }
}

export function cloneUsage(u: Usage): Usage {
  return { ...u, latency: u.latency ? { ...u.latency } : null };
}

/** Rows regrouped by fewer dimensions (e.g. provider/model/feature/team rows → per team). */
export function rollUp(rows: readonly UsageRow[], dims: readonly string[], template: Usage): UsageRow[] {
  const out = new Map<string, UsageRow>();
  for (const r of rows) {
    const group = Object.fromEntries(dims.map((d) => [d, r.group[d] ?? '']));
    const key = JSON.stringify(dims.map((d) => group[d]));
    let row = out.get(key);
    if (!row) out.set(key, (row = { group, usage: cloneUsage(template) }));
    addUsage(row.usage, r.usage);
  }
  return [...out.values()];
}

/**
 * `model=~"…"` covering every id each name covers, as the pricer, budgets and price overrides
 * resolve them: `models=gpt-4o` counts gpt-4o-2024-08-06 and openai/gpt-4o, not gpt-4o-mini.
 */
function modelFilter(names: readonly string[], catalogModels: readonly Matchable[]): string {
  return `model=~${quote(names.map((n) => modelIdRegex(n, budgetMatch(catalogModels, n))).join('|'))}`;
}

function matchersFor(filter: UsageFilter | undefined): string[] {
  const m: string[] = [];
  if (filter?.models?.length) m.push(modelFilter(filter.models, filter.catalogModels ?? []));
  if (filter?.providers?.length) m.push(anyOf('provider', filter.providers));
  return m;
}

/** Exact usage per bucket and group. Every query must succeed or the whole call rejects. */
export async function fetchUsage(client: PrometheusClient, q: UsageQuery): Promise<UsageBucket[]> {
  const project = q.groupBy.includes('project');
  if (project && q.groupBy.length > 1) {
    throw new UsageQueryError('by', 'project usage is recorded per project only (ai_project_*): it cannot be split by provider, model, feature or team');
  }
  if (project && (q.filter?.models?.length || q.filter?.providers?.length)) {
    throw new UsageQueryError(q.filter?.models?.length ? 'models' : 'providers', 'project usage (ai_project_*) carries no model or provider label, so it cannot be filtered by them');
  }
  const family = project ? PROJECT_SOURCES : REQUEST_SOURCES;
  // A source joins only if it carries every grouping label: latency has no feature or team.
  const sources = family.filter((s) => q.groupBy.every((d) => s.labels.includes(d)) && (q.latency || !LATENCY_METRICS.has(s.metric)));
  const withLatency = sources.some((s) => LATENCY_METRICS.has(s.metric));
  const template = emptyUsage(project ? 'project' : 'request', withLatency);
  const matchers = matchersFor(q.filter);

  const perSource = await mapConcurrent(sources, 3, (s) => counterDeltas(client, s.metric, matchers, q.boundaries));

  return q.boundaries.slice(1).map((endMs, i) => {
    const rows = new Map<string, UsageRow>();
    const total = cloneUsage(template);
    sources.forEach((s, si) => {
      for (const { labels, delta } of perSource[si][i]) {
        const group = Object.fromEntries(q.groupBy.map((d) => [d, labels[d] ?? '']));
        const key = JSON.stringify(q.groupBy.map((d) => group[d]));
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { group, usage: cloneUsage(template) }));
        s.add(row.usage, labels, delta);
        s.add(total, labels, delta);
      }
    });
    return { startMs: q.boundaries[i], endMs, total, rows: [...rows.values()] };
  });
}
