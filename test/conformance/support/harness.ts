// The conformance set-up: a real `tokenscope serve` (tailing a directory of JSONL files too), an
// OtlpTap in front of it for clients to export to, and the FakeProvider for clients to call. Each
// case runs a real client against the fake, waits until the telemetry has arrived, and compares the
// change on /metrics — requests, tokens by type, cost, and the provider/model labels — with what
// the fake served. The expected cost is computed from the price data (test/support/expected-cost.ts),
// not by the exporter's pricing code.
//
// A case with a declared client gap (../gaps.ts: the client does not emit a quantity, or emits it
// wrong) is held to what the client emitted instead, read from the tap (support/emitted.ts), and
// to the gap being real: checkCase() below.
//
// Every case is recorded, exact or not, with what the client emitted when it was not exact; the
// suite prints a table at the end (and writes it to $TMPDIR/tokenscope-conformance/<suite>.md),
// with a client × API summary in the form docs/otlp.md ("Client conformance") shows it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../catalog/src/load.js';
import type { Catalog } from '../../../catalog/src/schema.js';
import { expectedCost } from '../../support/expected-cost.js';
import { parseExposition, type Sample } from '../../support/exposition.js';
import { freePort, waitFor } from '../../support/ports.js';
import { CLI, REPO_ROOT, startProcess, type Proc } from '../../support/processes.js';
import type { Truth } from '../../support/traffic.js';
import { expect } from 'vitest';
import type { ClientGap } from '../gaps.js';
import { emittedCalls, type EmittedCall, type GapType, TOKEN_TYPES } from './emitted.js';
import { FakeProvider, type Served } from './fake-provider.js';
import { OtlpTap, type Tapped } from './otlp-tap.js';

export interface Totals {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  cost: number;
  /** Successful requests counted with unknown usage (or no price): ai_unpriced_requests_total. */
  unpriced: number;
  /** Spans and lines the exporter rejected: ai_exporter_rejected_lines_total. */
  rejected: number;
  /** provider/model label pairs that received requests. */
  series: string[];
}

export interface CaseResult {
  client: string;
  shape: string;
  /** /metrics changed by exactly what the fake served. */
  exact: boolean;
  skipped?: string;
  /** What the fake served: the provider's truth. */
  want?: Totals;
  got?: Totals;
  /** The declared client gap, and what the client emitted (its model calls, and their totals). */
  gap?: ClientGap;
  emitted?: { calls: EmittedCall[]; totals: Totals; differs: GapType[] };
  /** The client's own failure, when it had one. */
  clientError?: string;
  notes: string[];
  dump: string;
  /** Seconds the client took, and then the wait for its telemetry. */
  seconds?: { client: number; wait: number };
}

const FIELDS = ['requests', 'errors', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning', 'cost', 'unpriced', 'rejected'] as const;

export class Conformance {
  readonly results: CaseResult[] = [];
  private readonly catalog: Catalog = loadCatalog();

  private constructor(
    readonly suite: string,
    readonly fake: FakeProvider,
    readonly tap: OtlpTap,
    private readonly exporter: Proc,
    readonly exporterUrl: string,
    /** JSONL files written here are tailed by the exporter. */
    readonly logDir: string,
  ) {}

  static async start(suite: string): Promise<Conformance> {
    const logDir = mkdtempSync(join(tmpdir(), `tokenscope-conformance-${suite}-`));
    const port = await freePort();
    const exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(logDir, '*.jsonl'), '--no-state', '--poll-interval', '100', '--no-request-log']);
    const exporterUrl = `http://127.0.0.1:${port}`;
    await waitFor('tokenscope serve', async () => (await fetch(`${exporterUrl}/healthz`)).ok, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${exporter.output().slice(-3000)}`);
    });
    const [fake, tap] = await Promise.all([FakeProvider.start(), OtlpTap.start(exporterUrl)]);
    return new Conformance(suite, fake, tap, exporter, exporterUrl, logDir);
  }

  /** Where OTLP exporters send (the tap, which forwards to the exporter). */
  get otlpUrl(): string {
    return this.tap.url;
  }

  async close(): Promise<void> {
    await Promise.all([this.fake.close(), this.tap.close()]);
    await this.exporter.stop();
    rmSync(this.logDir, { recursive: true, force: true });
  }

  private async samples(): Promise<Sample[]> {
    const res = await fetch(`${this.exporterUrl}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return parseExposition(await res.text());
  }

  private fileSizes(): Map<string, number> {
    const m = new Map<string, number>();
    for (const f of readdirSync(this.logDir)) m.set(f, statSync(join(this.logDir, f)).size);
    return m;
  }

  /**
   * Runs one case. `run` makes the client's calls and returns once the client has flushed its
   * telemetry; the fake records what it served, and that is the expectation.
   */
  async case(client: string, shape: string, run: () => Promise<void>, opts: { calls?: number; gap?: ClientGap } = {}): Promise<CaseResult> {
    await this.quiet();
    this.fake.take();
    this.tap.take();
    const sizes = this.fileSizes();
    const before = await this.samples();
    const notes: string[] = [];
    let runError: Error | undefined;
    const t0 = Date.now();
    try {
      await run();
    } catch (e) {
      runError = e instanceof Error ? e : new Error(`${String(e)} ${JSON.stringify(e)?.slice(0, 500) ?? ''}`);
    }
    // A case the client does not have is the caller's to record (skip()).
    if (runError?.name === 'CaseSkipped') throw runError;
    const t1 = Date.now();
    const { served, unexpected } = this.fake.take();
    for (const u of unexpected) notes.push(`fake provider: ${u.method} ${u.path} → ${u.status} (${u.note})`);
    if (opts.calls !== undefined && served.length !== opts.calls) notes.push(`the client made ${served.length} model calls, expected ${opts.calls}`);
    for (const s of served) if (!s.usageReported) notes.push(`${s.id}: no usage in the body (stream without stream_options.include_usage)`);
    const want = this.expected(served);
    const gap = opts.gap;
    // With a client gap the target is what the client emitted, once every call's span is in.
    const target = (): Totals | undefined => {
      if (!gap) return want;
      const e = this.emitted(emittedCalls(this.tap.requests, gap.reader), served);
      return e.calls.length === served.length ? e.totals : undefined;
    };
    const reached = (t: Totals) => {
      const w = target();
      return w !== undefined && same(t, w);
    };

    // Wait for the telemetry: until /metrics shows exactly the target, or nothing has changed for
    // a while with no export in flight.
    let got = totals(before, await this.samples());
    // Generous: a passing case stops as soon as the target shows; only a wrong one waits it out.
    const deadline = Date.now() + 30_000;
    let stableSince = Date.now();
    while (Date.now() < deadline && !reached(got)) {
      await sleep(150);
      const next = totals(before, await this.samples());
      if (!same(next, got) || !this.tap.idle()) stableSince = Date.now();
      got = next;
      // The exporter runs with --no-state: /metrics is live, not held back to the last checkpoint
      // (docs/exporter.md, "What /metrics shows"), so a case's telemetry never spills into the next.
      if (Date.now() - stableSince > 10_000) break;
    }
    const after = await this.samples();
    got = totals(before, after);
    const exact = runError === undefined && same(got, want);
    const tapped = this.tap.take();
    const emitted = gap ? this.emitted(emittedCalls(tapped, gap.reader), served) : undefined;
    if (gap) notes.push(`client gap (${gap.types.map(label).join(', ')}): ${gap.why}`);
    const rejected = labelled(before, after, 'ai_exporter_rejected_lines_total', 'reason');
    if (rejected) notes.push(`exporter rejected: ${rejected}`);
    const ignored = labelled(before, after, 'ai_exporter_otlp_ignored_spans_total', 'reason');
    if (ignored) notes.push(`ignored spans: ${ignored}`);
    if (runError) notes.push(`client error: ${runError.message.split('\n')[0]}`);
    const lines = exact ? [] : this.newLines(sizes);
    if (!exact && !runError) notes.push(...diagnose(got, want, served, tapped, lines));
    const result: CaseResult = {
      client,
      shape,
      exact,
      want,
      got,
      gap,
      emitted,
      clientError: runError?.message,
      notes,
      dump: exact ? '' : dump(tapped, lines, served),
      seconds: { client: (t1 - t0) / 1000, wait: (Date.now() - t1) / 1000 },
    };
    this.results.push(result);
    if (runError) throw runError;
    return result;
  }

  /** Records a case that cannot run here, with the reason. */
  skip(client: string, shape: string, reason: string): void {
    this.results.push({ client, shape, exact: false, skipped: reason, notes: [], dump: '' });
  }

  /** Lets late exports of the previous case land before the next one is measured. */
  private async quiet(): Promise<void> {
    const end = Date.now() + 3_000;
    while (!this.tap.idle() && Date.now() < end) await sleep(50);
  }

  private newLines(sizes: Map<string, number>): string[] {
    const out: string[] = [];
    for (const [f, size] of this.fileSizes()) {
      const old = sizes.get(f) ?? 0;
      if (size > old) out.push(...readFileSync(join(this.logDir, f)).subarray(old).toString('utf8').split('\n').filter(Boolean));
    }
    return out;
  }

  private expected(served: Served[]): Totals {
    const t: Totals = { requests: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, cost: 0, unpriced: 0, rejected: 0, series: [] };
    const series = new Set<string>();
    for (const s of served) {
      t.requests++;
      t.input += s.usage.input;
      t.output += s.usage.output;
      t.cacheRead += s.usage.cacheRead;
      t.cacheWrite += s.usage.cacheWrite;
      t.reasoning += s.usage.reasoning;
      t.cost += expectedCost(this.catalog, truth(s));
      series.add(`${s.provider}/${s.model}`);
    }
    t.cost = round(t.cost);
    t.series = [...series].sort();
    return t;
  }

  /**
   * What /metrics must show when tokenscope counts exactly what the client emitted: each call's
   * emitted counts (0 for a type it did not emit), priced from the price data; a call with no count
   * at all counted with usage unknown (unpriced, $0); a call naming no provider rejected. Labels
   * are the served provider/model (what the client names them is tokenscope's to resolve).
   * `differs`: the types (and `provider`) where the emission departs from what was served.
   */
  private emitted(calls: EmittedCall[], served: Served[]): { calls: EmittedCall[]; totals: Totals; differs: GapType[] } {
    const t: Totals = { requests: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, cost: 0, unpriced: 0, rejected: 0, series: [] };
    const ids = new Set(served.map((s) => `${s.provider}/${s.model}`));
    if (ids.size > 1) throw new Error(`a client-gap case must call one provider/model, it called ${[...ids].join(', ')}`);
    const s0 = served[0];
    for (const c of calls) {
      if (c.provider === undefined) {
        t.rejected++;
        continue;
      }
      t.requests++;
      if (Object.keys(c.tokens).length === 0) t.unpriced++;
      const u = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...c.tokens };
      for (const k of TOKEN_TYPES) t[k] += u[k];
      if (s0 && Object.keys(c.tokens).length > 0) t.cost += expectedCost(this.catalog, { ...truth(s0), ...u });
    }
    t.cost = round(t.cost);
    t.series = t.requests > 0 ? [...ids].sort() : [];
    const want = this.expected(served);
    const sum = (k: (typeof TOKEN_TYPES)[number]) => calls.reduce((a, c) => a + (c.tokens[k] ?? 0), 0);
    const differs: GapType[] = TOKEN_TYPES.filter((k) => sum(k) !== want[k]);
    if (calls.some((c) => c.provider === undefined)) differs.push('provider');
    return { calls, totals: t, differs };
  }

  /** The per-case table, the client × API summary, and the dumps of what the clients emitted where it was not exact. */
  report(): string {
    const lines = [
      `## Conformance: ${this.suite}`,
      '',
      '| client | case | result | requests | input | output | cache read | cache write | reasoning | cost $ | unpriced | rejected | labels | s (client + wait) | notes |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const r of this.results) {
      if (r.skipped) {
        lines.push(`| ${r.client} | ${r.shape} | SKIPPED | | | | | | | | | | | | ${r.skipped} |`);
        continue;
      }
      // Against what was served; with a client gap, what the client emitted is shown too where it differs.
      const cell = (k: (typeof FIELDS)[number]) => {
        const g = r.got![k];
        const w = r.want![k];
        const e = r.emitted?.totals[k];
        const sent = e !== undefined && e !== w ? `, emitted ${e}` : '';
        return g === w ? String(w) : `**${g}** (served ${w}${sent})`;
      };
      const labels = r.got!.series.join(' ') === r.want!.series.join(' ') ? r.want!.series.join(' ') : `**${r.got!.series.join(' ') || '—'}** (want ${r.want!.series.join(' ')})`;
      lines.push(
        `| ${r.client} | ${r.shape} | ${outcome(r)} | ${cell('requests')} | ${cell('input')} | ${cell('output')} | ${cell('cacheRead')} | ${cell('cacheWrite')} | ${cell('reasoning')} | ${cell('cost')} | ${cell('unpriced')} | ${cell('rejected')} | ${labels} | ${r.seconds!.client.toFixed(1)} + ${r.seconds!.wait.toFixed(1)} | ${r.notes.join('; ').replace(/\|/g, '/')} |`,
      );
    }
    lines.push('', '### By client and API', '', ...summary(this.results));
    const failing = this.results.filter((r) => !r.exact && !r.skipped);
    if (failing.length) {
      lines.push('', '### What the clients emitted where it was not exact', '');
      for (const r of failing) lines.push(`#### ${r.client} — ${r.shape}`, '', '```', r.dump.trimEnd(), '```', '');
    }
    return lines.join('\n');
  }

  writeReport(): string {
    const text = this.report();
    const dir = process.env.CONFORMANCE_REPORT_DIR ?? join(tmpdir(), 'tokenscope-conformance');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.suite}.md`);
    writeFileSync(file, text + '\n');
    const ran = this.results.filter((r) => !r.skipped);
    const exact = ran.filter((r) => !r.gap && r.exact).length;
    const gaps = ran.filter((r) => r.gap && gapHolds(r)).length;
    const skipped = this.results.length - ran.length;
    return `${text}\n\n${ran.length} cases: ${exact} exact, ${gaps} client gaps counted exactly as emitted, ${ran.length - exact - gaps} failing; ${skipped} skipped; report written to ${file}`;
  }
}

const LABELS: Record<GapType, string> = { input: 'input', output: 'output', cacheRead: 'cache read', cacheWrite: 'cache write', reasoning: 'reasoning', provider: 'provider' };

export function label(t: GapType): string {
  return LABELS[t];
}

function sortedTypes(ts: readonly GapType[]): GapType[] {
  const order = Object.keys(LABELS);
  return [...ts].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** A client-gap case holds: counted exactly as emitted, and the emission departs from the truth for exactly the declared types. */
function gapHolds(r: CaseResult): boolean {
  if (!r.gap || !r.emitted || r.clientError !== undefined || r.skipped) return false;
  return (
    r.emitted.calls.length === r.want!.requests &&
    same(r.got!, r.emitted.totals) &&
    sortedTypes(r.emitted.differs).join() === sortedTypes(r.gap.types).join()
  );
}

function outcome(r: CaseResult): string {
  if (r.skipped) return 'SKIPPED';
  if (!r.gap) return r.exact ? 'exact' : 'NOT EXACT';
  if (gapHolds(r)) return `client gap: ${sortedTypes(r.gap.types).map(label).join(', ')}`;
  if (r.emitted && sortedTypes(r.emitted.differs).join() !== sortedTypes(r.gap.types).join()) return `GAP CHANGED (the client now departs in: ${r.emitted.differs.map(label).join(', ') || 'nothing'})`;
  return 'NOT AS EMITTED';
}

/**
 * The assertions of a case. Without a client gap: /metrics shows exactly what was served. With
 * one: (i) /metrics shows exactly what the client emitted, and (ii) what it emitted differs from
 * what was served in exactly the declared types.
 */
export function checkCase(r: CaseResult): void {
  if (!r.gap) {
    expect(r.got).toEqual(r.want);
    return;
  }
  const e = r.emitted!;
  expect(e.calls.length, `the client's call spans (${r.gap.reader.name}) for ${r.want!.requests} served calls`).toBe(r.want!.requests);
  expect(
    sortedTypes(e.differs),
    `where the client departs from what the provider served; if a declared type is missing here the client emits it now: delete the case's entry in test/conformance/gaps.ts`,
  ).toEqual(sortedTypes(r.gap.types));
  expect(r.got, 'counted exactly what the client emitted').toEqual(e.totals);
}

/** Case name → [API, column]: "openai.chat generateText" → ["openai.chat", "plain"]. */
function column(shape: string): [string, string] {
  const i = shape.indexOf(' ');
  const rest = shape.slice(i + 1);
  return [shape.slice(0, i), rest === 'generateText' || rest === 'generate' ? 'plain' : rest === 'streamText' || rest === 'stream' ? 'stream' : rest];
}

/** Client × API → plain / stream / tool loop: exact, client gap (what), or failing. */
function summary(results: readonly CaseResult[]): string[] {
  const cols = ['plain', 'stream', 'tool call, 2 steps'];
  const rows = new Map<string, Map<string, string>>();
  for (const r of results) {
    const [api, col] = column(r.shape);
    const k = `${r.client} | ${api}`;
    if (!rows.has(k)) rows.set(k, new Map());
    rows.get(k)!.set(col, outcome(r));
  }
  // Grouped by client, in the order the clients first ran.
  const clients = [...new Set(results.map((r) => r.client))];
  const keys = [...rows.keys()].sort((a, b) => clients.indexOf(a.split(' | ')[0]) - clients.indexOf(b.split(' | ')[0]));
  const out = ['| client | API | plain | stream | tool call, 2 steps |', '| --- | --- | --- | --- | --- |'];
  for (const k of keys) out.push(`| ${k} | ${cols.map((c) => rows.get(k)!.get(c) ?? '—').join(' | ')} |`);
  return out;
}

function truth(s: Served): Truth {
  return {
    timestampMs: Date.now(),
    provider: s.provider,
    model: s.model,
    feature: '',
    team: '',
    project: '',
    requestId: s.id,
    input: s.usage.input,
    output: s.usage.output,
    cacheRead: s.usage.cacheRead,
    cacheWrite: s.usage.cacheWrite,
    reasoning: s.usage.reasoning,
    latencyMs: 0,
    status: 'success',
    statusCode: 200,
  };
}

const METRICS = {
  input: 'ai_tokens_input_total',
  output: 'ai_tokens_output_total',
  cacheRead: 'ai_tokens_cache_read_total',
  cacheWrite: 'ai_tokens_cache_write_total',
  reasoning: 'ai_tokens_reasoning_total',
  cost: 'ai_cost_dollars_total',
} as const;

function key(s: Sample): string {
  return `${s.name}{${Object.entries(s.labels)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;
}

function diff(before: Sample[], after: Sample[], name: string): Sample[] {
  const old = new Map(before.filter((s) => s.name === name).map((s) => [key(s), s.value]));
  return after.filter((s) => s.name === name).map((s) => ({ ...s, value: s.value - (old.get(key(s)) ?? 0) })).filter((s) => s.value !== 0);
}

function delta(before: Sample[], after: Sample[], name: string): number {
  return diff(before, after, name).reduce((a, s) => a + s.value, 0);
}

function labelled(before: Sample[], after: Sample[], name: string, label: string): string {
  return diff(before, after, name)
    .map((s) => `${s.labels[label]}=${s.value}`)
    .join(', ');
}

function totals(before: Sample[], after: Sample[]): Totals {
  const req = diff(before, after, 'ai_requests_total');
  const series = new Set(req.map((s) => `${s.labels.provider}/${s.labels.model}`));
  return {
    requests: req.reduce((a, s) => a + s.value, 0),
    errors: req.filter((s) => s.labels.status === 'error').reduce((a, s) => a + s.value, 0),
    input: delta(before, after, METRICS.input),
    output: delta(before, after, METRICS.output),
    cacheRead: delta(before, after, METRICS.cacheRead),
    cacheWrite: delta(before, after, METRICS.cacheWrite),
    reasoning: delta(before, after, METRICS.reasoning),
    cost: round(delta(before, after, METRICS.cost)),
    unpriced: delta(before, after, 'ai_unpriced_requests_total'),
    rejected: delta(before, after, 'ai_exporter_rejected_lines_total'),
    series: [...series].sort(),
  };
}

function round(x: number): number {
  return Number(x.toFixed(10));
}

function same(a: Totals, b: Totals): boolean {
  return FIELDS.every((k) => a[k] === b[k]) && a.series.join(' ') === b.series.join(' ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- what went wrong ----------------------------------------------------------------------------

const TOKEN_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;
type TokenField = (typeof TOKEN_FIELDS)[number];

/** The numbers a client may have written for one call's count: ours, or the provider's own. */
function candidates(field: TokenField, s: Served): number[] {
  const u = s.usage;
  if (field === 'input') return [u.input, u.input - u.cacheRead - u.cacheWrite].filter((n) => n > 0);
  if (field === 'output') return [u.output, u.output - u.reasoning].filter((n) => n > 0);
  return u[field] > 0 ? [u[field]] : [];
}

function holds(v: unknown, n: number): boolean {
  if (typeof v === 'number') return v === n;
  const text = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  return new RegExp(`(^|[^0-9.])${n}([^0-9.]|$)`).test(text);
}

function flatten(o: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else out.push([prefix, o]);
}

/** Where the client put a served count, if anywhere: "span name: attribute" or "log line: path". */
function whereEmitted(n: number, tapped: Tapped[], lines: string[]): string[] {
  const at: string[] = [];
  for (const t of tapped) {
    for (const s of t.spans) for (const [k, v] of Object.entries(s.attributes)) if (holds(v, n)) at.push(`${s.name}: ${k}`);
    for (const l of t.logs) for (const [k, v] of Object.entries(l.attributes)) if (holds(v, n)) at.push(`log ${l.eventName}: ${k}`);
  }
  for (const line of lines) {
    const flat: Array<[string, unknown]> = [];
    try {
      flatten(JSON.parse(line), '', flat);
    } catch {
      continue;
    }
    for (const [k, v] of flat) if (holds(v, n)) at.push(`log line: ${k}`);
  }
  return at;
}

/**
 * For each token type that came out wrong: did the client emit the served count at all (and
 * where), or not? That tells a mapping gap from a client that does not report the number.
 */
function diagnose(got: Totals, want: Totals, served: Served[], tapped: Tapped[], lines: string[]): string[] {
  const out: string[] = [];
  if (got.requests > want.requests) out.push(`requests: ${got.requests} counted for ${want.requests} calls`);
  if (got.requests < want.requests) out.push(`requests: ${want.requests - got.requests} of ${want.requests} calls not counted`);
  for (const f of TOKEN_FIELDS) {
    if (got[f] === want[f]) continue;
    if (want[f] === 0) {
      out.push(`${f}: ${got[f]} counted, none served`);
      continue;
    }
    const calls = served.filter((s) => s.usage[f] > 0);
    let exclusive = false;
    const found = calls.map((s) => {
      const [ours, ...theirs] = candidates(f, s);
      for (const n of [ours, ...theirs]) {
        const at = whereEmitted(n, tapped, lines);
        if (at.length) {
          if (n !== ours) exclusive = true;
          return at;
        }
      }
      return undefined;
    });
    const verdict = `${got[f]} counted for ${want[f]} served`;
    if (found.every((a) => a === undefined)) out.push(`${f}: the served count is nowhere in what the client sent (${verdict})`);
    else {
      const keys = [...new Set(found.flatMap((a) => a ?? []))].slice(0, 4).join(', ');
      const missing = found.filter((a) => a === undefined).length;
      const as = exclusive ? ` as the provider's ${f === 'input' ? 'uncached input' : 'non-reasoning output'}` : '';
      out.push(`${f}: sent${as} in ${keys}${missing ? ` (for ${calls.length - missing} of ${calls.length} calls)` : ''}; ${verdict}`);
    }
  }
  return out;
}

// ---- the dump ---------------------------------------------------------------------------------

/** Attribute keys that bear on counting; content (prompts, completions, tool schemas) is left out. */
const RELEVANT = /token|usage|cost|^gen_ai\.(system|provider|operation|request\.model|response\.(model|id|finish)|conversation)|^ai\.(model|operationId|response\.(id|model|providerMetadata|finishReason))|^llm\.(request\.type|is_streaming|usage)|^operation\.name|^traceloop\.(span\.kind|entity\.name)|^service\.name|^server\.address|^error\.type|^http\.response\.status_code|^litellm\.(call_type|model|provider)|^openlit/i;
const CONTENT = /prompt\.\d|completion\.\d|messages|\.content|instructions|tool\.definitions|tools\.|input\.value|output\.value|entity\.(input|output)/i;

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

function dump(tapped: Tapped[], lines: string[], served: Served[]): string {
  const out: string[] = [];
  out.push(`fake served: ${served.map((s) => `${s.id} ${s.api}${s.stream ? ' stream' : ''}${s.toolCall ? ' tool_call' : ''} in=${s.usage.input} out=${s.usage.output} cr=${s.usage.cacheRead} cw=${s.usage.cacheWrite} rs=${s.usage.reasoning}`).join('; ') || 'nothing'}`);
  if (!tapped.length && !lines.length) out.push('nothing reached the exporter (no OTLP export, no log line)');
  for (const t of tapped) {
    out.push(`POST ${t.path} (${t.contentType}) → ${t.status} ${t.answer}`);
    for (const s of t.spans) {
      const a = Object.entries(s.attributes).filter(([k]) => RELEVANT.test(k) && !(CONTENT.test(k) && !/token|usage/i.test(k)));
      out.push(
        `  span "${s.name}" [${s.scope}] kind=${s.kind} ${s.parentSpanId ? `parent=${s.parentSpanId.slice(0, 8)}` : 'ROOT'} id=${s.spanId.slice(0, 8)} status=${s.status.code}${s.status.message ? ` "${s.status.message}"` : ''} service=${s.service ?? '-'}`,
      );
      for (const [k, v] of a) out.push(`      ${k} = ${short(v)}`);
      const skipped = Object.keys(s.attributes).length - a.length;
      if (skipped) out.push(`      (+${skipped} other attributes: ${Object.keys(s.attributes).filter((k) => !a.some(([x]) => x === k)).slice(0, 12).join(', ')}${skipped > 12 ? ', …' : ''})`);
    }
    for (const l of t.logs) {
      const a = Object.entries(l.attributes).filter(([k]) => RELEVANT.test(k));
      out.push(`  log "${l.eventName}" [${l.scope}] ${a.map(([k, v]) => `${k}=${short(v)}`).join(' ')}`);
    }
    if (t.metrics.length) out.push(`  metrics: ${[...new Set(t.metrics)].join(', ')}`);
  }
  for (const l of lines) out.push(`log line: ${summariseLine(l)}`);
  return out.join('\n');
}

function summariseLine(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const pick: Record<string, unknown> = {};
    for (const k of ['id', 'call_type', 'model', 'custom_llm_provider', 'status', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'response_cost', 'stream']) if (k in o) pick[k] = o[k];
    const resp = o.response as Record<string, unknown> | null | undefined;
    if (resp && typeof resp === 'object') pick['response.usage'] = resp.usage;
    const hidden = o.hidden_params as Record<string, unknown> | undefined;
    if (hidden?.usage_object) pick['hidden_params.usage_object'] = hidden.usage_object;
    return short(pick);
  } catch {
    return short(line);
  }
}

/** The installed version of an npm package (aliases included: `ai5` is ai@5). */
export function npmVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}
