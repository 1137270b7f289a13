// Small helpers every dashboard module uses: queries bound to the datasource variables, legends,
// the catalog's provider colours, per-provider SLO thresholds, drill-down links, and the few panel
// shapes several dashboards share (stat, donut, alert list, hourly stacked bars).
import {
  DashboardLinkBuilder,
  DashboardLinkType,
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  type DataTransformerConfig,
  type DynamicConfigValue,
  type ThresholdsConfigBuilder,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  GraphDrawStyle,
  StackingConfigBuilder,
  StackingMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TableSortByFieldStateBuilder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder as LokiQuery, LokiQueryDirection, QueryEditorMode as LokiEditorMode } from '@grafana/grafana-foundation-sdk/loki';
import { PanelBuilder as PieChart, PieChartLabels, PieChartLegendOptionsBuilder, PieChartLegendValues, PieChartType } from '@grafana/grafana-foundation-sdk/piechart';
import { DataqueryBuilder as PromQuery, PromQueryFormat, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import type { SloTargets } from '../catalog/src/schema.js';
import { catalog, LOKI, PROM } from './defaults.js';
import { providerSloOverrides } from './thresholds.js';

export interface PromOptions {
  legend?: string;
  /** Instant query (stats over $__range, tables, pies); default is a range query. */
  instant?: boolean;
  /** Table format: one row per series with labels as columns (for merge/organize). */
  table?: boolean;
}

export function prom(expr: string, o: PromOptions = {}): PromQuery {
  const q = new PromQuery().datasource(PROM).editorMode(QueryEditorMode.Code).expr(expr);
  if (o.instant) q.instant();
  else q.range();
  if (o.table) q.format(PromQueryFormat.Table);
  // "__auto" is Grafana's own default; an explicit legend keeps series names stable for overrides.
  q.legendFormat(o.legend ?? '__auto');
  return q;
}

export function loki(expr: string, o: { maxLines?: number; instant?: boolean } = {}): LokiQuery {
  const q = new LokiQuery().datasource(LOKI).editorMode(LokiEditorMode.Code).expr(expr);
  q.queryType(o.instant ? 'instant' : 'range');
  if (o.maxLines !== undefined) q.maxLines(o.maxLines).direction(LokiQueryDirection.Backward);
  return q;
}

export function legend(o: { table?: boolean; calcs?: string[]; right?: boolean; hidden?: boolean } = {}): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(!o.hidden)
    .displayMode(o.hidden ? LegendDisplayMode.Hidden : o.table ? LegendDisplayMode.Table : LegendDisplayMode.List)
    .placement(o.right ? LegendPlacement.Right : LegendPlacement.Bottom)
    .calcs(o.calcs ?? []);
}

/** All series in the tooltip, biggest first: the useful order when comparing providers. */
export function tooltip(): VizTooltipOptionsBuilder {
  return new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending);
}

interface Overridable {
  overrideByName(name: string, properties: DynamicConfigValue[]): unknown;
  overrideByRegexp(regexp: string, properties: DynamicConfigValue[]): unknown;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The catalog's provider colours as overrides. `name`: the series is named exactly by the slug
 * (legend `{{provider}}`), matched byName. `prefix`: the name starts with the slug followed by a
 * space or "/" (legend `{{provider}} p95`, `{{provider}}/{{model}}`); Grafana anchors a byRegexp
 * pattern that is not written as /…/, so the pattern covers the whole name.
 */
export function providerColors<T extends Overridable>(panel: T, match: 'name' | 'prefix' = 'name'): T {
  for (const p of catalog.providers) {
    const color: DynamicConfigValue = { id: 'color', value: { mode: 'fixed', fixedColor: p.color } };
    if (match === 'name') panel.overrideByName(p.slug, [color]);
    else panel.overrideByRegexp(`${escapeRegex(p.slug)}([ /].*)?`, [color]);
  }
  return panel;
}

/** Per-provider thresholds for providers whose catalog SLO differs from the global one. */
export function providerThresholds<T extends Overridable>(panel: T, fn: (slo: SloTargets) => ThresholdsConfigBuilder): T {
  const global = JSON.stringify(fn(catalog.slo.global).build());
  for (const { provider, slo } of providerSloOverrides()) {
    const own = fn(slo).build();
    // Only where this provider's targets change these thresholds (groq's latency target does not
    // change its availability colours).
    if (JSON.stringify(own) !== global) panel.overrideByName(provider, [{ id: 'thresholds', value: own }]);
  }
  return panel;
}

/** Per-field display settings (units, names, colours) as overrides by field name. */
export function fieldOverrides<T extends Overridable>(panel: T, fields: Record<string, DynamicConfigValue[]>): T {
  for (const [name, props] of Object.entries(fields)) panel.overrideByName(name, props);
  return panel;
}

export const unit = (u: string): DynamicConfigValue => ({ id: 'unit', value: u });

/** An XY chart dimension picked by field name (after organize renamed the columns). */
export const byName = (name: string) => ({ matcher: { id: 'byName', options: name } });

/** Variables that travel with every drill-down, so the target opens on the same datasources and time. */
const KEEP = '${datasource:queryparam}&${loki:queryparam}&${__url_time_range}';

/**
 * A data link to another generated dashboard. `params` are extra query parameters such as
 * `var-provider=${__field.labels.provider}` (series panels) or `var-provider=${__data.fields.provider}` (tables).
 */
export function drillDown(title: string, uid: string, params: string[]): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(`/d/${uid}?${[...params, KEEP].join('&')}`)
    .tooltip(title)
    .icon('dashboard')
    .tags([])
    .asDropdown(false)
    .targetBlank(false)
    .includeVars(false)
    .keepTime(false);
}

// Transformations used by table-shaped panels (merged instant queries).

/** Joins instant table-format queries on their common labels into one row per series. */
export const merge: DataTransformerConfig = { id: 'merge', options: {} };

/** Hides, renames and orders columns; `columns` maps source field name to display name, in order. */
export function organize(columns: Record<string, string>, exclude: string[] = ['Time', '__name__']): DataTransformerConfig {
  const indexByName: Record<string, number> = {};
  Object.keys(columns).forEach((k, i) => (indexByName[k] = i));
  return {
    id: 'organize',
    options: { excludeByName: Object.fromEntries(exclude.map((e) => [e, true])), indexByName, renameByName: columns },
  };
}

/** Keeps only the named fields (drops whatever other labels a log shipper or Prometheus adds). */
export function keepFields(names: string[]): DataTransformerConfig {
  return { id: 'filterFieldsByName', options: { include: { names } } };
}

/** A stat panel with the shared look: last value, coloured by thresholds, optional sparkline. */
export function stat(title: string, description: string, o: { unit: string; thresholds?: ThresholdsConfigBuilder; sparkline?: boolean; background?: boolean; decimals?: number }): StatPanel {
  const p = new StatPanel()
    .title(title)
    .description(description)
    .datasource(PROM)
    .unit(o.unit)
    .graphMode(o.sparkline ? BigValueGraphMode.Area : BigValueGraphMode.None)
    .colorMode(o.background ? BigValueColorMode.Background : BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds));
  if (o.thresholds) p.thresholds(o.thresholds);
  if (o.decimals !== undefined) p.decimals(o.decimals);
  return p;
}

/** A donut of one quantity over the range, with value and percent in the legend. */
export function donut(title: string, description: string, expr: string, o: { unit: string; legend: string; providerColours?: boolean }): PieChart {
  const p = new PieChart()
    .title(title)
    .description(description)
    .datasource(PROM)
    .unit(o.unit)
    .pieType(PieChartType.Donut)
    .displayLabels([PieChartLabels.Percent])
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .legend(
      new PieChartLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Right)
        .values([PieChartLegendValues.Value, PieChartLegendValues.Percent])
        .calcs([]),
    )
    .tooltip(tooltip())
    .withTarget(prom(expr, { instant: true, legend: o.legend }));
  return o.providerColours ? providerColors(p) : p;
}

/** Circuit-breaker state gauge values (docs/metrics.md: 0 closed, 1 half-open, 2 open) as words and colours. */
export const BREAKER_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      '0': { text: 'CLOSED', color: 'green', index: 0 },
      '1': { text: 'HALF-OPEN', color: 'yellow', index: 1 },
      '2': { text: 'OPEN', color: 'red', index: 2 },
    },
  },
];

/**
 * Table cells coloured by the field's thresholds or value mappings. `applyToRow: false` is
 * Grafana's default, spelled out because it is what tells this cell type apart from the others in
 * the published table schema (their `type` fields are not discriminating).
 */
export function colourCell(): DynamicConfigValue {
  return { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'gradient', applyToRow: false } };
}

/** Alert severities of the tokenscope rules (prometheus/src/model.ts), most urgent first. */
const SEVERITIES = ['page', 'ticket', 'info', 'none'];

/**
 * A table of the tokenscope alerts (Prometheus' ALERTS series), most urgent first. ALERTS is
 * always 1, so the query turns it into a priority (page 4 … none 1) to sort on; `extra` narrows it
 * (e.g. alertstate="firing"). `provider=~"$provider|"` keeps alerts that have no provider label.
 */
export function alertList(title: string, description: string, extra: string): Table {
  const sel = ['provider=~"$provider|"', extra].filter(Boolean).join(', ');
  const ranked = SEVERITIES.map((sev, i) => `ALERTS{${sel}, severity="${sev}"} * ${SEVERITIES.length - i}`).join(' or ');
  const priority: ValueMapping = {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      SEVERITIES.map((sev, i) => [String(SEVERITIES.length - i), { text: sev, color: ['red', 'orange', 'blue', 'text'][i], index: i }]),
    ),
  };
  return fieldOverrides(
    new Table()
      .title(title)
      .description(description)
      .datasource(PROM)
      .withTarget(prom(`sort_desc(${ranked})`, { instant: true, table: true }))
      .transformations([
        // ALERTS carries every label of the alerting rule's result; keep the ones a responder scans.
        keepFields(['Value', 'alertname', 'alertstate', 'provider', 'model', 'scope', 'name']),
        organize({ Value: 'Severity', alertname: 'Alert', alertstate: 'State', provider: 'Provider', model: 'Model', scope: 'Budget scope', name: 'Budget' }, []),
      ])
      .sortBy([new TableSortByFieldStateBuilder().displayName('Severity').desc(true)])
      .noValue('No alerts'),
    { Severity: [{ id: 'mappings', value: [priority] }, colourCell()] },
  );
}

/** Hourly request counts as stacked bars over a fixed window (the "Request Volume" panels). */
export function hourlyRequestBars(title: string, description: string, window: string, target: PromQuery): TimeSeries {
  return new TimeSeries()
    .title(title)
    .description(description)
    .datasource(PROM)
    .timeFrom(window)
    .interval('1h')
    .unit('short')
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
    .legend(legend({ table: true, right: true, calcs: ['sum'] }))
    .tooltip(tooltip())
    .withTarget(target);
}
