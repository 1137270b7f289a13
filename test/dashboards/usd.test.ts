// With a display currency other than USD, the finance dashboard's headline money stats (Revenue
// Today, Cost Today) carry a second query in US dollars, shown as currencyUSD by a byFrameRefID
// override. The dashboards are built here from the real catalog with its display currency set to
// EUR (loadCatalog is swapped for this file only), and the queries run, expanded as Grafana would,
// against a real Prometheus scraping a real exporter that runs with that same catalog.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDashboards } from '../../dashboards-src/build.js';
import { UID } from '../../dashboards-src/defaults.js';
import { DEFAULT_CATALOG_PATH } from '../../catalog/src/load.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { expand, panelContext, varValue } from './support/expand.js';
import { dashboards, panels, type PanelInfo } from './support/walk.js';

const RATE = 0.5;

vi.mock('../../catalog/src/load.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../catalog/src/load.js')>();
  const { readFileSync: read } = await import('node:fs');
  const eur = read(orig.DEFAULT_CATALOG_PATH, 'utf8').replace(/^currency:\n  display: USD\n  usd_rate: 1\n/m, 'currency:\n  display: EUR\n  usd_rate: 0.5\n');
  if (!eur.includes('display: EUR')) throw new Error('the catalog\'s currency block changed: update this test');
  return { ...orig, loadCatalog: (file?: string) => (file === undefined ? orig.parseCatalog(eur) : orig.loadCatalog(file)) };
});

const finance = () => dashboards(generateDashboards()).find((g) => g.json.uid === UID.business)!.json;
const HEADLINES = ['Revenue Today', 'Cost Today'];

function headline(title: string): PanelInfo {
  const p = panels(finance()).find((x) => x.panel.title === title);
  if (!p) throw new Error(`no panel ${title}`);
  return p;
}

function event(input: number, output: number): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(), provider: 'openai', model: 'gpt-4o-mini', feature: 'chat', team: 'search',
    input_tokens: input, output_tokens: output, latency_ms: 400, status: 'success', status_code: 200,
  });
}

describe('headline money stats in US dollars beside a EUR display currency', () => {
  it('Revenue Today and Cost Today: EUR unit on the panel, a USD query with a currencyUSD byFrameRefID override', () => {
    for (const title of HEADLINES) {
      const { panel } = headline(title);
      const p = panel as any;
      expect(p.fieldConfig.defaults.unit, title).toBe('currencyEUR');
      const usd = p.targets.find((t: any) => t.refId === 'USD');
      expect(usd, title).toBeDefined();
      expect(usd.expr, title).not.toContain('ai_currency_exchange_rate');
      expect(p.targets.find((t: any) => t.refId !== 'USD').expr, title).toContain('ai_currency_exchange_rate{currency="EUR"}');
      const o = p.fieldConfig.overrides.find((x: any) => x.matcher.id === 'byFrameRefID' && x.matcher.options === 'USD');
      expect(o?.properties.find((x: any) => x.id === 'unit')?.value, title).toBe('currencyUSD');
      expect(p.description, title).toMatch(/US dollars/);
    }
    // Cost Today colours the dollar value by the daily budget in dollars, not in euros.
    const cost = headline('Cost Today').panel as any;
    const eurSteps = cost.fieldConfig.defaults.thresholds.steps.map((s: any) => s.value).filter((v: any) => v !== null);
    const usdSteps = cost.fieldConfig.overrides.find((x: any) => x.matcher.options === 'USD').properties.find((x: any) => x.id === 'thresholds').value.steps.map((s: any) => s.value).filter((v: any) => v !== null);
    expect(eurSteps.length).toBeGreaterThan(0);
    expect(usdSteps.map((v: number) => v * RATE)).toEqual(eurSteps.map((v: number) => expect.closeTo(v, 6)));
  });

  it('no other panel gained a USD query', () => {
    const others = dashboards(generateDashboards()).flatMap((g) => panels(g.json)).filter((p) => !(p.dashboard.uid === UID.business && HEADLINES.includes(p.panel.title ?? "")));
    expect(others.filter((p) => p.targets.some((t) => t.refId === 'USD')).map((p) => p.panel.title)).toEqual([]);
  });

  describe('against a real Prometheus', () => {
    let exporter: Proc;
    let prom: Prometheus;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tokenscope-usd-'));
      const catalogFile = join(dir, 'catalog.yaml');
      writeFileSync(catalogFile, readFileSync(DEFAULT_CATALOG_PATH, 'utf8').replace(/^currency:\n  display: USD\n  usd_rate: 1\n/m, `currency:\n  display: EUR\n  usd_rate: ${RATE}\n`));
      const log = join(dir, 'traffic.jsonl');
      writeFileSync(log, event(10, 1) + '\n');
      const port = await freePort();
      exporter = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--catalog', catalogFile, '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--poll-interval', '100', '--no-request-log']);
      await waitFor('exporter serving the warm-up', async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes('gpt-4o-mini'), 60_000);
      prom = await Prometheus.start(`
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: tokenscope
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`);
      await waitFor('two scrapes of the warm-up', async () => (await prom.query('count_over_time(up{job="tokenscope"}[1m]) >= 2')).length === 1, 30_000, 250);
      // gpt-4o-mini at the catalog's $0.15 / $0.60 per million: 100 × (1M input + 100k output) = $21.
      appendFileSync(log, Array.from({ length: 100 }, () => event(1_000_000, 100_000)).join('\n') + '\n');
      await waitFor('the traffic scraped', async () => (await prom.query('sum(ai_requests_total) >= 101')).length === 1, 30_000, 250);
      await new Promise((ok) => setTimeout(ok, 2500));
    }, 120_000);
    afterAll(async () => {
      await prom?.stop();
      await exporter?.stop();
    });

    it('the USD query returns the dollars the exporter counted; the display query the same in euros', async () => {
      const { dashboard, panel } = headline('Cost Today');
      const all = varValue('All');
      // An hour, not the panel's "today" (its length depends on the time of day); the traffic is seconds old.
      const ctx = { ...panelContext(dashboard, panel, { provider: all, model: all, team: all, feature: all }, 1), rangeSeconds: 3600 };
      const targets = (panel as any).targets as Array<{ refId: string; expr: string }>;
      const t = Math.floor(Date.now() / 1000);
      const usd = await prom.value(expand(targets.find((x) => x.refId === 'USD')!.expr, ctx), t);
      const eur = await prom.value(expand(targets.find((x) => x.refId !== 'USD')!.expr, ctx), t);
      const counted = await prom.value('sum(ai_cost_dollars_total)', t);
      const warmUp = counted - 21;
      expect(warmUp).toBeGreaterThanOrEqual(0);
      expect(warmUp).toBeLessThan(0.01);
      // Dollars, not euros: the same increase() over the raw dollar counter at the same instant (its
      // extrapolation past the first and last scrape varies with scrape timing, so no fixed band)…
      const reference = await prom.value('sum(increase(ai_cost_dollars_total[3600s]))', t);
      expect(usd).toBeCloseTo(reference, 6);
      // …which is the $21 counted, give or take that extrapolation, and never the rate applied (×0.5).
      expect(usd).toBeGreaterThan(21 * 0.95);
      expect(usd).toBeLessThan(21 * 1.9);
      expect(eur).toBeCloseTo(usd * RATE, 6);
    });
  });
});
