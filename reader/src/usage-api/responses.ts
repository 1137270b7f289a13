// Response bodies of /api/usage/*: the summary ({ totalTokens, totalCost }) and breakdown arrays
// ({ providerName, tokens }, { projectName, tokens }), extended with request counts, averages,
// the token split, time series and per-model / per-provider breakdowns. Tokens are input + output
// (input already includes cache reads and writes); money is in the catalog's display currency,
// named in `currency`.
import type { Catalog } from '../../../catalog/src/schema.js';
import { currencyOf, fromUsd, type Currency } from '../report/currency.js';
import type { Usage, UsageBucket, UsageRow } from '../report/usage.js';
import type { Breakdown, UsageParams } from './params.js';

const tokensOf = (u: Usage) => u.inputTokens + u.outputTokens;

function range(p: UsageParams) {
  return { period: p.period, startDate: new Date(p.fromMs).toISOString(), endDate: new Date(p.toMs).toISOString() };
}

export function summaryBody(p: UsageParams, total: Usage, catalog: Catalog) {
  const c = currencyOf(catalog);
  const tokens = tokensOf(total);
  const cost = fromUsd(total.costUsd, c);
  return {
    ...range(p),
    currency: c.code,
    totalTokens: tokens,
    totalCost: cost,
    totalRequests: total.requests,
    avgTokensPerRequest: total.requests > 0 ? tokens / total.requests : 0,
    avgCostPerRequest: total.requests > 0 ? cost / total.requests : 0,
    inputTokens: total.inputTokens,
    outputTokens: total.outputTokens,
    cachedTokens: total.cachedTokens ?? 0,
    errors: total.errors ?? 0,
  };
}

function amounts(u: Usage, c: Currency) {
  return {
    tokens: tokensOf(u),
    cost: fromUsd(u.costUsd, c),
    requests: u.requests,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    ...(u.cachedTokens !== null ? { cachedTokens: u.cachedTokens } : {}),
    currency: c.code,
  };
}

/** An array, largest token users first. */
export function breakdownBody(by: Breakdown, rows: readonly UsageRow[], catalog: Catalog) {
  const c = currencyOf(catalog);
  const name = (slug: string) => catalog.providers.find((p) => p.slug === slug)?.name ?? slug;
  return [...rows]
    .sort((a, b) => tokensOf(b.usage) - tokensOf(a.usage) || b.usage.costUsd - a.usage.costUsd)
    .map((r) => {
      const g = r.group;
      switch (by) {
        case 'provider':
          return { provider: g.provider, providerName: name(g.provider), ...amounts(r.usage, c) };
        case 'project':
          return { projectName: g.project, ...amounts(r.usage, c) };
        case 'model': {
          const l = r.usage.latency;
          // Seconds, from the latency histogram's sum and count; null when no request reported one.
          const avgLatency = l && l.count > 0 ? l.sumSeconds / l.count : null;
          return { model: g.model, provider: g.provider, ...amounts(r.usage, c), avgLatency };
        }
        default:
          return { [by]: g[by], ...amounts(r.usage, c) };
      }
    });
}

export function timeseriesBody(p: UsageParams, buckets: readonly UsageBucket[], catalog: Catalog) {
  const c = currencyOf(catalog);
  return {
    ...range(p),
    groupBy: p.groupBy,
    currency: c.code,
    timeSeries: buckets.map((b) => ({
      timestamp: new Date(b.startMs).toISOString(),
      end: new Date(b.endMs).toISOString(),
      ...amounts(b.total, c),
    })),
  };
}
