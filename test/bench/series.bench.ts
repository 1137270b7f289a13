// `npm run bench` (second part): what plain successful traffic costs Prometheus. For 400 and
// 10,000 (provider, model, feature, team) tuples over the same 20 priced catalog models, the
// samples each tuple adds (those carrying a `feature` label: the request family), all samples of
// the scrape per tuple, and the /metrics body size. Exact counts, not timings.
//
// Before the metric contract (ai_request_cost_dollars histogram on every tuple, every token
// family and revenue at 0 from the first request), measured with this file:
//     400 tuples:  26 samples per tuple, 11,297 samples in all, 1,275,353 bytes
//  10,000 tuples:  26 samples per tuple, 260,897 samples in all, 30,204,301 bytes
// After: 8 per tuple; 4,395 samples, 452,599 bytes and 81,195 samples, 8,840,450 bytes.
// Target: at most 8 samples per tuple.
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';

const catalog = loadCatalog();
const PAIRS = catalog.models.slice(0, 20).map((m) => [m.provider, m.id] as const);
const TARGET = 8;

interface Figures {
  tuples: number;
  perTuple: number;
  samples: number;
  bytes: number;
}

async function measure(features: number, teams: number): Promise<Figures> {
  const tuples = PAIRS.length * features * teams;
  const p = new Pipeline(catalog, { series: { request: Math.max(tuples, 2000) } });
  let i = 0;
  for (const [provider, model] of PAIRS) {
    for (let f = 0; f < features; f++) {
      for (let t = 0; t < teams; t++) {
        const line = { timestamp: 1_790_000_000_000 + i++, provider, model, feature: `feature-${f}`, team: `team-${t}`, input_tokens: 1200, output_tokens: 300, latency_ms: 1500 };
        const out = p.ingestLine(JSON.stringify(line), 'file');
        if (!out.ok) throw new Error(`bench line rejected: ${out.reason}`);
      }
    }
  }
  if (p.store.requests.size !== tuples) throw new Error(`expected ${tuples} request tuples, the store holds ${p.store.requests.size}`);
  const body = await new MetricsRenderer(p, { processMetrics: false }).metrics();
  let samples = 0;
  let request = 0;
  for (const l of body.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    samples++;
    if (l.includes('feature="')) request++;
  }
  return { tuples, perTuple: request / tuples, samples, bytes: Buffer.byteLength(body) };
}

const rows = [await measure(4, 5), await measure(20, 25)];
console.log('samples per tuple, plain successful traffic (20 provider/model pairs):');
for (const r of rows) {
  console.log(
    `  ${r.tuples.toLocaleString().padStart(6)} tuples: ${r.perTuple} samples per tuple (target ≤ ${TARGET}), ` +
      `${r.samples.toLocaleString()} samples in all (${(r.samples / r.tuples).toFixed(2)} per tuple), ` +
      `${r.bytes.toLocaleString()} bytes (${Math.round(r.bytes / r.tuples)} per tuple)`,
  );
}
const ok = rows.every((r) => r.perTuple <= TARGET);
console.log(ok ? 'series bench: target met' : 'series bench: TARGET MISSED');
process.exitCode = ok ? 0 : 1;
