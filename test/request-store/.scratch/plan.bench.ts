import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRequestStore } from '../../../exporter/src/request-store/sqlite.js';
import { logPageSql, sqlitePh } from '../../../exporter/src/request-store/sql.js';
const dir = mkdtempSync(join(tmpdir(), 'h7plan-'));
new SqliteRequestStore(join(dir, 'p.db')).close();
const db = new Database(join(dir, 'p.db'));
for (const [sort, ix] of [['cost', 'requests_cost'], ['time', 'requests_ts'], ['cost', 'requests_ts'], ['project', undefined]] as const) {
  const q = logPageSql({ fromMs: 0, toMs: 1e13, provider: ['openai'], page: 1, pageSize: 50, sort, order: 'desc' }, sqlitePh, ix);
  console.log(sort, ix, db.prepare('EXPLAIN QUERY PLAN ' + q.text).all(...q.params).map((r: any) => r.detail).join(' | '));
}
