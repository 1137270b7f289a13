// A known set of stored requests for the request-store API and dashboard tests: 35 days of rows
// before a fixed instant (plus a few after it, which no range may include), over several providers,
// models, projects, teams, features, users and sessions, with errors, unpriced rows and text cells
// a spreadsheet would run as formulas. Deterministic (seeded), so every run sees the same rows;
// the expected answers are computed here from the rows themselves, independently of the store.
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { fromNano, toNano } from '../../exporter/src/request-store/row.js';
import type { LogSortColumn, RequestFilter, StoredRequest } from '../../exporter/src/request-store/types.js';

export const DAY = 86_400_000;
/** The clock of every test reading the fixture: 2026-11-03T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 3, 12);
export const HASH_KEY = 'store-api-test-hash-key';

export const USERS = Array.from({ length: 6 }, (_, i) => pseudonymize(HASH_KEY, `user-${i}@example.com`));
const SESSIONS = Array.from({ length: 24 }, (_, i) => pseudonymize(HASH_KEY, `session-${i}`));
export const MODELS: Array<[string, string]> = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['google', 'gemini-2.5-flash'],
];
/** Includes cells that must be neutralised in CSV (formula prefix) and quoted (comma, quote). */
export const PROJECTS = ['checkout', 'search', undefined, '=HYPERLINK("http://evil.example")', 'a,"quoted"'];
const TEAMS = ['growth', 'core', undefined];
const FEATURES = ['chat', 'summarize', undefined];

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeRows(n = 640): StoredRequest[] {
  const rnd = mulberry32(20261103);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const start = NOW - 35 * DAY;
  const step = Math.floor((35 * DAY) / n);
  const rows: StoredRequest[] = [];
  for (let i = 0; i < n; i++) {
    // Distinct instants (whole ms apart), so a row is identified by its date in a response.
    const ts = start + i * step + Math.floor(rnd() * (step - 1));
    const [provider, model] = pick(MODELS);
    const session = rnd() < 0.9 ? SESSIONS[i % SESSIONS.length] : undefined;
    // A session belongs to one user; a few requests have no user at all.
    const user = session && rnd() < 0.92 ? USERS[SESSIONS.indexOf(session) % USERS.length] : undefined;
    const priced = rnd() > 0.05;
    const r: StoredRequest = {
      key: `id:req-${i}`,
      requestId: `req-${i}`,
      timestampMs: ts,
      provider,
      model,
      status: rnd() < 0.1 ? 'error' : 'success',
      inputTokens: 10 + Math.floor(rnd() * 20_000),
      outputTokens: Math.floor(rnd() * 4_000),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costUsd: priced ? fromNano(toNano(rnd() * 0.05)) : 0,
      revenueUsd: 0,
      priced,
      usageUnknown: false,
    };
    const project = pick(PROJECTS);
    const team = pick(TEAMS);
    const feature = pick(FEATURES);
    if (project !== undefined) r.project = project;
    if (team !== undefined) r.team = team;
    if (feature !== undefined) r.feature = feature;
    if (user !== undefined) r.user = user;
    if (session !== undefined) r.session = session;
    rows.push(r);
  }
  // Two requests stamped after "now": in the store, in no range.
  for (let i = 0; i < 2; i++) rows.push({ ...rows[i], key: `id:future-${i}`, requestId: `future-${i}`, timestampMs: NOW + (i + 1) * 3_600_000 });
  return rows;
}

export function matches(r: StoredRequest, f: RequestFilter): boolean {
  if (r.timestampMs < f.fromMs || r.timestampMs >= f.toMs) return false;
  const inList = (v: string | undefined, list?: string[]) => list === undefined || (v !== undefined && list.includes(v));
  return (
    inList(r.provider, f.provider) && inList(r.model, f.model) && inList(r.project, f.project) && inList(r.team, f.team) && inList(r.feature, f.feature) &&
    (f.user === undefined || r.user === f.user) && (f.session === undefined || r.session === f.session)
  );
}

export interface Sum {
  requests: number;
  input: number;
  output: number;
  total: number;
  cost: number;
  unpriced: number;
}

export function sum(rows: readonly StoredRequest[]): Sum {
  const s: Sum = { requests: 0, input: 0, output: 0, total: 0, cost: 0, unpriced: 0 };
  for (const r of rows) {
    s.requests++;
    s.input += r.inputTokens;
    s.output += r.outputTokens;
    s.total += r.inputTokens + r.outputTokens;
    if (r.priced) s.cost += r.costUsd;
    else s.unpriced++;
  }
  return s;
}

const SORT_VALUE: Record<LogSortColumn, (r: StoredRequest) => string | number | undefined> = {
  time: (r) => r.timestampMs,
  provider: (r) => r.provider,
  project: (r) => r.project,
  model: (r) => r.model,
  feature: (r) => r.feature,
  team: (r) => r.team,
  input: (r) => r.inputTokens,
  output: (r) => r.outputTokens,
  total: (r) => r.inputTokens + r.outputTokens,
  cost: (r) => toNano(r.costUsd),
};

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** The documented order: by the column (absent values first ascending, last descending), ties by key. */
export function sorted(rows: readonly StoredRequest[], sort: LogSortColumn, order: 'asc' | 'desc'): StoredRequest[] {
  const sign = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = SORT_VALUE[sort](a);
    const vb = SORT_VALUE[sort](b);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return (va === undefined ? -1 : 1) * sign;
    } else if (va !== vb) return cmp(va, vb) * sign;
    return cmp(a.key, b.key) * sign;
  });
}

/** What a log row of the API must say about a stored request (USD catalog). */
export function expectedRow(r: StoredRequest) {
  return {
    date: new Date(r.timestampMs).toISOString(),
    project: r.project ?? null,
    provider: r.provider,
    model: r.model,
    feature: r.feature ?? null,
    team: r.team ?? null,
    input: r.inputTokens,
    output: r.outputTokens,
    total: r.inputTokens + r.outputTokens,
    cost: r.priced ? r.costUsd : null,
    status: r.status,
  };
}
