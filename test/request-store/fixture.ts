// Deterministic rows for the request store suites, relative to a fixed instant (never today), and
// the independent reference: what every query must return, computed in plain JavaScript.
import { rng } from '../support/traffic.js';
import type { LogSortColumn, RequestFilter, StoredRequest, Totals } from '../../exporter/src/request-store/types.js';

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3_600_000;

// Mixed case and a non-ASCII value: the sorts must agree bytewise on both backends.
const PROVIDERS = ['openai', 'anthropic', 'google', 'Zeta', 'über'];
const MODELS = ['gpt-4o', 'claude-sonnet-4', 'gemini-2.5-flash', 'm-1'];
const PROJECTS = ['storefront', 'search', undefined];
const TEAMS = ['core', 'growth', undefined];
const FEATURES = ['chat', 'summarise', undefined];

export function makeRows(n: number, seed = 7): StoredRequest[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const rows: StoredRequest[] = [];
  for (let i = 0; i < n; i++) {
    const input = Math.floor(r() * 20_000);
    const output = Math.floor(r() * 4_000);
    const priced = r() > 0.1;
    const row: StoredRequest = {
      key: i % 3 === 0 ? `h:${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}` : `id:req-${i}`,
      // Coarse timestamps: many ties, so the key has to break them.
      timestampMs: T0 + Math.floor(r() * 48) * HOUR,
      provider: pick(PROVIDERS),
      model: pick(MODELS),
      status: r() < 0.1 ? 'error' : 'success',
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: Math.floor(input * r() * 0.5),
      cacheWriteTokens: 0,
      reasoningTokens: Math.floor(output * r() * 0.3),
      // Whole nano-dollars (the stored unit), often equal: cost ties too.
      costUsd: priced ? Math.floor(r() * 40) * 0.000_123_457 : 0,
      revenueUsd: 0,
      priced,
      usageUnknown: false,
    };
    row.costUsd = Math.round(row.costUsd * 1e9) / 1e9;
    const project = pick(PROJECTS);
    if (project) row.project = project;
    const team = pick(TEAMS);
    if (team) row.team = team;
    const feature = pick(FEATURES);
    if (feature) row.feature = feature;
    if (r() < 0.8) row.user = `u${Math.floor(r() * 12).toString(16).padStart(15, '0')}`;
    if (r() < 0.7) row.session = `s${Math.floor(r() * 25).toString(16).padStart(15, '0')}`;
    if (r() < 0.5) row.apiKey = `k${Math.floor(r() * 4).toString(16).padStart(15, '0')}`;
    if (row.key.startsWith('id:')) row.requestId = row.key.slice(3);
    if (row.status === 'error') row.errorType = 'rate_limit';
    if (r() < 0.7) row.latencySeconds = Math.round(r() * 5000) / 1000;
    rows.push(row);
  }
  return rows;
}

export function matches(r: StoredRequest, f: RequestFilter): boolean {
  const inList = (v: string | undefined, xs: string[] | undefined) => xs === undefined || (v !== undefined && xs.includes(v));
  return (
    r.timestampMs >= f.fromMs && r.timestampMs < f.toMs &&
    inList(r.provider, f.provider) && inList(r.model, f.model) && inList(r.project, f.project) &&
    inList(r.team, f.team) && inList(r.feature, f.feature) &&
    (f.user === undefined || r.user === f.user) && (f.session === undefined || r.session === f.session) &&
    (f.apiKey === undefined || r.apiKey === f.apiKey)
  );
}

/** Totals summed here: cost in integer nano-dollars with BigInt, so the reference is exact. */
export function referenceTotals(rows: StoredRequest[]): Totals {
  let nano = 0n;
  let input = 0;
  let output = 0;
  let unpriced = 0;
  for (const r of rows) {
    nano += BigInt(Math.round(r.costUsd * 1e9));
    input += r.inputTokens;
    output += r.outputTokens;
    if (!r.priced) unpriced++;
  }
  return { requests: rows.length, inputTokens: input, outputTokens: output, costUsd: Number(nano) / 1e9, unpriced };
}

const SORT_VALUE: Record<LogSortColumn, (r: StoredRequest) => string | number | undefined> = {
  time: (r) => r.timestampMs, provider: (r) => r.provider, project: (r) => r.project, model: (r) => r.model,
  feature: (r) => r.feature, team: (r) => r.team, input: (r) => r.inputTokens, output: (r) => r.outputTokens,
  total: (r) => r.inputTokens + r.outputTokens, cost: (r) => Math.round(r.costUsd * 1e9),
};

/** Bytewise (UTF-8) for strings, absent first ascending; ties by key in the same direction. */
export function referenceSort(rows: StoredRequest[], sort: LogSortColumn, order: 'asc' | 'desc'): StoredRequest[] {
  const s = order === 'asc' ? 1 : -1;
  const cmp = (a: string | number | undefined, b: string | number | undefined): number => {
    if (a === b) return 0;
    if (a === undefined) return -1;
    if (b === undefined) return 1;
    if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return (a as number) < (b as number) ? -1 : 1;
  };
  return [...rows].sort((x, y) => s * (cmp(SORT_VALUE[sort](x), SORT_VALUE[sort](y)) || cmp(x.key, y.key)));
}
