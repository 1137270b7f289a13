// A real Prometheus scrapes the real exporter; PromQL totals equal the input's totals.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { expectedCost } from '../support/expected-cost.js';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { makeTruths, render, shapeFor, totals } from '../support/traffic.js';

describe('Prometheus scraping the exporter', () => {
  const truths = makeTruths(20_000, { seed: 5 });
  let exporter: Proc;
  let prom: Prometheus;
  let port: number;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-scrape-'));
    writeFileSync(join(dir, 'a.jsonl'), truths.map((t, i) => render(t, shapeFor(t, i))).join('\n') + '\n');
    port = await freePort();
    exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--no-request-log']);
    await waitFor('exporter ingested the file', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      return sum(parseExposition(await r.text()), 'ai_exporter_lines_total', { source: 'file' }) === truths.length;
    }, 60_000);
    prom = await Prometheus.start(`
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`);
    await waitFor('first scrape', async () => (await prom.query('up{job="tokenscope"} == 1')).length === 1, 30_000, 250);
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await exporter?.stop();
  });

  it('returns the file’s totals through PromQL', async () => {
    const want = totals(truths);
    expect(await prom.value('sum(ai_requests_total)')).toBe(want.requests);
    expect(await prom.value('sum(ai_requests_total{status="error"})')).toBe(want.errors);
    expect(await prom.value('sum(ai_tokens_input_total)')).toBe(want.input);
    expect(await prom.value('sum(ai_tokens_output_total)')).toBe(want.output);
    expect(await prom.value('sum(ai_tokens_cache_read_total)')).toBe(want.cacheRead);
    const catalog = loadCatalog();
    const cost = truths.reduce((a, t) => a + expectedCost(catalog, t), 0);
    expect(Math.abs((await prom.value('sum(ai_request_cost_dollars_sum)')) - cost)).toBeLessThan(0.005);
    const byProvider = await prom.query('sum by (provider) (ai_requests_total)');
    expect(byProvider.map((s) => s.metric.provider).sort()).toEqual([...new Set(truths.map((t) => t.provider))].sort());
  });

  it('exposes the catalog as series', async () => {
    expect(await prom.value('count(ai_provider_info)')).toBe(17);
    expect(await prom.value('ai_slo_target{provider="openai",slo="availability"}')).toBe(0.995);
    expect(await prom.value('ai_budget_dollars{scope="team",name="platform"}')).toBe(15000);
    expect(await prom.value('ai_model_price_dollars_per_million_tokens{provider="ollama",model="llama3.1:8b",token_type="input"}')).toBe(0.03);
    expect(await prom.value('count(ai_circuit_breaker_state == 0)')).toBe(17);
  });
});
