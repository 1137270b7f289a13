// Traffic logged under a dated snapshot id ("gpt-4o-2024-08-06") is joined with the catalog model
// covering it ("gpt-4o"): a real exporter publishes ai_model_info / ai_model_price_… rows for the
// observed id, and the generated savings rules, evaluated by a real Prometheus (1 s scrape; rule
// groups rewritten to a 1 s interval), give it a family and a cheaper-model estimate, like the
// exact catalog id. Counters carry no timestamps: the day's traffic is written during the test.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

const SNAPSHOT = 'gpt-4o-2024-08-06';
const SAVINGS = 'provider_model_feature_opportunity:ai_savings_dollars:monthly_estimate';
const PRICE = 'ai_model_price_dollars_per_million_tokens';

function event(model: string, feature: string, input: number, output: number): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(), provider: 'openai', model, feature, team: 'search',
    input_tokens: input, output_tokens: output, latency_ms: 700, status: 'success', status_code: 200,
  });
}

describe('observed snapshot ids join the catalog in the real rules', () => {
  let exporter: Proc;
  let prom: Prometheus;
  let port: number;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-observed-'));
    const rules = join(dir, 'rules');
    writeRuleFiles(rules, loadCatalog());
    // The savings group runs every few minutes; the test cannot wait that long.
    for (const f of readdirSync(rules)) writeFileSync(join(rules, f), readFileSync(join(rules, f), 'utf8').replace(/^(\s*)interval: .*$/gm, '$1interval: 1s'));
    const log = join(dir, 'traffic.jsonl');
    writeFileSync(log, [event(SNAPSHOT, 'chat', 10, 1), event('gpt-4o', 'search', 10, 1)].join('\n') + '\n');
    port = await freePort();
    exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--poll-interval', '100', '--no-request-log']);
    await waitFor('exporter serving the warm-up', async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes(SNAPSHOT), 60_000);
    prom = await Prometheus.start(`
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${rules}/*.yml']
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`);
    await waitFor('two scrapes of the warm-up', async () => (await prom.query('count_over_time(up{job="tokenscope"}[1m]) >= 2')).length === 1, 30_000, 250);
    // The day's traffic: 200 calls of 20k input and 2k output tokens on each id.
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(event(SNAPSHOT, 'chat', 20_000, 2_000), event('gpt-4o', 'search', 20_000, 2_000));
    appendFileSync(log, lines.join('\n') + '\n');
    await waitFor('the savings rules seeing the traffic', async () => (await prom.query(`${SAVINGS}{model="${SNAPSHOT}",opportunity="cheaper_model"} > 100`)).length === 1, 60_000, 250);
  }, 180_000);

  afterAll(async () => {
    await prom?.stop();
    await exporter?.stop();
  });

  it('publishes the observed id with the catalog model\'s family and prices, and keeps the catalog rows', async () => {
    const info = await prom.query(`ai_model_info{provider="openai",model=~"gpt-4o|${SNAPSHOT}"}`);
    expect(info.map((s) => [s.metric.model, s.metric.family]).sort()).toEqual([['gpt-4o', 'gpt-4o'], [SNAPSHOT, 'gpt-4o']]);
    const prices = async (model: string) =>
      Object.fromEntries((await prom.query(`${PRICE}{provider="openai",model="${model}"}`)).map((s) => [s.metric.token_type, Number(s.value[1])]));
    const catalog = await prices('gpt-4o');
    expect(catalog.input).toBeGreaterThan(0);
    expect(await prices(SNAPSHOT)).toEqual(catalog);
    // Not an id the catalog covers under openai: no rows for it.
    expect(await prom.query(`ai_model_info{model="gpt-4o-mini-2024-07-18"}`)).toEqual([]);
  });

  it('gives the snapshot a cheaper-model savings estimate from its day of tokens, as for the exact id', async () => {
    // Every rule of the group carries its evaluation's timestamp: read them all at the latest one.
    const latest = await prom.query(`${SAVINGS}{model="${SNAPSHOT}",opportunity="cheaper_model"}`);
    const t = latest[0].value[0];
    const price = async (model: string, tokenType: string) => prom.value(`${PRICE}{provider="openai",model="${model}",token_type="${tokenType}"}`, t);
    // gpt-4o-mini is the cheapest model of the gpt-4o family under openai in the catalog.
    const diffIn = (await price('gpt-4o', 'input')) - (await price('gpt-4o-mini', 'input'));
    const diffOut = (await price('gpt-4o', 'output')) - (await price('gpt-4o-mini', 'output'));
    expect(diffIn).toBeGreaterThan(0);
    for (const [model, feature] of [[SNAPSHOT, 'chat'], ['gpt-4o', 'search']]) {
      const sel = `{provider="openai",model="${model}",feature="${feature}"}`;
      const input = await prom.value(`provider_model_feature:ai_tokens_input:increase1d${sel}`, t);
      const output = await prom.value(`provider_model_feature:ai_tokens_output:increase1d${sel}`, t);
      // The 4M input tokens written after the warm-up (increase() extrapolates a little).
      expect(input).toBeGreaterThan(3_900_000);
      const saving = await prom.value(`${SAVINGS}{provider="openai",model="${model}",feature="${feature}",opportunity="cheaper_model"}`, t);
      expect(saving).toBeCloseTo(((input * diffIn + output * diffOut) * 30) / 1e6, 6);
    }
  });

  it('a family-level join sums the snapshot\'s spend under its family', async () => {
    const byFamily = await prom.query(
      'sum by (family) (ai_cost_dollars_total{provider="openai"} * on (provider, model) group_left (family) max by (provider, model, family) (ai_model_info))',
    );
    const total = await prom.value('sum(ai_cost_dollars_total{provider="openai"})');
    expect(byFamily.map((s) => s.metric.family)).toEqual(['gpt-4o']);
    expect(Number(byFamily[0].value[1])).toBeCloseTo(total, 9);
  });
});
