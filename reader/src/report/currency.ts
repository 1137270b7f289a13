// Metrics are in US dollars; people read reports in the catalog's display currency
// (`currency.display`, converted with `currency.usd_rate` units per dollar). Conversion happens
// once, when the numbers leave for a human or a spreadsheet, never inside PromQL.
import type { Catalog } from '../../../catalog/src/schema.js';

export interface Currency {
  /** ISO 4217 code, e.g. EUR. */
  code: string;
  /** Display-currency units per US dollar. */
  usdRate: number;
}

export function currencyOf(catalog: Catalog): Currency {
  return { code: catalog.currency.display, usdRate: catalog.currency.usd_rate };
}

export function fromUsd(usd: number, c: Currency): number {
  return usd * c.usdRate;
}

/** "1,234.56 EUR": thousands separators, a fixed number of decimals, the code after. */
export function formatMoney(amount: number, c: Currency, decimals = 2): string {
  return `${amount.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })} ${c.code}`;
}
