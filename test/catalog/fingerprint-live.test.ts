// Two real exporters scraped by a real Prometheus that loads the rules built from the committed
// catalog (every `for:` capped at 2 s): one runs the same catalog reformatted (comments gone, keys
// sorted), the other the catalog with one price changed. Only the second raises
// TokenScopeCatalogMismatch, and stopping it clears the alert instead of keeping it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFingerprint } from '../../catalog/src/fingerprint.js';
import { DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { parseExposition } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

interface ApiAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

const catalog = loadCatalog();
const built = catalogFingerprint(catalog);
const job = catalog.monitoring.exporter_job;

async function startExporter(catalogFile: string): Promise<{ proc: Proc; target: string }> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--catalog', catalogFile, '--no-state', '--no-request-log']);
  const target = `127.0.0.1:${port}`;
  try {
    await waitFor(`exporter ${target} serving`, async () => (await fetch(`http://${target}/metrics`).catch(() => undefined))?.ok, 60_000, 200);
  } catch (e) {
    await proc.stop();
    throw new Error(`${(e as Error).message}\n${proc.output().slice(-1500)}`);
  }
  return { proc, target };
}

async function servedFingerprint(target: string): Promise<string[]> {
  const samples = parseExposition(await (await fetch(`http://${target}/metrics`)).text());
  return samples.filter((s) => s.name === 'ai_catalog_info').map((s) => `${s.labels.fingerprint}=${s.value}`);
}

describe('catalog fingerprint: real exporters against the rules on a real Prometheus', () => {
  let same: { proc: Proc; target: string };
  let other: { proc: Proc; target: string };
  let otherFingerprint: string;
  let prom: Prometheus;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-fingerprint-'));
    const text = readFileSync(DEFAULT_CATALOG_PATH, 'utf8');
    const reformatted = dump(load(text), { sortKeys: true, lineWidth: -1 });
    const repriced = text.replace('prices: { input: 0.03, output: 0.03 }', 'prices: { input: 0.03, output: 0.05 }');
    expect(repriced).not.toBe(text);
    otherFingerprint = catalogFingerprint(parseCatalog(repriced));
    writeFileSync(join(dir, 'same.yaml'), reformatted);
    writeFileSync(join(dir, 'other.yaml'), repriced);
    writeRuleFiles(join(dir, 'rules'), catalog, { maxFor: '2s' });
    [same, other] = await Promise.all([startExporter(join(dir, 'same.yaml')), startExporter(join(dir, 'other.yaml'))]);
    prom = await Prometheus.start(`
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${join(dir, 'rules')}/catalog.yml']
scrape_configs:
  - job_name: ${job}
    static_configs: [{ targets: ['${same.target}', '${other.target}'] }]
`);
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await same?.proc.stop();
    await other?.proc.stop();
  });

  const mismatches = async (): Promise<ApiAlert[]> => {
    const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts.filter((a) => a.labels.alertname === 'TokenScopeCatalogMismatch');
  };

  it('each exporter serves the fingerprint of the catalog it runs: the reformatted one that of the rules', async () => {
    expect(await servedFingerprint(same.target)).toEqual([`${built}=1`]);
    expect(await servedFingerprint(other.target)).toEqual([`${otherFingerprint}=1`]);
    expect(otherFingerprint).not.toBe(built);
  });

  it('fires for the exporter with the other catalog only, and clears when that exporter stops', async () => {
    let seen: ApiAlert[] = [];
    try {
      await waitFor('TokenScopeCatalogMismatch firing', async () => (seen = await mismatches()).some((a) => a.state === 'firing'), 60_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nalerts: ${JSON.stringify(seen)}\n${prom.output().slice(-1500)}`);
    }
    // Both exporters have been scraped for a while by now: the matching one still raises nothing.
    await new Promise((r) => setTimeout(r, 3_000));
    const firing = await mismatches();
    expect(firing.map((a) => ({ ...a.labels }))).toEqual([
      { alertname: 'TokenScopeCatalogMismatch', severity: 'ticket', job, instance: other.target, fingerprint: otherFingerprint },
    ]);
    expect(await prom.value(`:ai_catalog_info:rules{fingerprint="${built}"}`)).toBe(1);

    await other.proc.stop();
    await waitFor('the mismatch cleared once the exporter is down', async () => (await mismatches()).length === 0, 30_000, 250);
    expect(await prom.value(`up{instance="${other.target}"}`)).toBe(0);
  }, 120_000);
});
