// --prices-file and --prices-max-age-days, shared by every command that prices (serve, ingest,
// backfill). Applied before the Pipeline is built, so its Pricer memoises the loaded data.
import type { Catalog } from '../../../catalog/src/schema.js';
import { loadPriceData, type PriceDataInfo } from '../pricing/price-data.js';

export interface PriceDataOptions {
  pricesFile?: string;
  pricesMaxAgeDays?: number;
}

/** Loads the price data the options ask for and hands each warning to `warn`; throws PriceDataError on a bad file. */
export function applyPriceOptions(opts: PriceDataOptions, catalog: Catalog, warn: (message: string) => void): PriceDataInfo {
  const pricingIds = catalog.providers.flatMap((p) => (p.pricing_id ? [p.pricing_id] : []));
  const { info, warnings } = loadPriceData(opts.pricesFile, { maxAgeDays: opts.pricesMaxAgeDays, pricingIds });
  for (const w of warnings) warn(w);
  return info;
}
