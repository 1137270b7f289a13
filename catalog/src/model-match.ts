// Which logged model ids a model named in the catalog covers. Providers log dated snapshots
// ("gpt-4o-2024-08-06", "claude-sonnet-4-20250514", Vertex "claude-3-5-sonnet@20240620", Bedrock
// "...-v1:0", "-latest") and prefixed ids ("openai/gpt-4o", "models/gemini-2.0-flash",
// "accounts/fireworks/models/...", Bedrock "us.anthropic.claude-..."), while budgets, price
// overrides and families name the model once. The one rule, shared by the exporter (pricer), the
// rule generator (prometheus/src/concerns/budget.ts) and the reports (report/budgets.ts):
//
//   catalog name N covers a logged id I when normaliseModelId(I) is N, or is N followed by one or
//   more version suffixes (VERSION_SUFFIX): -YYYY-MM-DD, -YYYYMMDD, @YYYYMMDD, @latest, -vN or
//   -vN:M, -latest, -preview, -preview-YYYY-MM-DD, -preview-MM-DD (Gemini). Names compare case-insensitively.
//
// "gpt-4o" therefore covers "gpt-4o-2024-08-06" but not "gpt-4o-mini" ("-mini" is no version).
// A catalog model (or model budget) with a `match:` list covers exactly what that list says
// instead: exact ids (case-insensitive) and `{ regex: ... }` entries, fully anchored, over the
// logged id as it is. modelIdRegex() renders the same set as one RE2 regex for `model=~"..."`.

/** Bedrock cross-region inference profile prefixes ("us.anthropic.claude-…"). */
const BEDROCK_REGIONS = ['us', 'us-gov', 'eu', 'apac', 'au', 'ca', 'jp', 'global'];
/** Bedrock model vendors ("anthropic.claude-…", "meta.llama3-…"). */
const BEDROCK_VENDORS = ['anthropic', 'meta', 'amazon', 'cohere', 'mistral', 'ai21', 'deepseek', 'openai', 'qwen', 'writer', 'stability', 'twelvelabs', 'luma'];

const PREFIX = new RegExp(`^(?:(?:${BEDROCK_REGIONS.join('|')})\\.)?(?:(?:${BEDROCK_VENDORS.join('|')})\\.)?`);

/** One version suffix, as a regex source valid in both JavaScript and RE2. */
export const VERSION_SUFFIX = '(?:-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|@[0-9]{8}|@latest|-v[0-9]+(?::[0-9]+)?|-latest|-preview(?:-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{2}-[0-9]{2})?)';
const SUFFIXES = new RegExp(`^(?:${VERSION_SUFFIX})+$`);

/**
 * A logged model id without what providers and gateways put around the model's name: trimmed,
 * lower-cased, everything up to the last "/" dropped ("openai/gpt-4o", "models/gemini-2.0-flash",
 * "accounts/fireworks/models/x"), then a Bedrock region and vendor prefix ("us.anthropic.").
 */
export function normaliseModelId(id: string): string {
  let s = id.trim().toLowerCase();
  const slash = s.lastIndexOf('/');
  if (slash >= 0) s = s.slice(slash + 1);
  return s.replace(PREFIX, '');
}

/**
 * A catalog name as the rule compares it: normalised like a logged id (so a Bedrock-style name
 * "anthropic.claude-…" covers "us.anthropic.claude-…" too), except that a name with a "/" keeps it.
 */
function normalisedName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes('/') ? n : normaliseModelId(n);
}

/** An entry of a catalog `match:` list: an exact id, or a fully anchored regex (the RE2/JavaScript common subset). */
export type MatchEntry = string | { regex: string };

/** Decides whether a logged model id is covered by one catalog name. */
export type ModelMatcher = (id: string) => boolean;

/** True when `id` is covered by the catalog name `name` under the default rule (no `match:` list). */
export function matchesModelName(name: string, id: string): boolean {
  const n = normalisedName(name);
  // A name that is itself prefixed ("openai/gpt-4o" under openrouter) is compared unstripped.
  const s = n.includes('/') ? id.trim().toLowerCase() : normaliseModelId(id);
  if (s === n) return true;
  return s.startsWith(n) && SUFFIXES.test(s.slice(n.length));
}

export function modelMatcher(name: string, match?: readonly MatchEntry[]): ModelMatcher {
  if (!match || match.length === 0) return (id) => matchesModelName(name, id);
  const exact = new Set<string>();
  const regexes: RegExp[] = [];
  for (const m of match) {
    if (typeof m === 'string') exact.add(m.trim().toLowerCase());
    else regexes.push(new RegExp(`^(?:${m.regex})$`));
  }
  return (id) => exact.has(id.trim().toLowerCase()) || regexes.some((r) => r.test(id));
}

/** Regex metacharacters escaped for RE2 (and JavaScript). */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * The ids modelMatcher(name, match) covers, as one RE2 regex over the raw label value (Prometheus
 * anchors it: `model=~"<this>"`). The default rule is rendered literally and case-insensitively
 * (RE2's `(?i:…)`): an optional "…/" prefix, an optional Bedrock region and vendor, the name, any
 * version suffixes. Exact `match:` ids are case-insensitive too; `{ regex }` entries are used as
 * written. Not a PromQL string yet: promqlString() quotes it.
 */
export function modelIdRegex(name: string, match?: readonly MatchEntry[]): string {
  if (match && match.length) {
    return match.map((m) => (typeof m === 'string' ? `(?i:${escapeRegex(m.trim())})` : `(?:${m.regex})`)).join('|');
  }
  const n = normalisedName(name);
  const body = `${escapeRegex(n)}${VERSION_SUFFIX}*`;
  if (n.includes('/')) return `(?i:\\s*${body}\\s*)`;
  return `(?i:\\s*(?:.*/)?${PREFIX.source.slice(1)}${body}\\s*)`;
}

/** What a per-model catalog setting is keyed by: a model id and, optionally, its `match:` list. */
export interface Matchable {
  readonly id: string;
  readonly match?: readonly MatchEntry[];
}

/**
 * The catalog entry covering a logged id, when several could: the entry whose id is the logged id
 * (case-insensitive) first, else the covering entry with the longest id: "claude-sonnet-4-20250514"
 * over "claude-sonnet-4" for "claude-sonnet-4-20250514-v1:0", which both cover.
 */
export function findCatalogModel<T extends Matchable>(entries: readonly T[], id: string): T | undefined {
  const l = id.trim().toLowerCase();
  let best: T | undefined;
  for (const e of entries) {
    if (e.id.trim().toLowerCase() === l) return e;
    if ((!best || e.id.length > best.id.length) && modelMatcher(e.id, e.match)(id)) best = e;
  }
  return best;
}

/**
 * The `match:` list a model budget named `name` uses: its own, else those of the catalog models
 * with that id (on any provider, as the budget covers the model on every provider), else none (the
 * default rule).
 */
export function budgetMatch(models: readonly Matchable[], name: string, own?: readonly MatchEntry[]): readonly MatchEntry[] | undefined {
  if (own && own.length) return own;
  const n = name.trim().toLowerCase();
  const lists = models.filter((m) => m.match && m.id.trim().toLowerCase() === n).flatMap((m) => m.match!);
  return lists.length ? lists : undefined;
}
