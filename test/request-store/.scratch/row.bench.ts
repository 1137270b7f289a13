import { loadCatalog } from '../../../catalog/src/load.js';
import { Pipeline } from '../../../exporter/src/ingest/pipeline.js';
import { pseudonymizer } from '../../../exporter/src/log/pseudonym.js';
import { toStoredRequest, idempotencyKey } from '../../../exporter/src/request-store/row.js';
import { encodeBatch } from '../../../exporter/src/request-store/batch.js';
import { makeTruths, render } from '../../support/traffic.js';
const T0 = Date.UTC(2025, 0, 1);
const lines = makeTruths(100_000, { seed: 5, startMs: T0, spanMs: 86_400_000 }).map((t, i) => {
  const o = JSON.parse(render(t, 'canonical')) as Record<string, unknown>;
  o.user_id = `user-${i % 5000}`; o.session_id = `session-${i % 40_000}`;
  return JSON.stringify(o);
});
const got: any[] = [];
const p = new Pipeline(loadCatalog());
p.addSink({ request: (rec: any, price: any) => got.push([rec, price]) } as any);
for (const l of lines) p.ingestLine(l, 'file');
console.log('records', got.length, 'with id', got.filter(([r]) => r.requestId).length);
const ps = pseudonymizer('bench-key', 100_000);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now();
  for (const [r] of got) idempotencyKey(r);
  console.log('key', ((performance.now() - t) * 1000 / got.length).toFixed(3));
  t = performance.now();
  for (const [r] of got) { ps(r.userId); ps(r.sessionId); }
  console.log('pseudonyms', ((performance.now() - t) * 1000 / got.length).toFixed(3));
  t = performance.now();
  const rows = got.map(([r, pr]) => toStoredRequest(r, pr, ps));
  console.log('toStoredRequest', ((performance.now() - t) * 1000 / got.length).toFixed(3));
  t = performance.now();
  for (let i = 0; i < rows.length; i += 2000) encodeBatch(rows.slice(i, i + 2000));
  console.log('encode', ((performance.now() - t) * 1000 / got.length).toFixed(3));
}
