// A realistic /metrics body (varied traffic read by the real file tailer, OTLP, Loki and usage-limit
// self-metrics, process and catalog series) conforms to the metric contract family by family, the
// contract declares nothing the exporter never renders, and promtool accepts the text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { METRICS } from '../../exporter/src/contract/metrics.js';
import { ERROR_TYPES } from '../../exporter/src/events/types.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import type { LimitSummary } from '../../exporter/src/limits/tracker.js';
import { registerLimitMetrics } from '../../exporter/src/limits/metrics.js';
import { LokiShipper } from '../../exporter/src/log/loki-push.js';
import { registerLokiMetrics } from '../../exporter/src/log/loki-serve.js';
import { openRequestStore } from '../../exporter/src/request-store/open.js';
import { registerStoreMetrics } from '../../exporter/src/request-store/serve.js';
import { StoreWriter } from '../../exporter/src/request-store/writer.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { createOtlpStats } from '../../exporter/src/sources/otlp/stats.js';
import { FileTailer } from '../../exporter/src/sources/files/file-tail.js';
import { registerTailMetrics } from '../../exporter/src/sources/files/tail-metrics.js';
import { freePort } from '../support/ports.js';
import { contractProblems, families, missingFamilies } from './support/check.js';

const T = Date.UTC(2026, 0, 15, 12);
const at = (s: number) => new Date(T + s * 1000).toISOString();

function trafficLines(): string[] {
  const base = { type: 'request', latency_ms: 1200, project: 'web' };
  const out = [
    { ...base, timestamp: at(1), provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'search', input_tokens: 1200, output_tokens: 300, cache_read_tokens: 800, ttft_ms: 300, request_id: 'r-1' },
    { ...base, timestamp: at(2), provider: 'anthropic', model: 'claude-sonnet-4-20250514', feature: 'chat', team: 'support', input_tokens: 5000, output_tokens: 200, cache_read_tokens: 3000, cache_write_tokens: 1000 },
    { ...base, timestamp: at(3), provider: 'google', model: 'gemini-2.5-flash', feature: 'summarise', team: 'search', input_tokens: 900, output_tokens: 700, reasoning_tokens: 400, project: 'mobile' },
    { ...base, timestamp: at(4), provider: 'openai', model: 'gpt-4o-mini', feature: 'search', team: 'platform', input_tokens: 500, output_tokens: 50, estimated_input_tokens: 480 },
    // A model nobody prices: counted, cost 0, in ai_unpriced_requests_total.
    { ...base, timestamp: at(5), provider: 'openai', model: 'mystery-model', feature: 'chat', team: 'search', input_tokens: 100, output_tokens: 10 },
    // The same request id again: dropped as a duplicate.
    { ...base, timestamp: at(6), provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'search', input_tokens: 1200, output_tokens: 300, request_id: 'r-1' },
    ...ERROR_TYPES.map((t, i) => ({ ...base, timestamp: at(10 + i), provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'search', status: 'error', error_type: t })),
    { type: 'circuit_breaker', timestamp: at(30), provider: 'anthropic', state: 'open', failure_count: 5 },
  ].map((l) => JSON.stringify(l));
  return [...out, 'not json at all', '[1, 2]'];
}

// Every limit kind and level seen, and some untracked traffic, so each family has samples.
const LIMITS: LimitSummary = {
  subjects: { user: [3, 1, 1], api_key: [2, 0, 0] },
  maxRatio: { user: new Map([['daily_dollars', 1.2], ['monthly_tokens', 0.4]]), api_key: new Map([['monthly_dollars', 0.2]]) },
  breaches: { user: new Map([['daily_dollars', 1]]), api_key: new Map() },
  warnings: { user: new Map([['daily_dollars', 2]]), api_key: new Map() },
  untracked: { user: 4, api_key: 0 },
};

let dir: string;
let text: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-contract-'));
  writeFileSync(join(dir, 'app.jsonl'), `${trafficLines().join('\n')}\n`);
  writeFileSync(join(dir, 'app.jsonl.1.gz'), gzipSync('{"rotated": true}\n'));
  const pipeline = new Pipeline(loadCatalog());
  // A real SQLite request store behind the pipeline, for the ai_exporter_store_* series.
  const store = (await openRequestStore({ kind: 'sqlite', path: join(dir, 'requests.db') }))!;
  const writer = new StoreWriter(store, { pseudonym: () => 'pseudonym', flushIntervalMs: 10 });
  pipeline.addSink(writer);
  const tailer = new FileTailer({ globs: [join(dir, '*.jsonl*')], onLines: (b) => b.lines.forEach((l) => pipeline.ingestLine(l, 'file')) });
  await tailer.pollOnce();
  const renderer = new MetricsRenderer(pipeline);
  registerTailMetrics(renderer.registry, tailer);
  await writer.close();
  registerStoreMetrics(renderer.registry, writer);
  const otlp = createOtlpStats(renderer.registry);
  otlp.ignoredSpan('not_genai', 3);
  otlp.ignoredPoint('spans_win');
  otlp.ignoredLogRecord('genai_event', 2);
  // Loki down (nothing listens on the port): the failed push shows in the shipper's counters.
  const loki = new LokiShipper({ url: `http://127.0.0.1:${await freePort()}`, flushIntervalMs: 60_000 });
  registerLokiMetrics(renderer.registry, loki);
  loki.write('{"msg":"request"}\n');
  await loki.flush().catch(() => undefined);
  registerLimitMetrics(renderer.registry, () => LIMITS, 0.8);
  text = await renderer.metrics();
  await loki.close(100);
  await tailer.stop();
  await store.close();
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the metric contract', () => {
  it('is what /metrics renders: names, HELP, TYPE, label names and closed label values', () => {
    expect(families(text).get(METRICS.requests.name)?.samples).toBeGreaterThan(0);
    expect(contractProblems(text)).toEqual([]);
  });

  it('declares no family the exporter does not render', () => {
    expect(missingFamilies(text)).toEqual([]);
  });

  it('serves prom-client process metrics under their standard names', () => {
    const names = [...families(text).keys()];
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => n.startsWith('ai_exporter_process') || n.startsWith('ai_exporter_nodejs'))).toEqual([]);
  });

  it('passes promtool check metrics', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // prom-client's standard nodejs_active_*_total gauges break the "_total is for counters" lint;
    // they keep those names because the standard Node.js dashboards query them. Nothing else may.
    const lint = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l && !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(l));
    expect(lint).toEqual([]);
    expect(r.status === 0 || r.status === 3).toBe(true); // 3: lint warnings only, all allowed above
  });

  it('reports what departs from it: an undeclared family, a changed HELP, an unknown label or value', () => {
    const bad = [
      '# HELP ai_requests_total Requests.',
      '# TYPE ai_requests_total counter',
      'ai_requests_total{provider="openai",model="m",feature="f",team="t",status="maybe"} 1',
      '# HELP ai_tokens_input_total Input tokens, cache reads and writes included.',
      '# TYPE ai_tokens_input_total gauge',
      'ai_tokens_input_total{provider="openai",model="m",feature="f",team="t",user_id="u-1"} 1',
      '# HELP ai_made_up_total Not declared.',
      '# TYPE ai_made_up_total counter',
      'ai_made_up_total 1',
      '',
    ].join('\n');
    expect(contractProblems(bad)).toEqual([
      'ai_requests_total: HELP "Requests." is not the contract\'s "LLM requests by outcome (status=\\"success\\"|\\"error\\")."',
      'ai_tokens_input_total: TYPE gauge is not the contract\'s counter',
      'ai_made_up_total: rendered but not in the contract',
      'ai_requests_total: status="maybe" is not one of the contract\'s values',
      'ai_tokens_input_total: labels {feature,model,provider,team,user_id} are not the contract\'s {feature,model,provider,team}',
    ]);
  });
});
