// `npm run bench:otlp`: GenAI spans per second through the OTLP receiver's full path. The request
// bodies are what the OpenTelemetry JS SDK's OTLP exporters send (captured once, protobuf and JSON,
// 512 spans each: the BatchSpanProcessor's default batch), then POSTed N times over loopback HTTP to
// a `tokenscope serve` child process (request log on, to /dev/null): read, gunzip, decode, map,
// price, count, log. An in-process breakdown (decode alone, decode + ingest) comes first.
//
// The spans carry no gen_ai.response.id: replaying one body would otherwise measure the dedupe's
// duplicate path after the first POST.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { OtlpReceiver } from '../../exporter/src/sources/otlp/receiver.js';
import { decodeRequest, type Encoding } from '../../exporter/src/sources/otlp/schema.js';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';
import { chatSpan, tracing, type Wire } from '../otlp/helpers.js';

const SPANS = 512;
const POSTS = Number(process.env.BENCH_OTLP_POSTS ?? 200);
const CONCURRENCY = 4;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o4-mini'];
const FEATURES = ['chat', 'search', 'summarise', 'classify'];

/** One export request body as the SDK's exporter sends it. */
async function capture(wire: Wire): Promise<Buffer> {
  let body: Buffer | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/json' }).end(wire === 'json' ? '{}' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = {
    'service.name': 'chat-api',
    'service.version': '4.2.0',
    'deployment.environment': 'prod',
    team: 'search',
    'host.name': 'chat-api-7d9f8b6c4-x2kq9',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0',
  };
  const { provider, tracer } = tracing({ wire, url, resource });
  for (let i = 0; i < SPANS; i++) {
    chatSpan(tracer, {
      model: MODELS[i % MODELS.length],
      input: 800 + ((i * 37) % 4000),
      output: 50 + ((i * 13) % 600),
      cacheRead: i % 3 === 0 ? 512 : 0,
      seconds: 0.4 + (i % 20) * 0.3,
      attributes: {
        'tokenscope.feature': FEATURES[i % FEATURES.length],
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 1024,
        'server.port': 443,
        'gen_ai.openai.response.system_fingerprint': 'fp_6b68a8204b',
      },
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
  await new Promise<void>((r) => server.close(() => r()));
  if (!body) throw new Error('the exporter sent nothing');
  return body;
}

function inProcess(label: string, body: Buffer, enc: Encoding): void {
  const rounds = 20;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) decodeRequest('traces', body, enc);
  const decodeMs = (performance.now() - t0) / rounds;
  const catalog = loadCatalog();
  const rx = new OtlpReceiver(new Pipeline(catalog), { registry: new Registry() });
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) void rx.exportTraces(decodeRequest('traces', body, enc));
  const fullMs = (performance.now() - t0) / rounds;
  console.log(
    `  ${label.padEnd(22)}: decode ${decodeMs.toFixed(2)} ms (${Math.round((SPANS / decodeMs) * 1000).toLocaleString()} spans/s), ` +
      `decode + ingest ${fullMs.toFixed(2)} ms (${Math.round((SPANS / fullMs) * 1000).toLocaleString()} spans/s) per ${SPANS}-span request`,
  );
}

async function overHttp(url: string, label: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  const send = async () => {
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers, body: new Uint8Array(body) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status}`);
  };
  for (let i = 0; i < 5; i++) await send(); // warm-up: JIT, price cache, label slots
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < POSTS) await send();
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const rate = (POSTS * SPANS) / s;
  console.log(`  ${label.padEnd(22)}: ${Math.round(rate).toLocaleString()} spans/s (${POSTS} × ${SPANS} spans, ${(body.length / 1024).toFixed(0)} KiB body, ${((s / POSTS) * 1000).toFixed(1)} ms/request)`);
  return rate;
}

const proto = await capture('protobuf');
const json = await capture('json');
console.log(`OTLP receiver: ${SPANS} GenAI spans per request; protobuf ${(proto.length / 1024).toFixed(0)} KiB, JSON ${(json.length / 1024).toFixed(0)} KiB`);
console.log('in process (no HTTP):');
inProcess('protobuf', proto, 'protobuf');
inProcess('OTLP/JSON', json, 'json');

const port = await freePort();
const server = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--no-state']);
const url = `http://127.0.0.1:${port}`;
let ok = false;
try {
  await waitFor('the exporter', async () => (await fetch(`${url}/readyz`)).ok);
  console.log(`over loopback HTTP to \`tokenscope serve\` (${CONCURRENCY} requests in flight, request log on):`);
  const rates = [
    await overHttp(url, 'protobuf', proto, { 'Content-Type': 'application/x-protobuf' }),
    await overHttp(url, 'protobuf + gzip', gzipSync(proto), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' }),
    await overHttp(url, 'OTLP/JSON', json, { 'Content-Type': 'application/json' }),
  ];
  // Every span of every POST was counted, none rejected.
  const samples = parseExposition(await (await fetch(`${url}/metrics`)).text());
  const counted = sum(samples, 'ai_requests_total');
  const expected = 3 * (POSTS + 5) * SPANS;
  const rejected = sum(samples, 'ai_exporter_rejected_lines_total', { source: 'otlp' });
  console.log(`  counted ${counted.toLocaleString()} requests of ${expected.toLocaleString()} sent, ${rejected} rejected`);
  ok = counted === expected && rejected === 0 && rates.every((r) => r > 0);
} finally {
  await server.stop();
}
console.log(ok ? 'bench:otlp: every span counted' : 'bench:otlp: FAILED');
process.exitCode = ok ? 0 : 1;
