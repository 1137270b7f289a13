// Pricing throughput: memoised Pricer.price() against one uncached calcPrice per request.
// Run: npx tsx test/pricing/price.speed.ts
// The mix is weighted like real traffic: mostly flat-priced models, with tiered (gemini-2.5-pro),
// date-conditional (o3), time-of-day (deepseek), catalog-priced (ollama), unknown and failed requests.
import { calcPrice } from '@pydantic/genai-prices';
import { loadCatalog } from '../../catalog/src/load.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import { Pricer } from '../../exporter/src/pricing/pricer.js';
import { request, rng } from './helpers.js';

const MIX: Array<[provider: string, model: string, weight: number]> = [
  ['openai', 'gpt-4o', 20],
  ['openai', 'gpt-4o-mini', 20],
  ['openai', 'gpt-4.1', 5],
  ['openai', 'o3', 5],
  ['openai', 'o4-mini', 5],
  ['anthropic', 'claude-sonnet-4-20250514', 15],
  ['anthropic', 'claude-3-5-haiku-20241022', 5],
  ['google', 'gemini-2.5-pro', 5],
  ['google', 'gemini-2.5-flash', 5],
  ['azure', 'gpt-4o', 3],
  ['groq', 'llama-3.3-70b-versatile', 3],
  ['deepseek', 'deepseek-chat', 3],
  ['ollama', 'llama3.1:8b', 3],
  ['openrouter', 'openai/gpt-4o', 2],
  ['openai', 'gpt-unknown', 1],
];

function workload(n: number): RequestRecord[] {
  const next = rng(1);
  const total = MIX.reduce((s, m) => s + m[2], 0);
  const out: RequestRecord[] = [];
  let t = Date.UTC(2025, 5, 1);
  for (let i = 0; i < n; i++) {
    let pick = next() * total;
    const [provider, model] = MIX.find((m) => (pick -= m[2]) < 0) ?? MIX[0];
    t += Math.floor(next() * 60_000); // time-ordered, like a log: spans ~3 months over 200k lines
    const input = Math.floor(next() * (next() < 0.05 ? 400_000 : 20_000));
    const cacheRead = next() < 0.4 ? Math.floor(next() * input) : 0;
    const output = Math.floor(next() * 2_000);
    const reasoning = model.startsWith('o') ? Math.floor(next() * output) : 0;
    out.push(request(provider, model, t, { input, cacheRead, output, reasoning }, next() < 0.02 ? { status: 'error' } : {}));
  }
  return out;
}

function rate(label: string, recs: RequestRecord[], fn: (r: RequestRecord) => number, minMs: number): number {
  let calls = 0;
  let sink = 0; // consumed below so the loop can't be optimised away
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < recs.length; i++) sink += fn(recs[i]);
    calls += recs.length;
  }
  const perSec = calls / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(34)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} calls/s${sink < 0 ? ' (negative cost?)' : ''}`);
  return perSec;
}

const total = (recs: RequestRecord[], fn: (r: RequestRecord) => number): number => recs.reduce((s, r) => s + fn(r), 0);

const catalog = loadCatalog();
const pricingId = new Map(catalog.providers.map((p) => [p.slug, p.pricing_id]));
const recs = workload(200_000);

const pricer = new Pricer(catalog);
for (const r of recs) pricer.price(r); // warm: resolve every (provider, model) once, let V8 optimise
const fast = rate('memoised Pricer.price()', recs, (r) => pricer.price(r).costUsd, 3_000);

const uncached = (r: RequestRecord): number => {
    if (r.status === 'error') return 0;
    const id = pricingId.get(r.provider);
    if (!id) return 0;
    const t = r.tokens;
    const res = calcPrice(
      { input_tokens: t.input, cache_read_tokens: t.cacheRead, cache_write_tokens: t.cacheWrite, output_tokens: t.output, output_reasoning_tokens: t.reasoning },
      r.model,
      { providerId: id, timestamp: new Date(r.timestampMs) },
    );
    return res?.total_price ?? 0;
};
const slice = recs.slice(0, 20_000);
const slow = rate('uncached calcPrice per request', slice, uncached, 3_000);
console.log(`speed-up ×${(fast / slow).toFixed(0)}`);
// Same dollars both ways, over the requests genai-prices prices (the catalog-priced ollama ones have no calcPrice).
const viaGenai = slice.filter((r) => pricer.price(r).source === 'genai-prices');
console.log(
  `total cost of ${viaGenai.length} genai-prices requests: memoised $${total(viaGenai, (r) => pricer.price(r).costUsd).toFixed(9)}, calcPrice $${total(viaGenai, uncached).toFixed(9)}`,
);

// Worst case: every request names a new model (hostile or misconfigured input), so each is a cache miss.
const unique = (provider: string): RequestRecord[] => Array.from({ length: 5_000 }, (_, i) => request(provider, `no-such-model-${i}`, Date.now(), { input: 1 }));
for (const provider of ['openai', 'openrouter']) {
  const p = new Pricer(catalog);
  const recs2 = unique(provider);
  const t0 = performance.now();
  for (const r of recs2) p.price(r);
  console.log(`${`cache misses (${provider}, unknown)`.padEnd(34)} ${Math.round(recs2.length / ((performance.now() - t0) / 1000)).toLocaleString('en-US').padStart(12)} calls/s`);
}
{
  const t0 = performance.now();
  let n = 0;
  for (; performance.now() - t0 < 1_000; n++) new Pricer(catalog).price(request('openai', 'o3', Date.now(), { input: 1 }));
  console.log(`${'resolve a known model (o3)'.padEnd(34)} ${Math.round(n / ((performance.now() - t0) / 1000)).toLocaleString('en-US').padStart(12)} /s`);
}
