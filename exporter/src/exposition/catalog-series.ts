// The catalog exported as series, so rules and dashboards join on prices, budgets, SLO targets and
// provider colours from the same file the exporter prices with.
import type { Catalog } from '../../../catalog/src/schema.js';
import { catalogFingerprint } from '../../../catalog/src/fingerprint.js';
import { sloFor } from '../../../catalog/src/load.js';
import { findCatalogModel } from '../../../catalog/src/model-match.js';
import { isStale } from '../pricing/price-data.js';
import { METRICS as M } from '../contract/metrics.js';
import type { TokenType } from '../contract/labels.js';
import { headerOf, labelPairs, type Format } from './exposition.js';

export interface PriceRow {
  provider: string;
  model: string;
  tokenType: TokenType;
  dollarsPerMillion: number;
}

export interface BuildInfo {
  version: string;
}

/** A (provider, model) pair as the store counts it. */
export type ModelTuple = readonly [provider: string, model: string];

/**
 * Observed model ids that are not a catalog id but that a catalog model of their provider covers
 * (a dated snapshot, a prefixed id: model-match.ts, the pricer's rule), each with that entry. The
 * rules and dashboards join traffic on ai_model_info / ai_model_price_… by (provider, model), so
 * without a row of its own "gpt-4o-2024-08-06" had no family and no savings. As many as the
 * observed tuples, which the store caps (provider_model series limit).
 */
export function observedAliases(catalog: Catalog, observed: Iterable<ModelTuple>): Array<{ provider: string; model: string; entry: Catalog['models'][number] }> {
  const byProvider = new Map<string, Catalog['models']>();
  for (const m of catalog.models) byProvider.set(m.provider, [...(byProvider.get(m.provider) ?? []), m]);
  const out: Array<{ provider: string; model: string; entry: Catalog['models'][number] }> = [];
  const seen = new Set<string>();
  for (const [provider, model] of observed) {
    const entries = byProvider.get(provider);
    const key = `${provider}\u0001${model}`;
    if (!entries || seen.has(key) || entries.some((e) => e.id === model)) continue;
    seen.add(key);
    const entry = findCatalogModel(entries, model);
    if (entry) out.push({ provider, model, entry });
  }
  return out;
}

export function renderCatalogSeries(
  catalog: Catalog,
  prices: PriceRow[],
  build: BuildInfo,
  format: Format = 'prometheus',
  timestampMs?: number,
  observed: Iterable<ModelTuple> = [],
): string {
  const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
  const out: string[] = [];
  const line = (name: string, names: readonly string[], values: string[], v: number) =>
    out.push(`${name}${names.length ? `{${labelPairs(names, values)}}` : ''} ${v}${ts}\n`);

  out.push(headerOf(M.modelPrice, format));
  const aliases = observedAliases(catalog, observed);
  for (const p of prices) line(M.modelPrice.name, M.modelPrice.labels, [p.provider, p.model, p.tokenType], p.dollarsPerMillion);
  // An observed id is priced like the entry covering it (the pricer's rule), so it gets that entry's rows.
  for (const a of aliases) {
    for (const p of prices) {
      if (p.provider === a.provider && p.model === a.entry.id) line(M.modelPrice.name, M.modelPrice.labels, [a.provider, a.model, p.tokenType], p.dollarsPerMillion);
    }
  }

  out.push(headerOf(M.modelInfo, format));
  const info = (provider: string, model: string, m: Catalog['models'][number]) =>
    line(M.modelInfo.name, M.modelInfo.labels, [provider, model, m.family, String(m.context_window ?? ''), String(m.deprecated)], 1);
  for (const m of catalog.models) info(m.provider, m.id, m);
  for (const a of aliases) info(a.provider, a.model, a.entry);
  out.push(headerOf(M.providerInfo, format));
  for (const p of catalog.providers) line(M.providerInfo.name, M.providerInfo.labels, [p.slug, p.name, p.color, p.status], 1);

  out.push(headerOf(M.budget, format));
  if (catalog.budgets.total_monthly_dollars !== undefined) line(M.budget.name, M.budget.labels, ['total', 'total'], catalog.budgets.total_monthly_dollars);
  for (const [scope, list] of [['team', catalog.budgets.teams], ['provider', catalog.budgets.providers], ['model', catalog.budgets.models]] as const) {
    for (const b of list) line(M.budget.name, M.budget.labels, [scope, b.name], b.monthly_dollars);
  }
  out.push(headerOf(M.budgetWarningRatio, format));
  line(M.budgetWarningRatio.name, [], [], catalog.budgets.warning_ratio);

  out.push(headerOf(M.sloTarget, format));
  for (const p of catalog.providers) {
    const t = sloFor(catalog, p.slug);
    line(M.sloTarget.name, M.sloTarget.labels, [p.slug, 'availability'], t.availability);
    line(M.sloTarget.name, M.sloTarget.labels, [p.slug, 'latency_p95_seconds'], t.latency_p95_seconds);
    line(M.sloTarget.name, M.sloTarget.labels, [p.slug, 'latency_objective'], t.latency_objective);
    line(M.sloTarget.name, M.sloTarget.labels, [p.slug, 'error_rate'], t.error_rate);
  }
  out.push(headerOf(M.sloPeriod, format));
  line(M.sloPeriod.name, [], [], catalog.slo.period_days * 86400);

  out.push(headerOf(M.currencyRate, format));
  line(M.currencyRate.name, M.currencyRate.labels, [catalog.currency.display], catalog.currency.usd_rate);

  out.push(headerOf(M.buildInfo, format));
  line(M.buildInfo.name, M.buildInfo.labels, [build.version, process.version], 1);
  // Compared by the rules (TokenScopeCatalogMismatch) and dashboards with the fingerprint they were built from.
  out.push(headerOf(M.catalogInfo, format));
  line(M.catalogInfo.name, M.catalogInfo.labels, [catalogFingerprint(catalog)], 1);
  return out.join('');
}

export interface PriceDataSeries {
  source: 'bundled' | 'file';
  version: string;
  /** The data's date in ms, NaN if unknown (then no timestamp sample). */
  timestampMs: number;
  /** The --prices-max-age-days threshold; 0 = no staleness check. */
  maxAgeDays: number;
}

/**
 * Which price data genai-prices prices with, its date and whether it is older than the threshold.
 * Rendered on every scrape (not with the cached catalog text) so `stale` turns 1 while serving;
 * with a timestamp (backfill) staleness is judged at that instant.
 */
export function renderPriceDataSeries(d: PriceDataSeries, nowMs: number, format: Format = 'prometheus', timestampMs?: number): string {
  const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
  const known = Number.isFinite(d.timestampMs);
  const stale = isStale(d, timestampMs ?? nowMs);
  let out =
    headerOf(M.priceDataInfo, format) +
    `${M.priceDataInfo.name}{${labelPairs(M.priceDataInfo.labels, [d.source, d.version])}} 1${ts}\n`;
  if (known) {
    out +=
      headerOf(M.priceDataTimestamp, format) +
      `${M.priceDataTimestamp.name} ${d.timestampMs / 1000}${ts}\n`;
  }
  out +=
    headerOf(M.priceDataMaxAge, format) +
    `${M.priceDataMaxAge.name} ${d.maxAgeDays * 86_400}${ts}\n` +
    headerOf(M.priceDataStale, format) +
    `${M.priceDataStale.name} ${stale ? 1 : 0}${ts}\n`;
  return out;
}
