// Cost-saving opportunities in the report: the recording rules' monthly estimates (prompt caching,
// cheaper model of the same family, prompt trimming) at the report's end, largest first. They are
// sizes to rank by, computed by the rules from the 24 hours before that instant × 30 days.
import type { PrometheusClient } from '../prometheus-client/client.js';
import { SAVINGS_ESTIMATE } from './rule-series.js';

export const TOP_SAVINGS = 10;

export interface SavingsItem {
  opportunity: string;
  provider: string;
  model: string;
  feature: string;
  monthlyUsd: number;
}

export type SavingsResult = { available: true; items: SavingsItem[]; totalMonthlyUsd: number } | { available: false; reason: string };

export async function topSavings(client: PrometheusClient, loadedRules: Set<string>, atMs: number): Promise<SavingsResult> {
  if (!loadedRules.has(SAVINGS_ESTIMATE)) {
    return { available: false, reason: `recording rules not loaded (no ${SAVINGS_ESTIMATE} in Prometheus)` };
  }
  const all = (await client.instant(SAVINGS_ESTIMATE, atMs))
    .filter((s) => Number.isFinite(s.value) && s.value > 0)
    .map((s) => ({ opportunity: s.labels.opportunity ?? '', provider: s.labels.provider ?? '', model: s.labels.model ?? '', feature: s.labels.feature ?? '', monthlyUsd: s.value }))
    .sort((a, b) => b.monthlyUsd - a.monthlyUsd);
  return { available: true, items: all.slice(0, TOP_SAVINGS), totalMonthlyUsd: all.reduce((s, x) => s + x.monthlyUsd, 0) };
}
