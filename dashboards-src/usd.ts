// US dollars beside the display currency on the headline money stats. Money panels show the
// catalog's display currency (queries.ts money()); Grafana cannot make a unit follow a variable,
// so a finance reader who needs dollars (invoices, provider bills are in USD) gets a second query
// in dollars on the few headline stats, shown with its own unit by a per-query override. With a
// USD display currency the panels stay as they are.
import type { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import type { ThresholdsConfigBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { prom, unit } from './panels.js';
import { CURRENCY } from './queries.js';

/** The refId of the dollar query, matched by the override (byFrameRefID). */
export const USD_REF_ID = 'USD';
/** The dollar value's unit. */
export const USD_UNIT = 'currencyUSD';
export const SHOWS_USD = CURRENCY !== 'USD';

/** What the panel descriptions add when the second value is there. */
export const USD_NOTE = SHOWS_USD ? ` The second value is the same amount in US dollars, as the exporter counts it (no exchange rate applied).` : '';

/**
 * Adds `usdExpr` (a plain-dollar PromQL expression) as query USD with a currencyUSD unit, when
 * the display currency is not USD; `thresholds` in dollars, if the panel colours by thresholds.
 */
export function withUsd(panel: StatPanel, usdExpr: string, legend: string, thresholds?: ThresholdsConfigBuilder): StatPanel {
  if (!SHOWS_USD) return panel;
  panel.withTarget(prom(usdExpr, { instant: true, legend }).refId(USD_REF_ID));
  panel.overrideByQuery(USD_REF_ID, [unit(USD_UNIT), ...(thresholds ? [{ id: 'thresholds', value: thresholds.build() }] : [])]);
  return panel;
}
