// A real Prometheus (1 s scrape and evaluation) loads the generated rules, with every `for:`
// capped at 2 s, and scrapes a real exporter tailing a log file this test appends to in real time:
//   openai/gpt-4o-mini   fails 20 % of its calls (server errors)   → burn-rate and model alerts
//   anthropic/claude     healthy                                   → nothing, health 100
//   team support         spends ~$500/s on ollama/llama3.1:70b     → over its $8000 budget
// Counters carry no timestamps, so only scrape times matter: the traffic is written during the
// test and rates see it once two scrapes have.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

interface ApiAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

const HEALTHY = 'anthropic';

function event(provider: string, model: string, team: string, feature: string, opts: { output?: number; input?: number; latencyMs?: number; failed?: boolean } = {}): string {
  const failed = opts.failed ?? false;
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    provider,
    model,
    feature,
    team,
    input_tokens: failed ? 0 : (opts.input ?? 1000),
    output_tokens: failed ? 0 : (opts.output ?? 200),
    latency_ms: opts.latencyMs ?? 800,
    status: failed ? 'error' : 'success',
    status_code: failed ? 500 : 200,
    ...(failed ? { error_type: 'server_error' } : {}),
  });
}

/** One 200 ms batch: 5 calls each to the healthy and the failing provider, and $100 of team support's batch job. */
function batch(i: number): string[] {
  const lines: string[] = [];
  for (let k = 0; k < 5; k++) {
    lines.push(event(HEALTHY, 'claude-sonnet-4-20250514', 'platform', 'chat'));
    lines.push(event('openai', 'gpt-4o-mini', 'search', 'search', { latencyMs: 500, failed: (i * 5 + k) % 5 === 0 }));
  }
  // llama3.1:70b is priced by the catalog at $0.20 per million tokens: 5 × 100M tokens = $100
  // (100M is the per-request ceiling, docs/events.md "Ceilings").
  for (let k = 0; k < 5; k++) lines.push(event('ollama', 'llama3.1:70b', 'support', 'batch', { input: 0, output: 100_000_000, latencyMs: 2000 }));
  return lines;
}

describe('generated alerts on a real Prometheus scraping a real exporter', () => {
  let exporter: Proc;
  let prom: Prometheus;
  let timer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-alerts-'));
    writeRuleFiles(join(dir, 'rules'), loadCatalog(), { maxFor: '2s' });
    const log = join(dir, 'traffic.jsonl');
    // Warm-up: every series exists (at small values) before the traffic the rates must see.
    writeFileSync(log, [event(HEALTHY, 'claude-sonnet-4-20250514', 'platform', 'chat'), event('openai', 'gpt-4o-mini', 'search', 'search'), event('ollama', 'llama3.1:70b', 'support', 'batch', { input: 0, output: 1000 })].join('\n') + '\n');

    const port = await freePort();
    exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--poll-interval', '100', '--no-request-log']);
    await waitFor('exporter serving the warm-up', async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes('llama3.1:70b'), 60_000);

    prom = await Prometheus.start(`
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${join(dir, 'rules')}/*.yml']
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`);
    await waitFor('two scrapes of the warm-up', async () => (await prom.query('count_over_time(up{job="tokenscope"}[1m]) >= 2')).length === 1, 30_000, 250);
    let i = 0;
    timer = setInterval(() => appendFileSync(log, batch(i++).join('\n') + '\n'), 200);
  }, 120_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    await prom?.stop();
    await exporter?.stop();
  });

  const alerts = async (): Promise<ApiAlert[]> => {
    const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts;
  };
  const key = (a: { labels: Record<string, string> }) =>
    [a.labels.alertname, ...Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity').sort().map(([k, v]) => `${k}=${v}`)].join(' ');

  it('fires the expected alerts, and none for the healthy provider', async () => {
    const expected = [
      'TokenScopeErrorBudgetFastBurn provider=openai',
      'TokenScopeErrorBudgetSlowBurn provider=openai',
      'TokenScopeModelErrorRatioHigh model=gpt-4o-mini provider=openai',
      'TokenScopeBudgetExceeded name=support scope=team',
      // Less than an hour of history: the pace is the last hour × 24, so a $10k burst projects far
      // past the $50k total budget (docs/forecast.md explains the early-data behaviour).
      'TokenScopeBudgetForecastOverrun name=total scope=total',
      'TokenScopeWatchdog',
    ].sort();
    let firing: string[] = [];
    try {
      await waitFor(
        'the expected alerts firing',
        async () => {
          firing = (await alerts()).filter((a) => a.state === 'firing').map(key).sort();
          return expected.every((e) => firing.includes(e));
        },
        90_000,
        500,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nfiring: ${JSON.stringify(firing, null, 1)}\n${prom.output().slice(-1500)}`);
    }
    expect(firing).toEqual(expected);
    const all = await alerts();
    expect(all.filter((a) => a.labels.provider === HEALTHY).map(key)).toEqual([]);
  }, 120_000);

  it('records budget use, burn rates and health from live data', async () => {
    expect(await prom.value('scope_name:ai_budget_used:ratio{scope="team",name="support"}')).toBeGreaterThan(1);
    expect(await prom.value('team:ai_cost_dollars:month_to_date{team="support"}')).toBeGreaterThan(8000);
    // 1 failure in 5 against a 0.995 objective: 0.2 / 0.005 = 40.
    expect(await prom.value('provider:ai_error_budget:burnrate5m{provider="openai"}')).toBeCloseTo(40, 0);
    expect(await prom.value(`provider:ai_error_budget:burnrate5m{provider="${HEALTHY}"}`)).toBe(0);
    // openai: 0.2 errors is 20× its 0.01 error_rate target (error part 0), latency fine: 100 × 0.4.
    expect(await prom.value('provider:ai_health:score{provider="openai"}')).toBeCloseTo(40, 5);
    expect(await prom.value(`provider:ai_health:score{provider="${HEALTHY}"}`)).toBe(100);
  });
});
