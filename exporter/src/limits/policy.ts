// Which caps apply to a subject: the catalog's usage_limits section with every named subject
// resolved to its keyed pseudonym, so the rest of limits/ only ever handles pseudonyms. A user's
// caps are their own entry, else their team's, else the default; an API key's its own, else the default.
import type { Catalog } from '../../../catalog/src/schema.js';
import type { WindowKind } from './windows.js';

export type Scope = 'user' | 'api_key';
export const SCOPES: readonly Scope[] = ['user', 'api_key'];

export const LIMIT_KINDS = ['daily_dollars', 'monthly_dollars', 'daily_tokens', 'monthly_tokens'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

export interface Cap {
  kind: LimitKind;
  window: WindowKind;
  unit: 'dollars' | 'tokens';
  amount: number;
}

export const KIND_WINDOW: Record<LimitKind, WindowKind> = { daily_dollars: 'day', monthly_dollars: 'month', daily_tokens: 'day', monthly_tokens: 'month' };
export const KIND_UNIT: Record<LimitKind, Cap['unit']> = { daily_dollars: 'dollars', monthly_dollars: 'dollars', daily_tokens: 'tokens', monthly_tokens: 'tokens' };

type Section = Catalog['usage_limits'];
type CapEntry = Partial<Record<LimitKind, number>>;

function caps(entry: CapEntry | undefined): Cap[] {
  if (!entry) return [];
  const out: Cap[] = [];
  for (const kind of LIMIT_KINDS) {
    const amount = entry[kind];
    if (amount !== undefined) out.push({ kind, window: KIND_WINDOW[kind], unit: KIND_UNIT[kind], amount });
  }
  return out;
}

export class LimitPolicy {
  readonly warningRatio: number;
  private readonly defaults: Record<Scope, Cap[]>;
  private readonly teams = new Map<string, Cap[]>();
  private readonly named: Record<Scope, Map<string, Cap[]>> = { user: new Map(), api_key: new Map() };

  /** `pseudonym` is the exporter's keyed hash (log/pseudonym.ts): `id:` entries go through it once, here. */
  constructor(section: Section, pseudonym: (id: string) => string) {
    this.warningRatio = section.warning_ratio;
    this.defaults = { user: caps(section.users.default), api_key: caps(section.api_keys.default) };
    for (const [team, entry] of Object.entries(section.users.teams)) this.teams.set(team, caps(entry));
    const add = (scope: Scope, list: Section['users']['subjects'], path: string) => {
      list.forEach((s, i) => {
        const p = s.pseudonym ?? pseudonym(s.id!);
        // Never the id in the message: it may be a user id or a key.
        if (this.named[scope].has(p)) throw new Error(`usage_limits.${path}[${i}]: the same subject as an earlier entry`);
        this.named[scope].set(p, caps(s));
      });
    };
    add('user', section.users.subjects, 'users.subjects');
    add('api_key', section.api_keys.keys, 'api_keys.keys');
  }

  /** True when some subject of the scope can have a cap: only then are its subjects tracked. */
  limits(scope: Scope): boolean {
    return this.defaults[scope].length > 0 || this.named[scope].size > 0 || (scope === 'user' && this.teams.size > 0);
  }

  /** Every limit kind some subject of the scope has, for the per-kind series. */
  kinds(scope: Scope): LimitKind[] {
    const all = [this.defaults[scope], ...this.named[scope].values(), ...(scope === 'user' ? this.teams.values() : [])];
    return LIMIT_KINDS.filter((k) => all.some((list) => list.some((c) => c.kind === k)));
  }

  capsFor(scope: Scope, subject: string, team?: string): Cap[] {
    const own = this.named[scope].get(subject);
    if (own) return own;
    if (scope === 'user' && team !== undefined) {
      const t = this.teams.get(team);
      if (t) return t;
    }
    return this.defaults[scope];
  }
}
