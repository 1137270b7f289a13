// Raw label values → the slots a record counts into. Folding each label under its value cap and
// each tuple under its family cap costs several Set/Map lookups and a string key per family, so
// it is done once per distinct raw tuple and cached; a hit is five nested Map lookups.
import { OVERFLOW_VALUE, type LabelLimiter } from './label-limiter.js';
import {
  newProjectSlot, newProviderModelSlot, newRequestSlot, tupleKey,
  type Family, type ProjectSlot, type ProviderModelSlot, type RequestSlot, type SeriesLimits,
} from './usage-slots.js';

/** One raw label tuple's resolved slots, plus which labels and families were folded into "other". */
export interface ResolvedSlots {
  req: RequestSlot;
  pm: ProviderModelSlot;
  proj: ProjectSlot;
  folded: string[];
  foldedFamilies: Family[];
}

/** The parts of the store that resolution reads and adds series to. */
export interface SlotMaps {
  readonly costBuckets: readonly number[];
  readonly latencyBuckets: readonly number[];
  readonly limits: SeriesLimits;
  readonly limiters: Record<string, LabelLimiter>;
  readonly requests: Map<string, RequestSlot>;
  readonly providerModels: Map<string, ProviderModelSlot>;
  readonly projects: Map<string, ProjectSlot>;
}

/** Distinct raw tuples kept before the cache starts over. */
export const RAW_CACHE_LIMIT = 100_000;

const NO_FAMILIES: Family[] = [];

export class RawLabelCache {
  /** provider → model → feature → team → project. */
  private readonly raw = new Map<string, Map<string, Map<string, Map<string, Map<string, ResolvedSlots>>>>>();
  private entries = 0;

  constructor(
    private readonly maps: SlotMaps,
    private readonly limit: number = RAW_CACHE_LIMIT,
  ) {}

  /** The slots for these (already length-bounded) raw values, resolved on first sight. */
  get(provider: string, model: string, feature: string, team: string, project: string): ResolvedSlots {
    // Nested maps instead of one concatenated key: no string building or re-hashing per record.
    let byModel = this.raw.get(provider);
    if (byModel === undefined) this.raw.set(provider, (byModel = new Map()));
    let byFeature = byModel.get(model);
    if (byFeature === undefined) byModel.set(model, (byFeature = new Map()));
    let byTeam = byFeature.get(feature);
    if (byTeam === undefined) byFeature.set(feature, (byTeam = new Map()));
    let byProject = byTeam.get(team);
    if (byProject === undefined) byTeam.set(team, (byProject = new Map()));
    let e = byProject.get(project);
    if (e === undefined) {
      e = resolveSlots(this.maps, provider, model, feature, team, project);
      // Bounded: hostile input with endless distinct raw values only costs re-resolution.
      if (++this.entries > this.limit) {
        this.raw.clear();
        this.entries = 0;
        return e;
      }
      byProject.set(project, e);
    }
    return e;
  }

  /** Forgets every tuple (the store's series were replaced). */
  clear(): void {
    this.raw.clear();
    this.entries = 0;
  }
}

function resolveSlots(s: SlotMaps, provider: string, model: string, feature: string, team: string, project: string): ResolvedSlots {
  const folded: string[] = [];
  const p = fold(s, 'provider', provider, folded);
  const m = fold(s, 'model', model, folded);
  const f = fold(s, 'feature', feature, folded);
  const t = fold(s, 'team', team, folded);
  const pr = fold(s, 'project', project, folded);
  let families = NO_FAMILIES;
  // A tuple the family has no room for goes to (provider, "other", ...): the provider keeps its
  // own series (it has a small cap of its own), so per-provider totals stay exact.
  let req = s.requests.get(`${p}\u0001${m}\u0001${f}\u0001${t}`);
  if (req === undefined) {
    if (s.requests.size < s.limits.request) req = requestSlot(s, [p, m, f, t]);
    else {
      families = ['request'];
      req = requestSlot(s, [p, OVERFLOW_VALUE, OVERFLOW_VALUE, OVERFLOW_VALUE]);
    }
  }
  let pm = s.providerModels.get(`${p}\u0001${m}`);
  if (pm === undefined) {
    if (s.providerModels.size < s.limits.provider_model) pm = providerModelSlot(s, [p, m]);
    else {
      families = families === NO_FAMILIES ? ['provider_model'] : [...families, 'provider_model'];
      pm = providerModelSlot(s, [p, OVERFLOW_VALUE]);
    }
  }
  let proj = s.projects.get(pr);
  if (proj === undefined) s.projects.set(pr, (proj = newProjectSlot([pr])));
  return { req, pm, proj, folded, foldedFamilies: families };
}

function fold(s: SlotMaps, label: string, v: string, folded: string[]): string {
  const out = s.limiters[label].fold(v);
  if (out !== v) folded.push(label);
  return out;
}

function requestSlot(s: SlotMaps, values: string[]): RequestSlot {
  const k = tupleKey(values);
  let slot = s.requests.get(k);
  if (!slot) s.requests.set(k, (slot = newRequestSlot(values)));
  return slot;
}

function providerModelSlot(s: SlotMaps, values: string[]): ProviderModelSlot {
  const k = tupleKey(values);
  let slot = s.providerModels.get(k);
  if (!slot) s.providerModels.set(k, (slot = newProviderModelSlot(values, s.latencyBuckets.length, s.costBuckets.length)));
  return slot;
}
