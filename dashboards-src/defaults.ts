// Shared dashboard defaults, like kubernetes-mixin's defaults.libsonnet: one place for the title
// prefix, tags, the dashboards dropdown, refresh choices, timezone and the template variables every
// dashboard carries. The catalog (providers, colours, SLO targets, budgets) is read once, here.
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  TimeOptionBuilder,
  TimePickerBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { catalogFingerprint } from '../catalog/src/fingerprint.js';
import { loadCatalog } from '../catalog/src/load.js';
import type { Catalog } from '../catalog/src/schema.js';

export const catalog: Catalog = loadCatalog();
/** The catalog these dashboards are built from: tagged `catalog-<fingerprint>` and compared with ai_catalog_info. */
export const CATALOG_FINGERPRINT = catalogFingerprint(catalog);

export const TITLE_PREFIX = 'Tokenscope / ';

/** Stable, readable uids (never derived from titles): links and bookmarks survive a rename. */
export const UID = {
  executive: 'tokenscope-executive-overview',
  models: 'tokenscope-model-performance',
  providers: 'tokenscope-provider-comparison',
  business: 'tokenscope-business-financial',
  incident: 'tokenscope-incident-response',
  tokens: 'tokenscope-tokens-throughput',
} as const;
/** Every generated dashboard carries these; the dropdown link lists dashboards by the first one. */
export const TAGS = ['tokenscope', 'generated'];
/**
 * UTC: the recording rules' period-to-date spend (day_to_date, month_to_date) and the budgets use
 * UTC calendar periods, so "today" on a panel must mean the same day for every viewer.
 */
export const TIMEZONE = 'utc';

/**
 * Dashboard JSON schemaVersion: the newest that the Grafana docker-compose.yml pins (12.1) knows,
 * 41. Foundation SDK 0.0.21 writes 42 (Grafana 12.2+), which an older Grafana would load with
 * an unknown version; test/compose maps the pinned Grafana tag to its highest schemaVersion.
 */
export const SCHEMA_VERSION = 41;

/** Fixed datasource uids, the same as provisioning/datasources/datasources.yaml. */
export const PROMETHEUS_UID = 'prometheus';
export const LOKI_UID = 'loki';

/** Queries name the datasource through the variables, so a user can point a dashboard elsewhere. */
export const PROM: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
export const LOKI: DataSourceRef = { type: 'loki', uid: '${loki}' };

/** Refresh choices in the picker: every per-panel rate the dashboards use (5s…300s) plus slower ones. */
const REFRESH_INTERVALS = ['5s', '10s', '15s', '30s', '1m', '5m', '15m', '30m', '1h'];

/** The usual reporting periods (1h, today, 24h, 7d, 30d) as one-click ranges. */
const QUICK_RANGES: Array<[string, string]> = [
  ['Last 1 hour', 'now-1h'],
  ['Today so far', 'now/d'],
  ['Last 24 hours', 'now-24h'],
  ['Last 7 days', 'now-7d'],
  ['Last 30 days', 'now-30d'],
];

/**
 * Label filters the template variables apply, by which labels a metric carries (docs/metrics.md):
 * team and feature exist only on the request, token, cost and revenue series; latency and error
 * series carry provider and model only; breaker and catalog series carry provider only.
 */
export const F = {
  usage: 'provider=~"$provider", model=~"$model", team=~"$team", feature=~"$feature"',
  model: 'provider=~"$provider", model=~"$model"',
  provider: 'provider=~"$provider"',
};

/** The filter variables every dashboard shows (test/dashboards checks each query against them). */
export const FILTER_VARIABLES = ['provider', 'model', 'team', 'feature'] as const;
export type FilterVariable = (typeof FILTER_VARIABLES)[number];

/**
 * The sentence a panel description carries for filters its queries cannot apply, e.g.
 * "Ignores the team and feature filters: latency is not kept per team or feature." Tests parse
 * "Ignores the … filter(s)" to know which variables a panel does not claim to honour.
 */
export function ignores(vars: FilterVariable[], reason: string): string {
  const list = vars.length === 1 ? vars[0] : `${vars.slice(0, -1).join(', ')} and ${vars.at(-1)}`;
  return ` Ignores the ${list} filter${vars.length === 1 ? '' : 's'}: ${reason}.`;
}

/** Parses ignores() sentences back out of a description. */
export function ignoredFilters(description: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of (description ?? '').matchAll(/Ignores the ([a-z, ]+?) filters?\b/g)) {
    for (const v of m[1].split(/, | and /)) out.add(v.trim());
  }
  return out;
}

function labelVariable(name: string, label: string, query: string, description: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(PROM)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalCaseInsensitiveAsc)
    .multi(true)
    .includeAll(true)
    // ".*" rather than Grafana's default list of every value: keeps URLs and queries short, and
    // matches series whose value appeared after the dashboard loaded.
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/** datasource, loki, provider, model, team, feature: the same variables on every dashboard. */
function variables() {
  return [
    new DatasourceVariableBuilder('datasource')
      .label('Prometheus')
      .type('prometheus')
      .current({ selected: true, text: 'Prometheus', value: PROMETHEUS_UID }),
    new DatasourceVariableBuilder('loki')
      .label('Loki')
      .type('loki')
      .current({ selected: true, text: 'Loki', value: LOKI_UID }),
    labelVariable('provider', 'Provider', 'label_values(ai_requests_total, provider)', 'Catalog provider slug.'),
    // Chained on provider so the list stays short; model ids repeat across providers (gpt-4o on openai and azure).
    labelVariable('model', 'Model', 'label_values(ai_requests_total{provider=~"$provider"}, model)', 'Model id as the provider reported it.'),
    // Request, token, cost and revenue panels honour every variable; the few panels on series that
    // carry no team or feature label (latency, health, SLO, budgets) say so in their description.
    labelVariable('team', 'Team', 'label_values(ai_requests_total{provider=~"$provider"}, team)', 'Caller-supplied team ("unknown" when absent). Panels whose series carry no team label (latency, health, SLO, budgets) say in their description that they ignore it.'),
    labelVariable('feature', 'Feature', 'label_values(ai_requests_total{provider=~"$provider"}, feature)', 'Caller-supplied feature ("unknown" when absent). Panels whose series carry no feature label (latency, health, SLO, budgets) say in their description that they ignore it.'),
  ];
}

export interface DashboardOptions {
  uid: string;
  title: string;
  description: string;
  /** Extra tags besides TAGS. */
  tags: string[];
  /** Dashboard refresh: the fastest rate any of this dashboard's panels wants. */
  refresh: string;
  /** Default time range, e.g. now-24h. */
  from: string;
}

/**
 * Marks, on every time-series panel, when a series was exported under another catalog than this
 * dashboard's (a mis-deployed exporter, or backfilled data): its thresholds and budgets may not
 * fit those numbers. An annotation rather than a panel, so no dashboard's layout changes.
 */
function catalogMismatchAnnotation(): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name('Catalog mismatch')
    .datasource(PROM)
    .enable(true)
    .iconColor('red')
    .target(new PromQuery().refId('catalog').expr(`max by (job, instance, fingerprint) (ai_catalog_info{fingerprint!="${CATALOG_FINGERPRINT}"})`))
    .step('1m')
    .titleFormat('Catalog mismatch')
    .textFormat(`{{instance}} exported with catalog {{fingerprint}}; this dashboard was built from catalog ${CATALOG_FINGERPRINT}.`)
    .tagKeys('instance,fingerprint');
}

/** A DashboardBuilder with the shared defaults; panels are added by the caller (see layout.ts). */
export function baseDashboard(o: DashboardOptions): DashboardBuilder {
  return new DashboardBuilder(TITLE_PREFIX + o.title)
    .uid(o.uid)
    .description(o.description)
    .tags([...TAGS, ...o.tags, `catalog-${CATALOG_FINGERPRINT}`])
    .annotation(catalogMismatchAnnotation())
    .timezone(TIMEZONE)
    .time({ from: o.from, to: 'now' })
    .refresh(o.refresh)
    .timepicker(
      new TimePickerBuilder()
        .refreshIntervals(REFRESH_INTERVALS)
        .quickRanges(QUICK_RANGES.map(([display, from]) => new TimeOptionBuilder().display(display).from(from).to('now'))),
    )
    // Shared crosshair: incident work compares error rate, latency and traffic at the same instant.
    .tooltip(DashboardCursorSync.Crosshair)
    .variables(variables())
    .link(
      new DashboardLinkBuilder('Tokenscope dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags([TAGS[0]])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

/** Latency histograms carry provider and model only. */
export const IGNORES_LATENCY = ignores(['team', 'feature'], 'latency histograms are kept per provider and model only, not per team or feature (on purpose: buckets per team and feature would multiply the series)');
/** Health scores (error ratio, latency, breaker) are recorded per provider. */
export const IGNORES_HEALTH = ignores(['model', 'team', 'feature'], 'health scores are recorded per provider, from error, latency and breaker series that carry no team or feature label');
/** Provider-failed ratios and SLO series (from ai_request_errors_total by error_type) are per provider. */
export const IGNORES_SLO = ignores(['model', 'team', 'feature'], 'availability and SLO series are recorded per provider, from error series that carry no team or feature label');
