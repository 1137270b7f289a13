// prometheus/prometheus.yml (compose) and prometheus.local.yml (native) are valid for
// `promtool check config`, and point at the right places.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);

interface Config {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
}

function read(name: string): Config {
  return load(readFileSync(join(REPO_ROOT, 'prometheus', name), 'utf8')) as Config;
}

const targets = (c: Config) => Object.fromEntries(c.scrape_configs.map((s) => [s.job_name, s.static_configs.flatMap((x) => x.targets)]));

describe('Prometheus configs', () => {
  it.each(['prometheus.yml', 'prometheus.local.yml'])('%s passes promtool check config', async (name) => {
    const { stdout } = await run('promtool', ['check', 'config', join(REPO_ROOT, 'prometheus', name)]);
    expect(stdout).toMatch(/SUCCESS: .* is valid prometheus config file syntax/);
    expect(stdout).not.toMatch(/FAILED/);
  });

  it('compose: exporter, itself, the mounted rules and Alertmanager by service name', () => {
    const c = read('prometheus.yml');
    expect(targets(c)).toEqual({ tokenscope: ['exporter:9477'], prometheus: ['localhost:9090'] });
    expect(c.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
  });

  it('local: everything on 127.0.0.1 and the generated rules by relative path', async () => {
    const c = read('prometheus.local.yml');
    expect(targets(c)).toEqual({ tokenscope: ['127.0.0.1:9477'], prometheus: ['127.0.0.1:9090'] });
    expect(c.rule_files).toEqual(['rules/*.yml']);
    expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['127.0.0.1:9093']);
    // promtool resolves the glob next to the config: every generated file is loaded.
    const { stdout } = await run('promtool', ['check', 'config', join(REPO_ROOT, 'prometheus/prometheus.local.yml')]);
    expect(stdout).toContain(`SUCCESS: ${ruleFiles(loadCatalog()).length} rule files found`);
  });
});
