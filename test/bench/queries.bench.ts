// `npm run bench:queries`: are dashboard questions fast through the recording rules, and how much
// faster than from the raw series? 30 days of traffic for the 17 catalog providers are backfilled
// with `tokenscope backfill`, the recording rules are backfilled with `promtool tsdb
// create-blocks-from rules` (one pass per dependency level: a pass only sees the blocks of the
// passes before it; see HISTORY_DAYS for how much of each), and one Prometheus answers each
// question both ways.
//   BENCH_SLOTS_PER_EVENT=n  fewer events (default 1: about one event per model per 5 minutes)
//   BENCH_KEEP=1             keep the temporary directory
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../catalog/src/load.js';
import type { RecordingRule, RuleFile } from '../../prometheus/src/model.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import { renderRuleFile } from '../../prometheus/src/render.js';
import { CLI } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { rng } from '../support/traffic.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 21); // 2026-10-21
const END = Date.UTC(2026, 10, 20); // 2026-11-20: 30 days, 19 of them in November
// 150 s, not 300: a 5m rate needs two samples in every 5-minute window, and promtool evaluates each
// rule group at its own offset (a hash of its name), not on the 5-minute marks of the samples.
const STEP_S = 150;
/** Rules are evaluated every 5 minutes over the backfilled range (live: every minute). */
const RULE_EVAL_S = 300;
const RUNS = 7;
const catalog = loadCatalog();

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function seconds(fromMs: number): string {
  return `${((Date.now() - fromMs) / 1000).toFixed(1)} s`;
}

// ---- 1. traffic -------------------------------------------------------------------------------

interface Stream {
  provider: string;
  model: string;
  /** Providers without catalog models get a model id nobody prices; the log carries its own cost. */
  ownCost: boolean;
  latencyS: number;
}

/** Two models for the three largest providers, one for the others: 20 streams. */
const TWO_MODELS = new Set(['openai', 'anthropic', 'google']);

function streams(): Stream[] {
  const r = rng(7);
  return catalog.providers.flatMap((p) => {
    const models = catalog.models.filter((m) => m.provider === p.slug).slice(0, TWO_MODELS.has(p.slug) ? 2 : 1);
    const ids = models.length ? models.map((m) => m.id) : [`${p.slug}-chat`];
    return ids.map((model) => ({ provider: p.slug, model, ownCost: models.length === 0, latencyS: 0.5 + r() * 6 }));
  });
}

async function writeTraffic(file: string, every: number): Promise<number> {
  const r = rng(11);
  const out = createWriteStream(file);
  const all = streams();
  const errors = ['server_error', 'timeout', 'rate_limit', 'invalid_request'];
  let n = 0;
  for (let t = START; t < END; t += 300_000 * every) {
    const hour = new Date(t).getUTCHours();
    const diurnal = 0.4 + 0.6 * Math.sin((Math.PI * hour) / 24); // quiet nights, busy afternoons
    const lines: string[] = [];
    for (const s of all) {
      if (r() > diurnal) continue;
      const failed = r() < 0.02;
      const input = 500 + Math.floor(r() * 4000);
      const output = 50 + Math.floor(r() * 800);
      lines.push(
        JSON.stringify({
          timestamp: new Date(t + Math.floor(r() * 300_000 * every)).toISOString(),
          provider: s.provider,
          model: s.model,
          feature: r() < 0.5 ? 'chat' : 'search',
          team: r() < 0.5 ? 'platform' : 'search',
          input_tokens: failed ? 0 : input,
          output_tokens: failed ? 0 : output,
          cache_read_tokens: failed ? 0 : Math.floor(input * r() * 0.3),
          latency_ms: Math.round(s.latencyS * 1000 * (0.3 + 1.7 * r() * r() * 2)),
          status: failed ? 'error' : 'success',
          ...(failed ? { status_code: 500, error_type: errors[Math.floor(r() * errors.length)] } : {}),
          ...(s.ownCost ? { cost_usd: (input * 0.5 + output * 1.5) / 1e6 } : {}),
        }),
      );
    }
    n += lines.length;
    if (!out.write(lines.join('\n') + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(() => res()));
  return n;
}

// ---- 2. recording rules, one pass per dependency level ------------------------------------------
//
// `create-blocks-from rules` writes one 2-hour block per rule per 2 hours (Prometheus 2.42 has no
// block-size flag for it): 140 rules × 30 days would be 50,000 blocks and most of an hour. So the
// rules the questions read history of are backfilled over that history, every other rule over the
// last 2 hours (enough for one evaluation at the end, where the questions and the rule-cycle
// measurement run), and Prometheus compacts the result before anything is timed.

/** History (days) that the questions read, per rule; every other rule gets the last 2 hours. */
const HISTORY_DAYS: Record<string, number> = {
  // 30-day cost by model and by team (whole hours), month to date and the 7-day pace
  'provider_model:ai_cost_dollars:increase1h': 30,
  'team:ai_cost_dollars:increase1h': 30,
  'provider:ai_cost_dollars:increase1h': 20,
  ':ai_cost_dollars:increase1h': 20,
  'tag:ai_calendar_month:mod3_30m_ago': 20,
  // 7-day percentiles
  'provider_model_le:ai_request_duration_seconds_bucket:rate1h': 7,
  'provider_le:ai_request_duration_seconds_bucket:rate1h': 7,
  // 30-day availability
  'provider_model:ai_requests:rate5m': 30,
  'provider:ai_requests:rate5m': 30,
  'provider:ai_provider_errors:rate5m': 30,
};
const SHORT_MS = 2 * 3_600_000;

function recordingPasses(files: RuleFile[]): RuleFile[][] {
  const records = files.flatMap((f) => f.groups.flatMap((g) => g.rules)).filter((r): r is RecordingRule => r.kind === 'record');
  const names = new Set(records.map((r) => r.record));
  const deps = (r: RecordingRule) =>
    [...r.expr.replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((n) => n.includes(':') && names.has(n));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const d = Math.max(0, ...records.filter((r) => r.record === name).flatMap((r) => deps(r).filter((x) => x !== name).map((x) => depthOf(x) + 1)));
    depth.set(name, d);
    return d;
  };
  const max = Math.max(...records.map((r) => depthOf(r.record)));
  const passes: RuleFile[][] = [];
  for (let d = 0; d <= max; d++) {
    passes.push(
      files
        .map((f) => ({ ...f, groups: f.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.kind === 'record' && depthOf(r.record) === d) })).filter((g) => g.rules.length) }))
        .filter((f) => f.groups.length),
    );
  }
  return passes;
}

/** A pass split by backfill range: promtool takes one --start per run. */
function byRange(pass: RuleFile[]): Map<number, RuleFile[]> {
  const out = new Map<number, RuleFile[]>();
  for (const days of new Set([0, ...Object.values(HISTORY_DAYS)])) {
    const keep = (r: RecordingRule) => (HISTORY_DAYS[r.record] ?? 0) === days;
    const files = pass
      .map((f) => ({ ...f, groups: f.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.kind === 'record' && keep(r)) })).filter((g) => g.rules.length) }))
      .filter((f) => f.groups.length);
    if (files.length) out.set(days, files);
  }
  return out;
}

const PROM_CONFIG = 'global: { scrape_interval: 1m, evaluation_interval: 1m }\n';

async function backfillRules(storage: string, work: string): Promise<{ passes: number; rules: number; blocks: number }> {
  const passes = recordingPasses(ruleFiles(catalog));
  let rules = 0;
  let blocks = 0;
  for (const [i, pass] of passes.entries()) {
    const t = Date.now();
    const prom = await Prometheus.start(PROM_CONFIG, { storage });
    let count = 0;
    try {
      for (const [days, files] of byRange(pass)) {
        const dir = join(work, `pass-${i}-${days}d`);
        mkdirSync(dir, { recursive: true });
        const paths = files.map((f) => {
          const p = join(dir, `${f.name}.yml`);
          writeFileSync(p, renderRuleFile(f));
          return p;
        });
        count += files.reduce((a, f) => a + f.groups.reduce((b, g) => b + g.rules.length, 0), 0);
        const from = days ? END - days * DAY : END - SHORT_MS;
        const out = join(dir, 'blocks');
        const r = spawnSync(
          'promtool',
          ['tsdb', 'create-blocks-from', 'rules', '--quiet', `--url=${prom.url}`, `--start=${from / 1000}`, `--end=${END / 1000}`, `--output-dir=${out}`, `--eval-interval=${RULE_EVAL_S}s`, ...paths],
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        );
        if (r.status !== 0) throw new Error(`promtool create-blocks-from rules failed (pass ${i}): ${(r.stderr || r.stdout).slice(-2000)}`);
        for (const block of readdirSync(out)) {
          renameSync(join(out, block), join(storage, block));
          blocks++;
        }
      }
    } finally {
      await prom.stop();
    }
    rules += count;
    log(`  rules pass ${i}: ${count} rules in ${seconds(t)}`);
  }
  return { passes: passes.length, rules, blocks };
}

/** Waits until Prometheus has compacted the thousands of small rule blocks (as it would in production). */
async function compacted(prom: Prometheus): Promise<number> {
  const metric = async (name: string) => {
    const text = await (await fetch(`${prom.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };
  let last = -1;
  const deadline = Date.now() + 6 * 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10_000));
    const blocks = await metric('prometheus_tsdb_blocks_loaded');
    const compactions = await metric('prometheus_tsdb_compactions_total');
    if (blocks === last && compactions > 0 && blocks < 100) return blocks;
    last = blocks;
  }
  throw new Error('Prometheus did not finish compacting within 6 minutes');
}

// ---- 3. questions ---------------------------------------------------------------------------------

interface Question {
  name: string;
  raw: string;
  rules: string;
}

function questions(): Question[] {
  const t = new Date(END);
  const mtdDays = t.getUTCDate() - 1; // whole days of the month at midnight
  const daysInMonth = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  const daysLeft = daysInMonth - t.getUTCDate() + 1;
  const sli = 'error_type=~"server_error|timeout|rate_limit|other"';
  return [
    {
      name: '30-day cost by model',
      raw: 'sum by (provider, model) (increase(ai_cost_dollars_total[30d]))',
      rules: 'provider_model:ai_cost_dollars:increase30d',
    },
    {
      name: '7-day p95 latency by provider',
      raw: 'histogram_quantile(0.95, sum by (provider, le) (rate(ai_request_duration_seconds_bucket[7d])))',
      rules: 'provider_quantile:ai_request_duration_seconds:histogram_quantile_rate7d{quantile="0.95"}',
    },
    {
      name: 'month-end forecast (total)',
      raw: `sum(increase(ai_cost_dollars_total[${mtdDays}d])) + sum(increase(ai_cost_dollars_total[7d])) / 7 * ${daysLeft}`,
      rules: ':ai_cost_dollars:month_end_projection',
    },
    {
      name: 'month-to-date spend by team',
      raw: `sum by (team) (increase(ai_cost_dollars_total[${mtdDays}d]))`,
      rules: 'team:ai_cost_dollars:month_to_date',
    },
    {
      name: '30-day availability by provider',
      raw: `1 - sum by (provider) (increase(ai_request_errors_total{${sli}}[30d])) / sum by (provider) (increase(ai_requests_total[30d]))`,
      rules: 'provider:ai_availability:ratio_rate30d',
    },
  ];
}

async function timeQuery(prom: Prometheus, expr: string, runs = RUNS): Promise<{ medianMs: number; total: number; series: number }> {
  const times: number[] = [];
  let total = 0;
  let series = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await prom.query(expr, END / 1000);
    times.push(performance.now() - t);
    total = r.reduce((a, s) => a + (Number.isFinite(Number(s.value[1])) ? Number(s.value[1]) : 0), 0);
    series = r.length;
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], total, series };
}

/** One instant evaluation of every recording rule at the end of the data: the cost of a rule cycle. */
async function ruleCycle(prom: Prometheus): Promise<{ totalMs: number; top: Array<[string, number]> }> {
  const costs: Array<[string, number]> = [];
  for (const f of ruleFiles(catalog)) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        if (r.kind !== 'record') continue;
        const { medianMs } = await timeQuery(prom, r.expr, 3);
        costs.push([`${r.record}${r.labels?.quantile ? `{quantile="${r.labels.quantile}"}` : ''}`, medianMs]);
      }
    }
  }
  costs.sort((a, b) => b[1] - a[1]);
  return { totalMs: costs.reduce((a, [, ms]) => a + ms, 0), top: costs.slice(0, 5) };
}

async function main(): Promise<void> {
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'tokenscope-bench-queries-'));
  const storage = join(work, 'tsdb');
  try {
    let t = Date.now();
    const file = join(work, 'traffic.jsonl');
    const events = await writeTraffic(file, Number(process.env.BENCH_SLOTS_PER_EVENT ?? 1));
    log(`traffic: ${events} events, ${streams().length} provider/model streams × 2 features × 2 teams, 30 days (${seconds(t)})`);
    log(`backfill every ${STEP_S} s, rules every ${RULE_EVAL_S} s; this takes a few minutes`);

    t = Date.now();
    const b = spawnSync(process.execPath, [CLI, 'backfill', file, '--out', storage, '--step', String(STEP_S)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (b.status !== 0) throw new Error(`backfill failed: ${b.stderr.slice(-2000)}`);
    const backfillTime = seconds(t);
    log(`backfill: ${backfillTime} (${b.stderr.trim().split('\n').pop()})`);

    t = Date.now();
    const rb = await backfillRules(storage, work);
    const rulesTime = seconds(t);
    log(`recording rules: ${rb.rules} rules in ${rb.passes} passes, ${rb.blocks} blocks, ${rulesTime}`);

    t = Date.now();
    const prom = await Prometheus.start(PROM_CONFIG, { storage });
    try {
      const blocks = await compacted(prom);
      log(`compaction: ${rb.blocks} rule blocks + the raw ones → ${blocks} blocks in ${seconds(t)}`);
      const rows: string[][] = [];
      let ok = true;
      for (const q of questions()) {
        await timeQuery(prom, q.rules, 1); // warm the page cache for both
        await timeQuery(prom, q.raw, 1);
        const viaRules = await timeQuery(prom, q.rules);
        const raw = await timeQuery(prom, q.raw);
        const ratio = raw.medianMs / viaRules.medianMs;
        const agree = raw.total === 0 ? 0 : Math.abs(viaRules.total - raw.total) / Math.abs(raw.total);
        const pass = viaRules.medianMs <= 200 && ratio >= 10;
        ok &&= pass;
        rows.push([
          q.name,
          `${raw.medianMs.toFixed(1)} ms`,
          `${viaRules.medianMs.toFixed(1)} ms`,
          `${ratio.toFixed(1)}×`,
          `${viaRules.series}/${raw.series} series, sums differ ${(agree * 100).toFixed(2)} %`,
          pass ? 'ok' : 'MISSED (≤ 200 ms and ≥ 10×)',
        ]);
      }
      const cycle = await ruleCycle(prom);
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      const header = ['question', 'raw', 'rules', 'speed-up', 'agreement', 'target'];
      const fmt = (r: string[]) => r.map((c, i) => c.padEnd(Math.max(widths[i], header[i].length))).join('  ');
      process.stdout.write(
        [
          '',
          `queries at ${new Date(END).toISOString()}, median of ${RUNS} runs via /api/v1/query`,
          fmt(header),
          ...rows.map(fmt),
          '',
          `one evaluation of all recording rules at that time (instant queries, median of 3): ${cycle.totalMs.toFixed(0)} ms; costliest:`,
          ...cycle.top.map(([n, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${n}`),
          '',
          `events ${events}; backfill ${backfillTime}; rule backfill ${rulesTime} (${rb.blocks} blocks); total ${seconds(began)}`,
          '',
        ].join('\n'),
      );
      if (!ok) process.exitCode = 1;
    } finally {
      await prom.stop();
    }
  } finally {
    if (process.env.BENCH_KEEP) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
