// The dashboards' request-store panels against a real PostgreSQL: the read-only role created by
// postgres/init/ (the script compose runs), the requests table created by the exporter's store,
// the known rows of store-fixture.ts, and every SQL panel query with Grafana's macros and
// variables substituted the way Grafana does. Each result is checked against the rows themselves,
// with the filters on All and set, and the reader is shown unable to change anything.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDashboards } from '../../dashboards-src/build.js';
import { STORE_TYPE, STORE_UID, TOP_ROWS, USAGE_LOG_ROWS } from '../../dashboards-src/store-panels.js';
import { PostgresRequestStore } from '../../exporter/src/request-store/postgres.js';
import type { StoredRequest } from '../../exporter/src/request-store/types.js';
import { findPostgresBin, startPostgres, type PgServer } from '../support/postgres.js';
import { REPO_ROOT } from '../support/processes.js';
import { DAY, makeRows, matches, NOW, sorted, sum } from './store-fixture.js';

type Vars = Record<'provider' | 'model' | 'team' | 'feature', string[] | 'All'>;
const ALL: Vars = { provider: 'All', model: 'All', team: 'All', feature: 'All' };

/** Grafana's regex escaping (the :regex format) of one value. */
const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Go's time.RFC3339Nano in UTC: no fractional part when it is zero, trailing zeros dropped. */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');

/**
 * A panel's SQL as Grafana's PostgreSQL datasource runs it: the time macros of its macro engine
 * for the range [fromMs, toMs], and the variables in the formats the query names (:regex: All
 * with a custom all value is that value unformatted, one value escaped, several as (a|b)).
 */
function grafanaSql(sql: string, fromMs: number, toMs: number, vars: Vars): string {
  const s = (ms: number) => String(Math.floor(ms / 1000));
  const ns = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
  let out = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, col: string) => `${col.trim()} BETWEEN '${rfc3339(fromMs)}' AND '${rfc3339(toMs)}'`)
    .replace(/\$__unixEpochFilter\(([^)]+)\)/g, (_m, col: string) => `${col.trim()} >= ${s(fromMs)} AND ${col.trim()} <= ${s(toMs)}`)
    .replaceAll('$__timeFrom()', `'${rfc3339(fromMs)}'`)
    .replaceAll('$__timeTo()', `'${rfc3339(toMs)}'`)
    .replaceAll('$__unixEpochNanoFrom()', ns(fromMs))
    .replaceAll('$__unixEpochNanoTo()', ns(toMs))
    .replaceAll('$__unixEpochFrom()', s(fromMs))
    .replaceAll('$__unixEpochTo()', s(toMs));
  out = out.replace(/\$\{(\w+):regex\}/g, (_m, name: keyof Vars) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`no value for variable ${name}`);
    if (v === 'All') return '.*';
    return v.length === 1 ? regexEscape(v[0]) : `(${v.map(regexEscape).join('|')})`;
  });
  const left = /\$\{?[A-Za-z_]\w*/.exec(out);
  if (left) throw new Error(`unsubstituted ${left[0]} in ${sql}`);
  return out;
}

interface SqlPanel {
  dashboard: string;
  title: string;
  sql: string;
}

function sqlPanels(): SqlPanel[] {
  const out: SqlPanel[] = [];
  for (const [path, content] of generateDashboards()) {
    if (!path.endsWith('.json')) continue;
    const d = JSON.parse(content);
    const visit = (p: any) => {
      if (p.type === 'row') return p.panels.forEach(visit);
      for (const t of p.targets ?? []) {
        if (t.datasource?.type !== STORE_TYPE) continue;
        expect(t.datasource.uid).toBe(STORE_UID);
        expect(p.datasource).toEqual(t.datasource);
        out.push({ dashboard: d.uid, title: p.title, sql: t.rawSql });
      }
    };
    d.panels.forEach(visit);
  }
  return out;
}

/** The filter variables as the panels mean them: an absent team or feature is "unknown". */
function selected(r: StoredRequest, v: Vars): boolean {
  const ok = (value: string, want: string[] | 'All') => want === 'All' || want.includes(value);
  return ok(r.provider, v.provider) && ok(r.model, v.model) && ok(r.team ?? 'unknown', v.team) && ok(r.feature ?? 'unknown', v.feature);
}

describe('request-store panels on a real PostgreSQL', () => {
  const rows = makeRows();
  const panels = sqlPanels();
  const byTitle = (t: string) => panels.find((p) => p.title === t)!;
  let server: PgServer;
  let store: PostgresRequestStore;
  let reader: pg.Client;
  let dir: string;
  const run = async (title: string, fromMs: number, toMs: number, vars: Vars = ALL) => (await reader.query(grafanaSql(byTitle(title).sql, fromMs, toMs, vars))).rows;

  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-store-panels-'));
    // The compose init script, as the image's entrypoint runs it (psql on the server's socket).
    const passwordFile = join(dir, 'reader-password');
    writeFileSync(passwordFile, 'reader-test-password\n');
    execFileSync('sh', [join(REPO_ROOT, 'postgres/init/10-grafana-reader.sh')], {
      env: {
        PATH: `${findPostgresBin()}:${process.env.PATH}`,
        PGHOST: '127.0.0.1',
        PGPORT: String(server.port),
        POSTGRES_USER: 'postgres',
        POSTGRES_DB: 'tokenscope',
        GRAFANA_PASSWORD_FILE: passwordFile,
      },
      stdio: 'pipe',
    });
    // The exporter's store creates the table after the role exists, as in compose.
    store = await PostgresRequestStore.open(server.url);
    expect(await store.insert(rows)).toBe(rows.length);
    reader = new pg.Client({ connectionString: `postgres://tokenscope_grafana:reader-test-password@127.0.0.1:${server.port}/tokenscope` });
    await reader.connect();
  }, 60_000);
  afterAll(async () => {
    await reader?.end();
    await store?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('are the usage log, top sessions, top users and active sessions, each taking the range and every filter', () => {
    expect(panels.map((p) => `${p.dashboard} / ${p.title}`).sort()).toEqual([
      'tokenscope-business-financial / Top Sessions by Cost',
      'tokenscope-business-financial / Top Users by Cost',
      'tokenscope-business-financial / Usage Log',
      'tokenscope-tokens-throughput / Active Sessions',
    ]);
    for (const p of panels) {
      for (const v of ['provider', 'model', 'team', 'feature']) expect(p.sql, `${p.title} applies $${v}`).toContain(`\${${v}:regex}`);
      expect(p.sql).toMatch(/\$__unixEpochNanoFrom\(\)/);
    }
  });

  it('usage log: the newest rows of the range with the documented columns, filters on All and set', async () => {
    const cases: Array<[number, number, Vars]> = [
      [NOW - 7 * DAY, NOW, ALL],
      [NOW - 30 * DAY, NOW, { ...ALL, provider: ['openai', 'google'], team: ['unknown'] }],
      [NOW - 30 * DAY, NOW, { ...ALL, model: ['gemini-2.5-flash'], feature: ['chat'] }],
      [NOW - 3 * DAY - 1234, NOW - DAY + 5678, { provider: ['anthropic'], model: 'All', team: ['core', 'growth'], feature: 'All' }],
    ];
    for (const [from, to, vars] of cases) {
      const want = sorted(rows.filter((r) => matches(r, { fromMs: from, toMs: to }) && selected(r, vars)), 'time', 'desc').slice(0, USAGE_LOG_ROWS);
      expect(want.length, JSON.stringify(vars)).toBeGreaterThan(3);
      const got = await run('Usage Log', from, to, vars);
      expect(got.map((g) => Object.keys(g))[0]).toEqual(['Date', 'Project', 'Provider', 'Model', 'Input Tokens', 'Output Tokens', 'Total Tokens', 'Cost', 'Status']);
      expect(
        got.map((g) => ({ ...g, Date: (g.Date as Date).toISOString(), Cost: g.Cost === null ? null : Math.round(Number(g.Cost) * 1e9) })),
        JSON.stringify(vars),
      ).toEqual(
        want.map((r) => ({
          Date: new Date(r.timestampMs).toISOString(),
          Project: r.project ?? null,
          Provider: r.provider,
          Model: r.model,
          'Input Tokens': r.inputTokens,
          'Output Tokens': r.outputTokens,
          'Total Tokens': r.inputTokens + r.outputTokens,
          Cost: r.priced ? Math.round(r.costUsd * 1e9) : null,
          Status: r.status,
        })),
      );
    }
    // The table loads the newest USAGE_LOG_ROWS of a range (the fixture has fewer; the API has every row).
    expect(byTitle('Usage Log').sql).toMatch(new RegExp(`ORDER BY ts_ms DESC, key DESC LIMIT ${USAGE_LOG_ROWS}$`));
  });

  it('top sessions and top users: the most expensive, with totals equal to the rows', async () => {
    for (const [title, col] of [['Top Sessions by Cost', 'session'], ['Top Users by Cost', 'user']] as const) {
      for (const vars of [ALL, { ...ALL, provider: ['openai'] }] as Vars[]) {
        const inRange = rows.filter((r) => matches(r, { fromMs: NOW - 30 * DAY, toMs: NOW }) && selected(r, vars) && r[col] !== undefined);
        const groups = new Map<string, StoredRequest[]>();
        for (const r of inRange) groups.set(r[col]!, [...(groups.get(r[col]!) ?? []), r]);
        const want = [...groups.entries()]
          .map(([k, rs]) => ({ k, rs, nano: rs.reduce((a, r) => a + Math.round(r.costUsd * 1e9), 0) }))
          .sort((a, b) => b.nano - a.nano || (a.k < b.k ? -1 : 1))
          .slice(0, TOP_ROWS);
        const got = await run(title, NOW - 30 * DAY, NOW, vars);
        const label = col === 'session' ? 'Session' : 'User';
        expect(got.map((g) => g[label]), `${title} ${JSON.stringify(vars)}`).toEqual(want.map((w) => w.k));
        got.forEach((g, i) => {
          const s = sum(want[i].rs);
          expect({ requests: Number(g.Requests), tokens: Number(g.Tokens) }).toEqual({ requests: s.requests, tokens: s.total });
          expect(Math.abs(Number(g.Cost) - s.cost)).toBeLessThan(1e-9);
          expect((g.First as Date).getTime()).toBe(Math.min(...want[i].rs.map((r) => r.timestampMs)));
          expect((g.Last as Date).getTime()).toBe(Math.max(...want[i].rs.map((r) => r.timestampMs)));
          if (col === 'user') expect(Number(g.Sessions)).toBe(new Set(want[i].rs.map((r) => r.session).filter(Boolean)).size);
        });
      }
    }
  });

  it('active sessions: distinct sessions in the range, with and without filters', async () => {
    for (const [from, to, vars] of [
      [NOW - 7 * DAY, NOW, ALL],
      [NOW - 30 * DAY, NOW, { ...ALL, model: ['gpt-4o', 'gpt-4o-mini'] }],
      [NOW + 1, NOW + 10 * DAY, ALL], // only the two future rows: they count when the range holds them
    ] as Array<[number, number, Vars]>) {
      const want = new Set(rows.filter((r) => matches(r, { fromMs: from, toMs: to }) && selected(r, vars) && r.session).map((r) => r.session)).size;
      const [got] = await run('Active Sessions', from, to, vars);
      expect(Number(got['Active Sessions']), JSON.stringify(vars)).toBe(want);
    }
  });

  it('the Grafana role reads the store and cannot change it', async () => {
    for (const statement of [`DELETE FROM requests`, `UPDATE requests SET cost_nusd = 0`, `INSERT INTO requests (key) VALUES ('x')`, 'CREATE TABLE t (x int)']) {
      await expect(reader.query(statement), statement).rejects.toThrow(/read-only transaction|permission denied/);
    }
    // Even with the read-only default switched off in its session, the grants stop it.
    await reader.query('SET default_transaction_read_only = off');
    await expect(reader.query('DELETE FROM requests')).rejects.toThrow(/permission denied/);
    expect(Number((await reader.query('SELECT COUNT(*) AS n FROM requests')).rows[0].n)).toBe(rows.length);
  });
});
