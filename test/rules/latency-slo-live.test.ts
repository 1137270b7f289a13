// The latency SLO end to end: a real exporter tails a log this test appends to, a real Prometheus
// (1 s scrape and evaluation, every `for:` capped at 2 s) scrapes it and evaluates the generated
// rules. The exporter's bucket layout holds every catalog target, so:
//   openai  every call takes exactly its 8 s target    → good: nothing slow, no alert
//   groq    every call takes 2.001 s, over its 2 s     → all slow: both latency burn alerts
//   acme    not in the catalog; half at 9 s, half at   → held to slo.global's 10 s and 0.95:
//           10.001 s                                      half slow, burn 10 (pages on 6h/30m > 6)
// Counters carry no timestamps, so only scrape times matter.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, sloFor } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { LATENCY_SLO as L } from '../../prometheus/src/names.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

const catalog = loadCatalog();
const target = (provider: string) => sloFor(catalog, provider).latency_p95_seconds;

function call(provider: string, model: string, latencyMs: number): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    provider,
    model,
    feature: 'chat',
    team: 'platform',
    input_tokens: 100,
    output_tokens: 20,
    latency_ms: latencyMs,
    status: 'success',
    status_code: 200,
  });
}

function batch(): string[] {
  return [
    call('openai', 'gpt-4o-mini', target('openai') * 1000),
    call('groq', 'llama-3.1-8b-instant', target('groq') * 1000 + 1),
    call('acme', 'acme-1', 9000),
    call('acme', 'acme-1', 10_001),
  ];
}

describe('latency SLO on a real Prometheus scraping a real exporter', () => {
  let exporter: Proc;
  let prom: Prometheus;
  let timer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    // The scenario relies on these catalog facts; acme must stay unknown to the catalog.
    expect([target('openai'), target('groq'), catalog.slo.global.latency_p95_seconds, catalog.slo.global.latency_objective]).toEqual([8, 2, 10, 0.95]);
    expect(catalog.providers.map((p) => p.slug)).not.toContain('acme');
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-latency-slo-'));
    writeRuleFiles(join(dir, 'rules'), catalog, { maxFor: '2s' });
    const log = join(dir, 'traffic.jsonl');
    writeFileSync(log, batch().join('\n') + '\n');
    const port = await freePort();
    exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--poll-interval', '100', '--no-request-log']);
    await waitFor('exporter serving the first calls', async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes('acme-1'), 60_000);
    prom = await Prometheus.start(`
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${join(dir, 'rules')}/*.yml']
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`);
    timer = setInterval(() => appendFileSync(log, batch().join('\n') + '\n'), 100);
  }, 120_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    await prom?.stop();
    await exporter?.stop();
  });

  const byProvider = async (expr: string) => Object.fromEntries((await prom.query(expr)).map((s) => [s.metric.provider, Number(s.value[1])]));

  it('counts a call of exactly the target as good and holds an unknown provider to slo.global', async () => {
    await waitFor('a 5m slow-request ratio for every provider', async () => Object.keys(await byProvider(L.errorRatio('5m'))).length === 3, 60_000, 500);
    expect(await byProvider(L.target)).toMatchObject({ openai: 8, groq: 2, acme: 10 });
    expect(await byProvider(L.objective)).toMatchObject({ openai: 0.95, groq: 0.95, acme: 0.95 });
    const slow = await byProvider(L.errorRatio('5m'));
    expect(slow.openai).toBe(0);
    expect(slow.groq).toBe(1);
    // Half of acme's calls: a scrape may fall between the two calls of one batch.
    expect(slow.acme).toBeGreaterThan(0.4);
    expect(slow.acme).toBeLessThan(0.6);
    const sli = await byProvider(L.sli('1d'));
    expect(sli.openai).toBe(1);
    expect(sli.groq).toBe(0);
  }, 90_000);

  it('fires both latency burn-rate alerts for the slow providers, none for the one at its target', async () => {
    const expected = ['TokenScopeLatencyErrorBudgetFastBurn acme', 'TokenScopeLatencyErrorBudgetFastBurn groq', 'TokenScopeLatencyErrorBudgetSlowBurn acme', 'TokenScopeLatencyErrorBudgetSlowBurn groq'];
    const firing = async () =>
      (await prom.query('ALERTS{alertstate="firing", alertname=~"TokenScopeLatency.*"}')).map((s) => `${s.metric.alertname} ${s.metric.provider}`).sort();
    let seen: string[] = [];
    try {
      await waitFor('the latency alerts firing', async () => {
        seen = await firing();
        return expected.every((e) => seen.includes(e));
      }, 90_000, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nfiring: ${JSON.stringify(seen)}`);
    }
    expect(await firing()).toEqual(expected);
  }, 120_000);
});
