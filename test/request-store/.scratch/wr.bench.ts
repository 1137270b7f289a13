import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRequestStore } from '../../../exporter/src/request-store/sqlite.js';
import { makeRows } from '../fixture.js';
const T0 = Date.UTC(2025, 0, 1);
const N = Number(process.argv[2] ?? 300000);
const sample = makeRows(N, 9).map((r, i) => ({ ...r, key: `w:${i}`, timestampMs: T0 + i * 100 }));
const s = new SqliteRequestStore(join(mkdtempSync(join(tmpdir(), 'h7wr-')), 'w.db'), { insertThread: true });
let t = performance.now();
for (let i = 0; i < sample.length; i += 2000) {
  await s.insert(sample.slice(i, i + 2000));
  if (i % 50000 === 0) { console.log(i, ((performance.now() - t)).toFixed(0), 'ms'); t = performance.now(); }
}
await s.close();
