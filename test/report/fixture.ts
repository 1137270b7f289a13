// The known log file every report/export/API test reads back: 8 days of synthetic traffic
// (2026-10-26 00:00Z, a Monday, to 2026-11-03 00:00Z: one whole ISO week, a month boundary) plus
// two injected incidents on 2026-11-02 for the anomaly section, backfilled with `tokenscope
// backfill --step 300` into TSDB blocks and opened by a real Prometheus. Every process reading it
// runs on the clock NOW (TOKENSCOPE_NOW for the CLI), never the wall clock, so the tests pass on
// any date.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../catalog/src/load.js';
import type { Catalog } from '../../catalog/src/schema.js';
import { expectedCost } from '../support/expected-cost.js';
import { CLI } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { makeTruths, MIX, render, type Shape, type Truth } from '../support/traffic.js';

export const START = Date.UTC(2026, 9, 26);
export const END = Date.UTC(2026, 10, 3);
export const INCIDENT_DAY = Date.UTC(2026, 10, 2);
/** The tests' "now": six hours after the log ends, so November is in progress and every log day complete. */
export const NOW = END + 6 * 3_600_000;
/** The CLI's clock at NOW (exporter/src/clock.ts). */
export const NOW_ENV = { TOKENSCOPE_NOW: new Date(NOW).toISOString() };
export const STEP_SECONDS = 300;
const EXPORTER_SRC = fileURLToPath(new URL('../../exporter/src/', import.meta.url));

/** 400 long-prompt gpt-4o calls (a cost and volume spike) and 60 failed haiku calls (an error spike). */
function incidents(): Truth[] {
  const out: Truth[] = [];
  const base = { feature: 'chat', team: 'search', project: 'web', cacheRead: 0, cacheWrite: 0, reasoning: 0, latencyMs: 1500 };
  for (let i = 0; i < 400; i++) {
    out.push({ ...base, timestampMs: INCIDENT_DAY + 3_600_000 + i * 60_000, provider: 'openai', model: 'gpt-4o', requestId: `spike-${i}`, input: 60_000, output: 2_000, status: 'success', statusCode: 200 });
  }
  for (let i = 0; i < 60; i++) {
    out.push({ ...base, timestampMs: INCIDENT_DAY + 7_200_000 + i * 90_000, provider: 'anthropic', model: 'claude-3-5-haiku-20241022', requestId: `fail-${i}`, input: 0, output: 0, status: 'error', statusCode: 529 });
  }
  return out;
}

/**
 * The model's log shapes in turn, but never OpenTelemetry spans: those carry no feature or team,
 * and the tests group by both.
 */
function shapeOf(t: Truth, i: number): Shape {
  const shapes = MIX.find((m) => m.provider === t.provider && m.model === t.model)!.shapes.filter((s) => s !== 'otel');
  return shapes[i % shapes.length];
}

export interface Fixture {
  catalog: Catalog;
  truths: Truth[];
  logFile: string;
  prom: Prometheus;
  /** Stops Prometheus and removes this fixture's copy of the blocks. */
  stop(): Promise<void>;
}

/** The log's events: deterministic, so every test file computes the same ones. */
function makeLog(): Truth[] {
  return [...makeTruths(6000, { seed: 7, startMs: START, spanMs: END - START, errorRate: 0.05 }), ...incidents()].sort((a, b) => a.timestampMs - b.timestampMs);
}

/**
 * Backfills the log once per test run: the first test file to get here builds the blocks, the
 * others wait for them (a lock directory decides), and each copies them for its own Prometheus.
 * Keyed by the vitest process and the exporter's sources, so a changed exporter never reads stale
 * blocks. Waits without blocking the worker: a blocked worker misses vitest's RPC deadlines on a busy machine.
 */
async function sharedBlocks(truths: Truth[]): Promise<{ logFile: string; tsdb: string }> {
  const text = truths.map((t, i) => render(t, shapeOf(t, i))).join('\n') + '\n';
  const hash = createHash('sha256').update(text);
  for (const file of readdirSync(EXPORTER_SRC, { recursive: true, encoding: 'utf8' }).sort()) {
    const st = statSync(join(EXPORTER_SRC, file));
    if (st.isFile()) hash.update(`${file}:${st.mtimeMs}:${st.size}\n`);
  }
  const dir = join(tmpdir(), `tokenscope-report-fixture-${process.ppid}-${hash.digest('hex').slice(0, 12)}`);
  const ready = join(dir, 'ready');
  const logFile = join(dir, 'requests.jsonl');
  const tsdb = join(dir, 'tsdb');
  let builder = false;
  try {
    mkdirSync(dir);
    builder = true;
  } catch {
    /* another test file is building it */
  }
  if (builder) {
    writeFileSync(logFile, text);
    // At NOW, so event times ahead of a wrong or faked wall clock are not refused as "future".
    const child = spawn(process.execPath, [CLI, 'backfill', logFile, '--out', tsdb, '--step', String(STEP_SECONDS)], { env: { ...process.env, ...NOW_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const status = await new Promise<number | null>((done) => child.on('close', done));
    writeFileSync(ready, status === 0 ? 'ok' : `backfill failed: ${stderr}`);
  } else {
    const until = Date.now() + 180_000;
    while (!existsSync(ready)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${dir} to be built`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  const status = readFileSync(ready, 'utf8');
  if (status !== 'ok') throw new Error(status);
  return { logFile, tsdb };
}

/**
 * Prometheus on a copy of the backfilled blocks, with `ruleFile` (YAML text) loaded if given and
 * `openMetrics` (timestamped samples, e.g. rule results at NOW) added as blocks.
 */
export async function startFixture(opts: { ruleFile?: string; openMetrics?: string } = {}): Promise<Fixture> {
  const truths = makeLog();
  const shared = await sharedBlocks(truths);
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-report-'));
  const storage = join(dir, 'tsdb');
  cpSync(shared.tsdb, storage, { recursive: true });
  if (opts.openMetrics) {
    // Prometheus evaluates rules only at its own wall-clock time, never at NOW: their results at NOW are written here.
    writeFileSync(join(dir, 'extra.om'), opts.openMetrics);
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'extra.om'), storage], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`promtool: ${r.stderr}`);
  }
  let config = 'global: { scrape_interval: 15s, evaluation_interval: 1s }\n';
  if (opts.ruleFile) {
    writeFileSync(join(dir, 'rules.yml'), opts.ruleFile);
    config += `rule_files: [${JSON.stringify(join(dir, 'rules.yml'))}]\n`;
  }
  const prom = await Prometheus.start(config, { storage });
  return {
    catalog: loadCatalog(),
    truths,
    logFile: shared.logFile,
    prom,
    stop: async () => {
      await prom.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Expected {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cached: number;
  cost: number;
}

/** Totals straight from the log's truths over [fromMs, toMs), grouped by `key`. */
export function expected(f: Fixture, fromMs: number, toMs: number, key: (t: Truth) => string = () => 'total'): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const t of f.truths) {
    if (t.timestampMs < fromMs || t.timestampMs >= toMs) continue;
    const k = key(t);
    const e = out.get(k) ?? { requests: 0, errors: 0, input: 0, output: 0, cached: 0, cost: 0 };
    e.requests++;
    if (t.status === 'error') e.errors++;
    e.input += t.input;
    e.output += t.output;
    e.cached += t.cacheRead;
    e.cost += expectedCost(f.catalog, t);
    out.set(k, e);
  }
  return out;
}

/** The CLI on the fixture's clock (NOW). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...NOW_ENV, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
