// Running usage per subject (user or API key pseudonym) for the current UTC day and month, kept
// by a RequestSink on every counted request and synchronised from the request store (seeded at
// start, refreshed periodically), so the aggregate gauges survive a restart and, with several
// replicas sharing PostgreSQL, converge on the totals of all of them. Only pseudonyms are held,
// and only subjects with a request this month: at most maxSubjects per scope (default 100,000,
// about 45 MB per scope, measured); beyond that new subjects are counted as untracked and judged
// by the store alone (GET /api/limits/check).
import type { Clock } from '../clock.js';
import { defaultClock } from '../clock.js';
import type { RequestRecord } from '../events/types.js';
import type { RequestSink } from '../ingest/pipeline.js';
import type { PriceResult } from '../pricing/pricer.js';
import type { RequestStore } from '../request-store/types.js';
import { toNano } from '../request-store/row.js';
import { LIMIT_KINDS, SCOPES, type Cap, type LimitKind, type LimitPolicy, type Scope } from './policy.js';
import { dayWindow, monthWindow, type LimitWindow } from './windows.js';

/** Usage in one window: cost in integer nano-dollars (as the store sums it), tokens input + output. */
export interface WindowUsage {
  nano: number;
  tokens: number;
}

/** 0 ok, 1 near (at or above the warning ratio), 2 over (at or above the cap). */
export type Level = 0 | 1 | 2;
export const LEVEL_NAMES = ['ok', 'near', 'over'] as const;

interface Subject {
  /** The pseudonym, for the per-subject caps. */
  key: string;
  dayStart: number;
  day: WindowUsage;
  monthStart: number;
  month: WindowUsage;
  /** The team of the user's latest request: picks the team's caps (policy.ts). */
  team?: string;
  /** Level per limit kind (LIMIT_KINDS order) in the kind's current window. */
  levels: Level[];
}

export interface TrackerOptions {
  pseudonym: (id: string) => string;
  clock?: Clock;
  maxSubjects?: number;
}

export interface LimitSummary {
  /** Subjects with at least one cap, by their worst level. */
  subjects: Record<Scope, [number, number, number]>;
  /** Highest used / cap over the scope's subjects, per limit kind some subject has. */
  maxRatio: Record<Scope, Map<LimitKind, number>>;
  breaches: Record<Scope, Map<LimitKind, number>>;
  warnings: Record<Scope, Map<LimitKind, number>>;
  untracked: Record<Scope, number>;
}

const STORE_KIND: Record<Scope, 'user' | 'apiKey'> = { user: 'user', api_key: 'apiKey' };

function perScope<T>(make: () => T): Record<Scope, T> {
  return { user: make(), api_key: make() };
}

export function usedOf(cap: Cap, u: WindowUsage): number {
  return cap.unit === 'dollars' ? u.nano / 1e9 : u.tokens;
}

export function levelOf(cap: Cap, u: WindowUsage, warningRatio: number): Level {
  const ratio = usedOf(cap, u) / cap.amount;
  return ratio >= 1 ? 2 : ratio >= warningRatio ? 1 : 0;
}

export class LimitTracker implements RequestSink {
  private readonly subjects: Record<Scope, Map<string, Subject>> = perScope(() => new Map());
  private readonly breaches = perScope(() => new Map<LimitKind, number>());
  private readonly warnings = perScope(() => new Map<LimitKind, number>());
  private readonly untracked = perScope(() => 0);
  private readonly clock: Clock;
  private readonly maxSubjects: number;

  constructor(
    readonly policy: LimitPolicy,
    private readonly opts: TrackerOptions,
  ) {
    this.clock = opts.clock ?? defaultClock();
    this.maxSubjects = opts.maxSubjects ?? 100_000;
  }

  request(rec: RequestRecord, price: PriceResult): void {
    if (rec.userId === undefined && rec.apiKey === undefined) return;
    const now = this.clock.now();
    const day = dayWindow(now);
    const month = monthWindow(now);
    const nano = toNano(price.costUsd);
    const tokens = rec.tokens.input + rec.tokens.output;
    for (const scope of SCOPES) {
      const id = scope === 'user' ? rec.userId : rec.apiKey;
      if (id === undefined || !this.policy.limits(scope)) continue;
      const s = this.subject(scope, this.opts.pseudonym(id), day, month);
      if (!s) continue;
      if (scope === 'user' && rec.team !== undefined) s.team = rec.team;
      // Only requests made in the current windows count (a late line from last month does not).
      if (rec.timestampMs >= day.startMs && rec.timestampMs < day.endMs) add(s.day, nano, tokens);
      if (rec.timestampMs >= month.startMs && rec.timestampMs < month.endMs) add(s.month, nano, tokens);
      this.judge(scope, s, true);
    }
  }

  /**
   * Brings the running totals in line with the store's for the current day and month. `seed` (at
   * start) adds the store's totals to what was counted while they were read (nothing in serve,
   * which seeds before it counts; the SDK may count meanwhile). Later syncs keep the larger of the
   * two, both lower bounds of the truth: the store lags by the rows being written, this process
   * misses other replicas' requests. Transitions found here are not counted: the replica whose
   * request crossed the line counted them.
   */
  async sync(store: RequestStore, mode: 'seed' | 'refresh' = 'refresh'): Promise<void> {
    const now = this.clock.now();
    const day = dayWindow(now);
    const month = monthWindow(now);
    const scopes = SCOPES.filter((s) => this.policy.limits(s));
    const fetched = await Promise.all(
      scopes.map(async (scope) => {
        const [m, d] = await Promise.all([
          store.subjects(STORE_KIND[scope], month.startMs, month.endMs),
          store.subjects(STORE_KIND[scope], day.startMs, day.endMs),
        ]);
        return { scope, m, d: new Map(d.map((t) => [t.subject, t])) };
      }),
    );
    // A day that ended while the store answered: the next sync reads the new one.
    if (dayWindow(this.clock.now()).startMs !== day.startMs) return;
    // One synchronous pass: no request is counted between reading and applying.
    const merge = (mine: WindowUsage, t: { costUsd: number; inputTokens: number; outputTokens: number } | undefined): WindowUsage => {
      const theirs = t ? { nano: toNano(t.costUsd), tokens: t.inputTokens + t.outputTokens } : { nano: 0, tokens: 0 };
      return mode === 'seed'
        ? { nano: mine.nano + theirs.nano, tokens: mine.tokens + theirs.tokens }
        : { nano: Math.max(mine.nano, theirs.nano), tokens: Math.max(mine.tokens, theirs.tokens) };
    };
    for (const { scope, m, d } of fetched) {
      for (const t of m) {
        const s = this.subject(scope, t.subject, day, month);
        if (!s) continue;
        s.month = merge(s.month, t);
        s.day = merge(s.day, d.get(t.subject));
        this.judge(scope, s, false);
      }
    }
  }

  /** The running usage of a subject in `w` (the current day or month), if tracked. */
  usage(scope: Scope, subject: string, w: LimitWindow): WindowUsage | undefined {
    const s = this.subjects[scope].get(subject);
    if (!s) return undefined;
    this.roll(s, dayWindow(this.clock.now()), monthWindow(this.clock.now()));
    if (w.kind === 'day') return s.dayStart === w.startMs ? s.day : undefined;
    return s.monthStart === w.startMs ? s.month : undefined;
  }

  teamOf(subject: string): string | undefined {
    return this.subjects.user.get(subject)?.team;
  }

  /** Aggregates for /metrics; drops subjects with no request this month (the memory bound). */
  summary(): LimitSummary {
    const now = this.clock.now();
    const day = dayWindow(now);
    const month = monthWindow(now);
    const out: LimitSummary = {
      subjects: perScope(() => [0, 0, 0] as [number, number, number]),
      maxRatio: perScope(() => new Map()),
      breaches: this.breaches,
      warnings: this.warnings,
      untracked: this.untracked,
    };
    for (const scope of SCOPES) {
      const max = out.maxRatio[scope];
      for (const kind of this.policy.kinds(scope)) max.set(kind, 0);
      for (const [p, s] of this.subjects[scope]) {
        if (s.monthStart !== month.startMs) {
          this.subjects[scope].delete(p);
          continue;
        }
        this.roll(s, day, month);
        const caps = this.policy.capsFor(scope, p, s.team);
        if (caps.length === 0) continue;
        let worst: Level = 0;
        for (const cap of caps) {
          const u = cap.window === 'day' ? s.day : s.month;
          const ratio = usedOf(cap, u) / cap.amount;
          if (ratio > (max.get(cap.kind) ?? 0)) max.set(cap.kind, ratio);
          worst = Math.max(worst, levelOf(cap, u, this.policy.warningRatio)) as Level;
        }
        out.subjects[scope][worst]++;
      }
    }
    return out;
  }

  private subject(scope: Scope, p: string, day: LimitWindow, month: LimitWindow): Subject | undefined {
    const map = this.subjects[scope];
    let s = map.get(p);
    if (s) {
      this.roll(s, day, month);
      return s;
    }
    if (map.size >= this.maxSubjects) {
      this.untracked[scope]++;
      return undefined;
    }
    s = { key: p, dayStart: day.startMs, day: { nano: 0, tokens: 0 }, monthStart: month.startMs, month: { nano: 0, tokens: 0 }, team: undefined, levels: [0, 0, 0, 0] };
    map.set(p, s);
    return s;
  }

  /** A window that ended starts again from 0, with its kinds back at "ok". */
  private roll(s: Subject, day: LimitWindow, month: LimitWindow): void {
    if (s.dayStart !== day.startMs) {
      s.dayStart = day.startMs;
      s.day = { nano: 0, tokens: 0 };
      LIMIT_KINDS.forEach((k, i) => k.startsWith('daily') && (s.levels[i] = 0));
    }
    if (s.monthStart !== month.startMs) {
      s.monthStart = month.startMs;
      s.month = { nano: 0, tokens: 0 };
      LIMIT_KINDS.forEach((k, i) => k.startsWith('monthly') && (s.levels[i] = 0));
    }
  }

  /** Updates the subject's levels; on the request path a rise is counted as a warning and/or breach. */
  private judge(scope: Scope, s: Subject, count: boolean): void {
    const caps = this.policy.capsFor(scope, s.key, s.team);
    for (const cap of caps) {
      const i = LIMIT_KINDS.indexOf(cap.kind);
      const before = s.levels[i];
      const now = levelOf(cap, cap.window === 'day' ? s.day : s.month, this.policy.warningRatio);
      s.levels[i] = now;
      if (!count || now <= before) continue;
      // ok → over crosses both lines at once: a warning and a breach.
      if (before === 0) bump(this.warnings[scope], cap.kind);
      if (now === 2) bump(this.breaches[scope], cap.kind);
    }
  }
}

function add(u: WindowUsage, nano: number, tokens: number): void {
  u.nano += nano;
  u.tokens += tokens;
}

function bump(m: Map<LimitKind, number>, k: LimitKind): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}
