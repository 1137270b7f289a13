import { loadCatalog } from '../../../catalog/src/load.js';
import { Pipeline } from '../../../exporter/src/ingest/pipeline.js';
import { pseudonymizer } from '../../../exporter/src/log/pseudonym.js';
import { encodeBatch } from '../../../exporter/src/request-store/batch.js';
import type { RequestStore, StoredRequest } from '../../../exporter/src/request-store/types.js';
import { StoreWriter } from '../../../exporter/src/request-store/writer.js';
import { makeTruths, render } from '../../support/traffic.js';
const T0 = Date.UTC(2025, 0, 1);
const lines = makeTruths(100_000, { seed: 5, startMs: T0, spanMs: 86_400_000 }).map((t, i) => {
  const o = JSON.parse(render(t, 'canonical')) as Record<string, unknown>;
  o.user_id = `user-${i % 5000}`; o.session_id = `session-${i % 40_000}`;
  return JSON.stringify(o);
});
const catalog = loadCatalog();
const mode = process.argv[2];
async function run(withStore: boolean) {
  const p = new Pipeline(catalog);
  const stub = { kind: 'sqlite', insertEncoded: async (b: any) => { if (mode === 'slow') await new Promise((r) => setTimeout(r, 60)); return b.n; }, insertEncodedSync: (b: any) => b.n, insert: async (rows: readonly StoredRequest[]) => rows.length } as unknown as RequestStore;
  const w = withStore ? new StoreWriter(stub, { pseudonym: pseudonymizer('bench-key', 100_000), pseudonymKey: 'k' }) : undefined;
  if (w) p.addSink(w);
  const t0 = performance.now(); const c0 = process.cpuUsage();
  let hot = 0;
  for (let i = 0; i < lines.length; i += 1300) {
    for (let k = i; k < Math.min(lines.length, i + 1300); k++) p.ingestLine(lines[k], 'file');
    await new Promise((r) => setImmediate(r));
  }
  hot = (performance.now() - t0) * 1000 / lines.length;
  const cu = process.cpuUsage(c0);
  await w?.close(600000); return [hot, cu.user / lines.length];
}
for (let r = 0; r < 3; r++) {
  const off = await run(false); const on = await run(true);
  console.log(mode, 'off', off.map((x) => x.toFixed(2)).join(' / '), 'on', on.map((x) => x.toFixed(2)).join(' / '), 'us/line wall / cpu');
}
