// `models=<catalog name>` on the usage API counts the ids that name covers (catalog/src/model-match.ts):
// dated snapshots and provider-prefixed ids, not a longer model name, and a catalog `match:` list
// where there is one. A log over one fixed day is backfilled by the real CLI and read back by a
// real Prometheus through the API.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../exporter/src/clock.js';
import { loadCatalog } from '../../catalog/src/load.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { createUsageApiRouter } from '../../reader/src/usage-api/router.js';
import { CLI } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { startExporter, type Harness } from '../server/helpers.js';

const TOKEN = 'model-filter-token';
const DAY = Date.UTC(2026, 5, 1);
const NOW = DAY + 26 * 3_600_000;
/** Requests per logged id (input tokens = 1000 × index, so sums tell the ids apart). */
const IDS: Array<[provider: string, model: string, requests: number]> = [
  ['openai', 'gpt-4o', 3],
  ['openai', 'gpt-4o-2024-08-06', 5],
  ['openai', 'openai/gpt-4o', 7],
  ['openai', 'gpt-4o-mini', 11],
  ['openai', 'gpt-4o-mini-2024-07-18', 13],
  ['anthropic', 'claude-sonnet-4-20250514', 17],
];

describe('usage API model filter covers snapshots and prefixed ids', () => {
  let prom: Prometheus;
  let api: Harness;
  let listed: Harness;
  const requests = async (query: string, on: Harness = api): Promise<number> => {
    const res = await fetch(`${on.url}/api/usage/summary?period=custom&startDate=2026-06-01&endDate=2026-06-01&${query}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { totalRequests: number };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.totalRequests;
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-model-filter-'));
    const lines: string[] = [];
    IDS.forEach(([provider, model, n], k) => {
      for (let i = 0; i < n; i++) {
        lines.push(JSON.stringify({
          timestamp: new Date(DAY + 3_600_000 + (k * 20 + i) * 60_000).toISOString(), provider, model, feature: 'chat', team: 'search',
          input_tokens: 1000 * (k + 1), output_tokens: 10, latency_ms: 500, status: 'success', status_code: 200,
        }));
      }
    });
    const log = join(dir, 'requests.jsonl');
    writeFileSync(log, lines.join('\n') + '\n');
    const storage = join(dir, 'tsdb');
    const r = spawnSync(process.execPath, [CLI, 'backfill', log, '--out', storage, '--step', '300'], { encoding: 'utf8', env: { ...process.env, TOKENSCOPE_NOW: new Date(NOW).toISOString() }, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`backfill failed: ${r.stderr}`);
    prom = await Prometheus.start('global: { scrape_interval: 15s }\n', { storage });
    const client = new PrometheusClient({ url: prom.url, timeoutMs: 20_000 });
    api = await startExporter({ usageApi: createUsageApiRouter({ client, catalog: loadCatalog(), token: TOKEN, clock: fixedClock(NOW) }) });
    // The same catalog, with gpt-4o covering exactly the ids its `match:` list names.
    const catalog = loadCatalog();
    const withList = { ...catalog, models: catalog.models.map((m) => (m.id === 'gpt-4o' ? { ...m, match: ['gpt-4o', { regex: 'openai/.*' }] } : m)) };
    listed = await startExporter({ usageApi: createUsageApiRouter({ client, catalog: withList, token: TOKEN, clock: fixedClock(NOW) }) });
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    await listed?.close();
    await prom?.stop();
  });

  it('the whole day is there', async () => {
    expect(await requests('providers=openai,anthropic')).toBe(3 + 5 + 7 + 11 + 13 + 17);
  });

  it('models=gpt-4o counts gpt-4o, its dated snapshot and the prefixed id, not gpt-4o-mini', async () => {
    expect(await requests('models=gpt-4o')).toBe(3 + 5 + 7);
    // Case-insensitive, like the pricer.
    expect(await requests('models=GPT-4o')).toBe(3 + 5 + 7);
  });

  it('several names add up; a snapshot name covers only itself', async () => {
    expect(await requests('models=gpt-4o-mini,claude-sonnet-4-20250514')).toBe(11 + 13 + 17);
    expect(await requests('models=gpt-4o-2024-08-06')).toBe(5);
  });

  it('regex metacharacters in a name are literal', async () => {
    expect(await requests('models=gpt-4o.*')).toBe(0);
    expect(await requests('models=gpt.4o')).toBe(0);
  });

  it('a catalog `match:` list replaces the default rule', async () => {
    expect(await requests('models=gpt-4o', listed)).toBe(3 + 7);
    expect(await requests('models=gpt-4o-mini', listed)).toBe(11 + 13);
  });
});
