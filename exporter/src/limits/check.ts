// The answer to "may this user (or key) make another call?": each cap of the subject against its
// usage in the current UTC day or month. Usage is read from the request store, which holds every
// replica's requests, and never taken below this process's own running total (which also holds
// requests still queued for the store), so the answer is exact across replicas up to the rows
// being written at that moment.
import type { RequestStore, RequestFilter } from '../request-store/types.js';
import { toNano } from '../request-store/row.js';
import type { Cap, LimitKind, LimitPolicy, Scope } from './policy.js';
import { levelOf, usedOf, type LimitTracker, type WindowUsage } from './tracker.js';
import { windowAt, type LimitWindow, type WindowKind } from './windows.js';

export interface CapStatus {
  limit_kind: LimitKind;
  window: WindowKind;
  unit: 'dollars' | 'tokens';
  limit: number;
  used: number;
  remaining: number;
  /** ISO instant the window resets (the next UTC midnight or first of the month). */
  resets_at: string;
  allowed: boolean;
  warning: boolean;
}

export interface LimitCheck {
  scope: Scope;
  /** False once any cap is reached (used >= limit). */
  allowed: boolean;
  /** The binding cap's fields: the reached cap that resets last, else the most used one; null without caps. */
  limit: number | null;
  limit_kind: LimitKind | null;
  unit: 'dollars' | 'tokens' | null;
  window: WindowKind | null;
  used: number | null;
  remaining: number | null;
  resets_at: string | null;
  /** True when any cap is at or above the warning ratio. */
  warning: boolean;
  /** Where usage came from: the request store (with this process's totals as a floor), or this process alone. */
  source: 'store' | 'process';
  limits: CapStatus[];
}

/** Dollars rounded to the nano-dollar the store sums in, so 0.1 + 0.2 answers 0.3. */
const dollars = (nano: number) => Math.round(nano) / 1e9;

export async function checkSubject(
  args: { policy: LimitPolicy; tracker: LimitTracker; store?: RequestStore; nowMs: number },
  scope: Scope,
  subject: string,
  team?: string,
): Promise<LimitCheck> {
  const { policy, tracker, store, nowMs } = args;
  const caps = policy.capsFor(scope, subject, team ?? (scope === 'user' ? tracker.teamOf(subject) : undefined));
  const windows = new Map<WindowKind, LimitWindow>();
  for (const c of caps) if (!windows.has(c.window)) windows.set(c.window, windowAt(c.window, nowMs));
  const usage = new Map<WindowKind, WindowUsage>();
  await Promise.all(
    [...windows.values()].map(async (w) => {
      const local = tracker.usage(scope, subject, w) ?? { nano: 0, tokens: 0 };
      let u = local;
      if (store) {
        const f: RequestFilter = { fromMs: w.startMs, toMs: w.endMs };
        if (scope === 'user') f.user = subject;
        else f.apiKey = subject;
        const t = await store.totals(f);
        u = { nano: Math.max(toNano(t.costUsd), local.nano), tokens: Math.max(t.inputTokens + t.outputTokens, local.tokens) };
      }
      usage.set(w.kind, u);
    }),
  );
  const limits = caps.map((c) => status(c, usage.get(c.window)!, windows.get(c.window)!, policy.warningRatio));
  const blocked = limits.filter((l) => !l.allowed);
  const binding = blocked.length
    ? blocked.reduce((a, b) => (b.resets_at > a.resets_at ? b : a))
    : limits.reduce<CapStatus | undefined>((a, b) => (!a || b.used / b.limit > a.used / a.limit ? b : a), undefined);
  return {
    scope,
    allowed: blocked.length === 0,
    limit: binding?.limit ?? null,
    limit_kind: binding?.limit_kind ?? null,
    unit: binding?.unit ?? null,
    window: binding?.window ?? null,
    used: binding?.used ?? null,
    remaining: binding?.remaining ?? null,
    resets_at: binding?.resets_at ?? null,
    warning: limits.some((l) => l.warning),
    source: store ? 'store' : 'process',
    limits,
  };
}

function status(cap: Cap, u: WindowUsage, w: LimitWindow, warningRatio: number): CapStatus {
  const used = cap.unit === 'dollars' ? dollars(u.nano) : usedOf(cap, u);
  const remaining = cap.unit === 'dollars' ? dollars(Math.max(0, toNano(cap.amount) - u.nano)) : Math.max(0, cap.amount - u.tokens);
  // The same judgement as the gauges (tracker.ts), so the API and ai_limit_subjects agree.
  const level = levelOf(cap, u, warningRatio);
  return {
    limit_kind: cap.kind,
    window: cap.window,
    unit: cap.unit,
    limit: cap.amount,
    used,
    remaining,
    resets_at: new Date(w.endMs).toISOString(),
    allowed: level < 2,
    warning: level >= 1,
  };
}
