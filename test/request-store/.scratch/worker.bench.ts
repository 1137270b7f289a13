import Database from 'better-sqlite3';
import * as crypto from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../catalog/src/load.js';
import { Pipeline } from '../../../exporter/src/ingest/pipeline.js';
import { encodeBatch } from '../../../exporter/src/request-store/batch.js';
import { INSERTER_SOURCE } from '../../../exporter/src/request-store/sqlite-inserter.js';
import { KEY_SOURCE } from '../../../exporter/src/request-store/row.js';
import { SqliteRequestStore } from '../../../exporter/src/request-store/sqlite.js';
import { makeTruths, render } from '../../support/traffic.js';
const T0 = Date.UTC(2025, 0, 1);
const lines = makeTruths(60_000, { seed: 5, startMs: T0, spanMs: 86_400_000 }).map((t, i) => {
  const o = JSON.parse(render(t, 'canonical')) as Record<string, unknown>;
  o.user_id = `user-${i % 5000}`; o.session_id = `session-${i % 40_000}`;
  return JSON.stringify(o);
});
const items: any[] = [];
const p = new Pipeline(loadCatalog());
p.addSink({ request: (rec: any, price: any) => items.push({ rec, price }) } as any);
for (const l of lines) p.ingestLine(l, 'file');
const variants: Record<string, (s: string) => string> = {
  full: (s) => s,
  noflush: (s) => s.replace('flush(m, 1);\n    return fresh;', 'return fresh;'),
  noadd: (s) => s.replace('fresh++;\n      add(', 'fresh++; if (0) add('),
  nohmac: (s) => s.replace(/user = pseudonymOf\(pk, user\)/, 'user = user').replace(/session = pseudonymOf\(pk, session\)/, 'session = session'),
  noinsert: (s) => s.replace('const changed = ins.run(', 'const changed = 1 || ins.run('),
};
for (const [name, f] of Object.entries(variants)) {
  const dir = mkdtempSync(join(tmpdir(), 'h7w-'));
  new SqliteRequestStore(join(dir, 'p.db')).close();
  const db = new Database(join(dir, 'p.db'));
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('cache_size = -65536');
  const ins = new Function(`return ${f(INSERTER_SOURCE)};`)()(db, [3600000, 86400000], crypto, new Function(`return ${KEY_SOURCE};`)(), 16);
  const c0 = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < items.length; i += 2000) ins.insert(encodeBatch(items.slice(i, i + 2000), 'bench-key'));
  const cu = process.cpuUsage(c0);
  console.log(name, ((performance.now() - t) * 1000 / items.length).toFixed(1), 'us wall', ((cu.user + cu.system) / items.length).toFixed(1), 'us cpu', db.prepare('select count(*) n from requests_rollup').get());
}
