// Panels that read the request store (PostgreSQL, the `requests` table of
// exporter/src/request-store/migrations.ts) with SQL: the usage log, top sessions and users by
// cost, and active sessions. Per-request rows, sessions and users are never Prometheus labels, so
// these panels cannot come from PromQL; Loki keeps the error tail and the application logs.
// Every query takes the dashboard's time range and its provider, model, team and feature filters.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { BigValueColorMode, BigValueGraphMode, ReduceDataOptionsBuilder, TableFooterOptionsBuilder, TableSortByFieldStateBuilder, type DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { TABLE } from '../exporter/src/request-store/sql.js';
import { catalog } from './defaults.js';
import { fieldOverrides, unit } from './panels.js';
import { CURRENCY, MONEY } from './queries.js';

/** The provisioned PostgreSQL datasource (provisioning/datasources/datasources.yaml). */
export const STORE_UID = 'tokenscope-store';
export const STORE_TYPE = 'grafana-postgresql-datasource';
export const STORE: DataSourceRef = { type: STORE_TYPE, uid: STORE_UID };

/** A raw-SQL table query of Grafana's PostgreSQL datasource (the SDK has no builder for it). */
export interface SqlTarget {
  refId?: string;
  datasource: DataSourceRef;
  rawSql: string;
  rawQuery: true;
  editorMode: 'code';
  format: 'table';
}

class SqlQuery implements cog.Builder<cog.Dataquery> {
  constructor(private readonly sql: string) {}
  build(): cog.Dataquery {
    const t: SqlTarget = { datasource: STORE, rawSql: this.sql, rawQuery: true, editorMode: 'code', format: 'table' };
    return { ...t, _implementsDataqueryVariant() {} };
  }
}

export const sql = (text: string) => new SqlQuery(text);

/**
 * The dashboard's time range in epoch milliseconds (ts_ms, which the time index covers), exact to
 * the millisecond through Grafana's nanosecond macros; half-open like every store query.
 */
const RANGE = 'ts_ms >= $__unixEpochNanoFrom() / 1000000 AND ts_ms < $__unixEpochNanoTo() / 1000000';

/**
 * The filter variables. All is their allValue ".*"; several values come as (a|b) with regex
 * characters escaped (Grafana's :regex format). An absent team or feature is "unknown" on the
 * metrics, which is what the variables list, so the same word selects it here.
 */
const FILTERS = [
  "provider ~ '^(${provider:regex})$'",
  "model ~ '^(${model:regex})$'",
  "COALESCE(team, 'unknown') ~ '^(${team:regex})$'",
  "COALESCE(feature, 'unknown') ~ '^(${feature:regex})$'",
].join(' AND ');

/** Costs are integer nano-dollars; shown in the catalog's display currency. */
const rate = catalog.currency.usd_rate;
const money = (nanoExpr: string) => `${nanoExpr} / 1000000000.0${rate === 1 ? '' : ` * ${rate}`}`;
const time = (msExpr: string) => `to_timestamp(${msExpr} / 1000.0)`;

/** Newest rows the usage log table loads; the usage API and its CSV export have every row. */
export const USAGE_LOG_ROWS = 1000;
export const TOP_ROWS = 20;

export const USAGE_LOG_SQL =
  `SELECT ${time('ts_ms')} AS "Date", project AS "Project", provider AS "Provider", model AS "Model", ` +
  `input_tokens AS "Input Tokens", output_tokens AS "Output Tokens", total_tokens AS "Total Tokens", ` +
  `CASE WHEN priced = 1 THEN ${money('cost_nusd')} END AS "Cost", status AS "Status" ` +
  `FROM ${TABLE} WHERE ${RANGE} AND ${FILTERS} ORDER BY ts_ms DESC, key DESC LIMIT ${USAGE_LOG_ROWS}`;

const top = (col: string, label: string, extra: string) =>
  `SELECT ${col} AS "${label}", ${extra}COUNT(*) AS "Requests", SUM(total_tokens) AS "Tokens", ${money('SUM(cost_nusd)')} AS "Cost", ` +
  `${time('MIN(ts_ms)')} AS "First", ${time('MAX(ts_ms)')} AS "Last" ` +
  `FROM ${TABLE} WHERE ${RANGE} AND ${col} IS NOT NULL AND ${FILTERS} GROUP BY ${col} ORDER BY SUM(cost_nusd) DESC, ${col} LIMIT ${TOP_ROWS}`;

export const TOP_SESSIONS_SQL = top('session_p', 'Session', '');
export const TOP_USERS_SQL = top('user_p', 'User', 'COUNT(DISTINCT session_p) AS "Sessions", ');
export const ACTIVE_SESSIONS_SQL = `SELECT COUNT(DISTINCT session_p) AS "Active Sessions" FROM ${TABLE} WHERE ${RANGE} AND ${FILTERS}`;

const tokenColumns = (names: string[]) => Object.fromEntries(names.map((n) => [n, [unit('short')]]));
const moneyColumn = { Cost: [unit(MONEY), { id: 'decimals', value: 4 }] };
const STORE_NOTE = 'from the request store (PostgreSQL), every counted request as a row; users and sessions are keyed pseudonyms, never names';

export function usageLogTable(): Table {
  return fieldOverrides(
    new Table()
      .title('Usage Log')
      .description(
        `What did each individual request use and cost? The newest ${USAGE_LOG_ROWS} requests over the selected range, ${STORE_NOTE}; paginated, sort by any column. ` +
          `Cost in ${CURRENCY}, empty when the request could not be priced. Every row, as JSON pages or CSV: GET /api/usage/log (docs/usage-api.md).`,
      )
      .datasource(STORE)
      .withTarget(sql(USAGE_LOG_SQL))
      .sortBy([new TableSortByFieldStateBuilder().displayName('Date').desc(true)])
      .footer(new TableFooterOptionsBuilder().show(false).reducer([]).enablePagination(true)),
    { ...tokenColumns(['Input Tokens', 'Output Tokens', 'Total Tokens']), ...moneyColumn },
  );
}

function topTable(title: string, what: string, query: string, tokenCols: string[]): Table {
  return fieldOverrides(
    new Table()
      .title(title)
      .description(`${what} The ${TOP_ROWS} most expensive over the selected range, ${STORE_NOTE}. Cost in ${CURRENCY}.`)
      .datasource(STORE)
      .withTarget(sql(query))
      .sortBy([new TableSortByFieldStateBuilder().displayName('Cost').desc(true)]),
    { ...tokenColumns(tokenCols), ...moneyColumn },
  );
}

export const topSessionsTable = () =>
  topTable('Top Sessions by Cost', 'Which sessions cost the most, and over how long did they run?', TOP_SESSIONS_SQL, ['Requests', 'Tokens']);

export const topUsersTable = () =>
  topTable('Top Users by Cost', 'Which users cost the most? GET /api/usage/users/<pseudonym> has one user by model and by day.', TOP_USERS_SQL, ['Sessions', 'Requests', 'Tokens']);

export function activeSessionsStat(): StatPanel {
  return new StatPanel()
    .title('Active Sessions')
    .description(`How many distinct sessions made requests over the selected range? Counted ${STORE_NOTE}; sessions are never metric labels.`)
    .datasource(STORE)
    .unit('short')
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('text'))
    .withTarget(sql(ACTIVE_SESSIONS_SQL));
}

/** Grafana's provisioning entry for the store. The password is read from a file at start, never kept here. */
export function storeDatasource() {
  return {
    name: 'Request store',
    type: STORE_TYPE,
    uid: STORE_UID,
    access: 'proxy',
    url: 'postgres:5432',
    // A read-only role (postgres/init/): a dashboard's SQL can read the rows, never change them.
    user: 'tokenscope_grafana',
    editable: false,
    jsonData: { database: 'tokenscope', sslmode: 'disable', postgresVersion: 1500, maxOpenConns: 4, connMaxLifetime: 14400 },
    secureJsonData: { password: '$__file{/run/secrets/tokenscope_postgres_grafana_password}' },
  };
}
