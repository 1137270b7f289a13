// The catalog exported as series, so rules and dashboards join on prices, budgets, SLO targets and
// provider colours from the same file the exporter prices with.
import type { Catalog } from '../catalog/schema.js';
import { sloFor } from '../catalog/load.js';
import { isStale } from '../pricing/price-data.js';
import { header, labelPairs, type Format } from './exposition.js';

export interface PriceRow {
  provider: string;
  model: string;
  tokenType: 'input' | 'output' | 'cache_read' | 'cache_write';
  dollarsPerMillion: number;
}

export interface BuildInfo {
  version: string;
}

export function renderCatalogSeries(catalog: Catalog, prices: PriceRow[], build: BuildInfo, format: Format = 'prometheus', timestampMs?: number): string {
  const ts = timestampMs === undefined ? '' : ` ${format === 'openmetrics' ? timestampMs / 1000 : timestampMs}`;
  const out: string[] = [];
  const line = (name: string, names: string[], values: string[], v: number) =>
    out.push(`${name}${names.length ? `{${labelPairs(names, values)}}` : ''} ${v}${ts}\n`);

  out.push(header('ai_model_price_dollars_per_million_tokens', 'gauge', 'Price in force per million tokens, by token type.', format));
  for (const p of prices) line('ai_model_price_dollars_per_million_tokens', ['provider', 'model', 'token_type'], [p.provider, p.model, p.tokenType], p.dollarsPerMillion);

  out.push(header('ai_model_info', 'info', 'Model metadata from the catalog.', format));
  for (const m of catalog.models) {
    line('ai_model_info', ['provider', 'model', 'family', 'context_window', 'deprecated'],
      [m.provider, m.id, m.family, String(m.context_window ?? ''), String(m.deprecated)], 1);
  }
  out.push(header('ai_provider_info', 'info', 'Provider metadata: display name, colour, status.', format));
  for (const p of catalog.providers) line('ai_provider_info', ['provider', 'name', 'color', 'status'], [p.slug, p.name, p.color, p.status], 1);

  out.push(header('ai_budget_dollars', 'gauge', 'Monthly budget in US dollars by scope (total, team, provider, model).', format));
  if (catalog.budgets.total_monthly_dollars !== undefined) line('ai_budget_dollars', ['scope', 'name'], ['total', 'total'], catalog.budgets.total_monthly_dollars);
  for (const [scope, list] of [['team', catalog.budgets.teams], ['provider', catalog.budgets.providers], ['model', catalog.budgets.models]] as const) {
    for (const b of list) line('ai_budget_dollars', ['scope', 'name'], [scope, b.name], b.monthly_dollars);
  }
  out.push(header('ai_budget_warning_ratio', 'gauge', 'Fraction of a budget at which warnings start.', format));
  line('ai_budget_warning_ratio', [], [], catalog.budgets.warning_ratio);

  out.push(header('ai_slo_target', 'gauge', 'SLO targets per provider: availability and error_rate as ratios, latency_p95_seconds in seconds.', format));
  for (const p of catalog.providers) {
    const t = sloFor(catalog, p.slug);
    line('ai_slo_target', ['provider', 'slo'], [p.slug, 'availability'], t.availability);
    line('ai_slo_target', ['provider', 'slo'], [p.slug, 'latency_p95_seconds'], t.latency_p95_seconds);
    line('ai_slo_target', ['provider', 'slo'], [p.slug, 'error_rate'], t.error_rate);
  }
  out.push(header('ai_slo_period_seconds', 'gauge', 'Length of the SLO period over which the error budget is spent.', format));
  line('ai_slo_period_seconds', [], [], catalog.slo.period_days * 86400);

  out.push(header('ai_currency_exchange_rate', 'gauge', 'Units of the display currency per US dollar.', format));
  line('ai_currency_exchange_rate', ['currency'], [catalog.currency.display], catalog.currency.usd_rate);

  out.push(header('ai_exporter_build_info', 'info', 'tokenscope exporter build.', format));
  line('ai_exporter_build_info', ['version', 'nodejs'], [build.version, process.version], 1);
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
    header('ai_exporter_price_data_info', 'info', 'Price data genai-prices prices with: source bundled or file; version = library version or sha256 of the file.', format) +
    `ai_exporter_price_data_info{${labelPairs(['source', 'version'], [d.source, d.version])}} 1${ts}\n`;
  if (known) {
    out +=
      header('ai_exporter_price_data_timestamp_seconds', 'gauge', 'Date of the price data: release date of the bundled library version, or the prices file mtime.', format) +
      `ai_exporter_price_data_timestamp_seconds ${d.timestampMs / 1000}${ts}\n`;
  }
  out +=
    header('ai_exporter_price_data_max_age_seconds', 'gauge', 'Age above which price data counts as stale (--prices-max-age-days); 0 = not checked.', format) +
    `ai_exporter_price_data_max_age_seconds ${d.maxAgeDays * 86_400}${ts}\n` +
    header('ai_exporter_price_data_stale', 'gauge', '1 when the price data is older than ai_exporter_price_data_max_age_seconds.', format) +
    `ai_exporter_price_data_stale ${stale ? 1 : 0}${ts}\n`;
  return out;
}
