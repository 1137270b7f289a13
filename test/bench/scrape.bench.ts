// `npx tsx test/bench/scrape.bench.ts`: the figures behind the series caps and the scrape-latency
// bound (docs/metrics.md "Cardinality", docs/exporter.md "HTTP").
//  1. 100k distinct (provider, model, feature, team) tuples, each value under its label cap, offered
//     to the full pipeline: samples, bytes, render time and RSS at the cap.
//  2. A real `tokenscope serve` ingesting at full speed (a file catch-up, HTTP batches posted back to
//     back, both; BENCH_SCENARIO picks one by name prefix), scraped every 100 ms: scrape latency
//     percentiles at ~50k samples. Target p99 ≤ 250 ms. SCRAPE_BENCH_LINES sets the file's size.
//     With durable state (all but the last scenario) a scrape sends the text rendered for the last
//     checkpoint, so the counts it reads lag by up to one --state-interval (the loop below keeps
//     scraping until the last line shows); the last scenario renders live (--no-state).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCatalog } from '../../catalog/src/load.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, REPO_ROOT } from '../support/processes.js';

const catalog = loadCatalog();
const LINES = Number(process.env.SCRAPE_BENCH_LINES ?? 1_000_000);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function atTheCap(): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const p = new Pipeline(catalog);
  const providers = catalog.providers.slice(0, 10).map((x) => x.slug);
  const t0 = performance.now();
  let n = 0;
  for (const prov of providers) {
    for (let m = 0; m < 10; m++) {
      for (let f = 0; f < 100; f++) {
        for (let t = 0; t < 10; t++, n++) {
          p.ingestLine(JSON.stringify({ timestamp: 1_790_000_000_000 + n, provider: prov, model: `${prov}-m${m}`, feature: `f${f}`, team: `t${t}`, input_tokens: 100, output_tokens: 10, latency_ms: 900 }), 'file');
        }
      }
    }
  }
  const ingestMs = performance.now() - t0;
  const r = new MetricsRenderer(p, { processMetrics: false });
  const times: number[] = [];
  let text = '';
  for (let k = 0; k < 11; k++) {
    p.store.version++;
    const s = performance.now();
    text = await r.metrics();
    times.push(performance.now() - s);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const samples = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  console.log(`at the cap: ${n.toLocaleString()} distinct tuples offered (${(ingestMs / 1000).toFixed(1)} s through the pipeline)`);
  console.log(`  request tuples held : ${p.store.requests.size.toLocaleString()} (cap ${p.store.limits.request}), provider/model ${p.store.providerModels.size} (cap ${p.store.limits.provider_model})`);
  console.log(`  folded records      : ${p.store.seriesFolded.request.toLocaleString()} request, ${p.store.seriesFolded.provider_model.toLocaleString()} provider_model`);
  console.log(`  scrape              : ${samples.toLocaleString()} samples, ${mib(Buffer.byteLength(text))} (${mib(gzipSync(text).length)} gzipped)`);
  console.log(`  render              : ${pct(times, 50).toFixed(1)} ms median, ${Math.max(...times).toFixed(1)} ms max`);
  console.log(`  RSS                 : ${mib(process.memoryUsage().rss)} (${mib(process.memoryUsage().rss - rss0)} above the start)`);
}

/** 17 providers × 4 models × 5 features × 6 teams = 2,040 request tuples ≈ 53k samples. */
function line(i: number): string {
  const k = i % 2040;
  const prov = catalog.providers[k % 17]?.slug ?? 'openai';
  return JSON.stringify({
    timestamp: 1_790_000_000_000 + i, provider: prov, model: `model-${(k >> 4) % 4}`, feature: `f${(k >> 6) % 5}`, team: `t${k % 6}`,
    input_tokens: 100 + (i % 900), output_tokens: 10 + (i % 90), latency_ms: 300 + (i % 5000), ttft_ms: 100 + (i % 400), status: i % 50 ? 'success' : 'error',
  });
}

async function writeFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < n; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(n, i + 10_000); j++) chunk += line(j) + '\n';
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

interface Scenario {
  name: string;
  /** Lines in the tailed file (read from the start: the catch-up). */
  lines: number;
  /** Post 20,000-event NDJSON batches back to back while scraping. */
  post: boolean;
  requestLog: boolean;
  /** --no-state: scrapes render the live counts instead of the last checkpoint's (docs/exporter.md, "What /metrics shows"). */
  noState?: boolean;
  /** Keep scraping at least this long (for the HTTP-only scenario). */
  minSeconds?: number;
}

/** A real `tokenscope serve` ingesting at full speed, scraped every 100 ms; returns the scrape p99. */
async function underLoad(sc: Scenario): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-scrape-bench-'));
  await writeFile(join(dir, 'requests.jsonl'), sc.lines);
  const port = await freePort();
  // BENCH_CHILD_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the exporter.
  const flags = process.env.BENCH_CHILD_NODE_FLAGS ? process.env.BENCH_CHILD_NODE_FLAGS.split(' ') : [];
  const args = [...flags, CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl')];
  // --no-state tails from the end by default: read the file from the start all the same.
  args.push(...(sc.noState ? ['--no-state', '--start-at', 'beginning'] : ['--data-dir', join(dir, 'state')]));
  if (!sc.requestLog) args.push('--no-request-log');
  // The request log, when on, goes to /dev/null: its formatting and writes are part of the cost.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, TOKENSCOPE_HASH_KEY: 'bench-key' } });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('exporter', async () => (await fetch(`${url}/healthz`)).ok, 30_000, 20);
    const batch = Array.from({ length: 20_000 }, (_, i) => line(sc.lines + i)).join('\n');
    let posting = sc.post;
    let posted = 0;
    const poster = (async () => {
      while (posting) {
        const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch });
        posted += ((await r.json()) as { accepted: number }).accepted;
      }
    })();
    const lat: number[] = [];
    const ttfb: number[] = [];
    const lags: number[] = [];
    let samples = 0;
    let fileLines = 0;
    const t0 = performance.now();
    const minMs = (sc.minSeconds ?? 0) * 1000;
    while ((fileLines < sc.lines || performance.now() - t0 < minMs) && performance.now() - t0 < 300_000) {
      const s = performance.now();
      const res = await fetch(`${url}/metrics`);
      ttfb.push(performance.now() - s); // headers: the exporter has rendered, gzipped and written the body
      const text = await res.text();
      lat.push(performance.now() - s);
      fileLines = Number(/^ai_exporter_lines_total\{source="file"\} (\d+)$/m.exec(text)?.[1] ?? 0);
      samples = Math.max(samples, text.split('\n').filter((l) => l && !l.startsWith('#')).length);
      // The exporter's own worst event-loop delay since the previous scrape (prom-client resets it per collect).
      const lagMax = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? NaN);
      if (Number.isFinite(lagMax)) lags.push(lagMax * 1000);
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - t0) / 1000;
    posting = false;
    await poster;
    const idle: number[] = [];
    for (let k = 0; k < 20; k++) {
      const s = performance.now();
      await (await fetch(`${url}/metrics`)).text();
      idle.push(performance.now() - s);
    }
    const p99 = pct(lat, 99);
    console.log(`${sc.name}: ${Math.round(sc.lines / secs).toLocaleString()} file lines/s + ${Math.round(posted / secs).toLocaleString()} HTTP events/s for ${secs.toFixed(1)} s${sc.requestLog ? ', request log on' : ''}`);
    console.log(`  ${lat.length} scrapes of up to ${samples.toLocaleString()} samples: p50 ${pct(lat, 50).toFixed(0)} ms, p90 ${pct(lat, 90).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (target ≤ 250 ms)${p99 <= 250 ? '' : ' MISSED'}`);
    console.log(`  time to response headers p50 ${pct(ttfb, 50).toFixed(0)} ms, p99 ${pct(ttfb, 99).toFixed(0)} ms; exporter event-loop delay, worst per interval: p50 ${pct(lags, 50).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms; idle scrape p50 ${pct(idle, 50).toFixed(0)} ms`);
    return p99;
  } finally {
    // SIGINT: a graceful stop, so a --cpu-prof is written.
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGKILL');
  }
}

const SCENARIOS: Scenario[] = [
  { name: 'file catch-up', lines: LINES, post: false, requestLog: false },
  { name: 'HTTP batches', lines: 2040, post: true, requestLog: false, minSeconds: 10 },
  { name: 'file catch-up + HTTP batches', lines: LINES, post: true, requestLog: false },
  { name: 'file catch-up, request log on', lines: LINES, post: false, requestLog: true },
  { name: 'file catch-up + HTTP batches, --no-state', lines: LINES, post: true, requestLog: false, noState: true },
];

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (figures scale with what else runs)`);
if (!process.env.SKIP_CAP) await atTheCap();
execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'inherit' });
const only = process.env.BENCH_SCENARIO;
let worst = 0;
for (const sc of SCENARIOS) if (!only || sc.name.startsWith(only)) worst = Math.max(worst, await underLoad(sc));
process.exitCode = worst <= 250 ? 0 : 1;
