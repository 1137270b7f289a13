// Budgets in the report: every catalog budget with its exact month-to-date spend (from the raw
// counters, like the rest of the report) and, when the recording rules are loaded, the rules'
// month-end projection at the same instant. The projection is the rules' definition (month to date
// + trailing 7-day daily average × days left); the report does not invent a second one.
import { budgetMatch, modelMatcher } from '../../../catalog/src/model-match.js';
import type { Catalog } from '../../../catalog/src/schema.js';
import type { PrometheusClient } from '../prometheus-client/client.js';
import { BUDGET_PROJECTION } from './rule-series.js';
import { rollUp, type Usage, type UsageRow } from './usage.js';

export interface BudgetRow {
  scope: 'total' | 'team' | 'provider' | 'model';
  name: string;
  budgetUsd: number;
  /** Exact spend from the start of the month to the report's end. */
  spentUsd: number;
  /** From the recording rules; null when they are not loaded or recorded nothing for this budget. */
  projectedUsd: number | null;
}

export type ProjectionStatus = { available: true } | { available: false; reason: string };

/** Catalog budgets (scope, name, dollars), in the order a reader expects: total, teams, providers, models. */
function catalogBudgets(c: Catalog): Array<Pick<BudgetRow, 'scope' | 'name' | 'budgetUsd'>> {
  const b = c.budgets;
  return [
    ...(b.total_monthly_dollars !== undefined ? [{ scope: 'total' as const, name: 'total', budgetUsd: b.total_monthly_dollars }] : []),
    ...b.teams.map((e) => ({ scope: 'team' as const, name: e.name, budgetUsd: e.monthly_dollars })),
    ...b.providers.map((e) => ({ scope: 'provider' as const, name: e.name, budgetUsd: e.monthly_dollars })),
    // A model budget covers the model on every provider serving it, snapshots and prefixed ids included, as in the rules.
    ...b.models.map((e) => ({ scope: 'model' as const, name: e.name, budgetUsd: e.monthly_dollars })),
  ];
}

/**
 * Month-to-date spend per budget, from rows grouped by provider/model/feature/team. A model
 * budget covers the ids its name covers (catalog/model-match.ts: dated snapshots, provider
 * prefixes) or its `match:` list, as the rules' scope_name series do.
 */
export function spentByScope(rows: readonly UsageRow[], template: Usage, catalog: Catalog): Map<string, number> {
  const out = new Map<string, number>();
  out.set('total/total', rows.reduce((s, r) => s + r.usage.costUsd, 0));
  for (const scope of ['team', 'provider'] as const) {
    for (const r of rollUp(rows, [scope], template)) out.set(`${scope}/${r.group[scope]}`, r.usage.costUsd);
  }
  const byModel = rollUp(rows, ['model'], template);
  for (const b of catalog.budgets.models) {
    const covers = modelMatcher(b.name, budgetMatch(catalog.models, b.name, b.match));
    out.set(`model/${b.name}`, byModel.reduce((s, r) => (covers(r.group.model) ? s + r.usage.costUsd : s), 0));
  }
  return out;
}

/** Projections recorded by the rules at `atMs`, keyed "scope/name". */
async function projections(client: PrometheusClient, loaded: Set<string>, atMs: number): Promise<{ status: ProjectionStatus; values: Map<string, number> }> {
  const values = new Map<string, number>();
  if (!loaded.has(BUDGET_PROJECTION)) {
    return { status: { available: false, reason: `recording rules not loaded (no ${BUDGET_PROJECTION} in Prometheus)` }, values };
  }
  for (const s of await client.instant(BUDGET_PROJECTION, atMs)) values.set(`${s.labels.scope}/${s.labels.name}`, s.value);
  if (values.size === 0) {
    return { status: { available: false, reason: `the rules recorded no projection at ${new Date(atMs).toISOString()} (they were not running then)` }, values };
  }
  return { status: { available: true }, values };
}

export async function budgetRows(
  client: PrometheusClient,
  catalog: Catalog,
  monthRows: readonly UsageRow[],
  template: Usage,
  loadedRules: Set<string>,
  atMs: number,
): Promise<{ rows: BudgetRow[]; projection: ProjectionStatus }> {
  const spent = spentByScope(monthRows, template, catalog);
  const { status, values } = await projections(client, loadedRules, atMs);
  const rows = catalogBudgets(catalog).map((b) => {
    const key = `${b.scope}/${b.name}`;
    return { ...b, spentUsd: spent.get(key) ?? 0, projectedUsd: status.available ? (values.get(key) ?? null) : null };
  });
  return { rows, projection: status };
}
