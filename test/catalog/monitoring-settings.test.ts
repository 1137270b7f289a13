// The catalog's monitoring: section drives the scrape job, the exporter-health selector, the runbook
// links and the Grafana links, and what it generates stays valid for promtool and amtool.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CatalogError, DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import type { AlertingRule } from '../../prometheus/src/model.js';
import { ALERTMANAGER_TEMPLATE, PROMETHEUS_CONFIG, PROMETHEUS_LOCAL_CONFIG, renderStackConfigs, writeStackConfigs } from '../../prometheus/src/stack-configs.js';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);
const text = readFileSync(DEFAULT_CATALOG_PATH, 'utf8');

/** The committed catalog with its monitoring: section replaced. */
function withMonitoring(section: string): string {
  const i = text.indexOf('\nmonitoring:\n');
  expect(i, 'catalog/tokenscope.yaml has a monitoring: section').toBeGreaterThan(0);
  return `${text.slice(0, i)}\nmonitoring:\n${section}`;
}

const CUSTOM = withMonitoring(
  [
    '  exporter_job: llm-gateway',
    '  exporter_selector: \'job="llm-gateway", env="prod"\'',
    '  runbook_url: https://wiki.example.com/ops/tokenscope',
    '  grafana_url: https://grafana.example.com',
    '',
  ].join('\n'),
);

interface ScrapeConfig {
  scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
}

const alertsOf = (files: ReturnType<typeof ruleFiles>) =>
  files.flatMap((f) => f.groups.flatMap((g) => g.rules)).filter((r): r is AlertingRule => r.kind === 'alert');

describe('monitoring settings: schema', () => {
  it('defaults every key (job tokenscope, selector from the job, the repository runbooks, local Grafana)', () => {
    const c = parseCatalog(withMonitoring('  {}\n'));
    expect(c.monitoring).toEqual({ exporter_job: 'tokenscope', runbook_url: 'https://github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md', grafana_url: 'http://localhost:3000' });
    const without = parseCatalog(text.slice(0, text.indexOf('\nmonitoring:\n')) + '\n');
    expect(without.monitoring).toEqual(c.monitoring);
    const exporter = ruleFiles(without).find((f) => f.name === 'exporter')!;
    expect(alertsOf([exporter]).find((a) => a.alert === 'TokenScopeExporterDown')!.expr).toContain('up{job="tokenscope"} == 0');
  });

  it.each([
    ['exporter_job', 'exporter_job: "llm gateway secret-7781"', 'monitoring.exporter_job: a job name'],
    ['exporter_selector', 'exporter_selector: \'job=secret-7781\'', 'monitoring.exporter_selector: PromQL label matchers'],
    ['runbook_url', 'runbook_url: "ftp://secret-7781.example/runbooks"', 'monitoring.runbook_url: an http(s) URL'],
    ['grafana_url', 'grafana_url: "https://secret-7781.example/"', 'monitoring.grafana_url: an http(s) URL without a trailing "/"'],
    ['grafana_url', 'grafana_url: "https://secret-7781.example/{{ .Foo }}"', 'monitoring.grafana_url: an http(s) URL'],
    ['unknown key', 'grafana: "https://secret-7781.example"', 'monitoring: Unrecognized key: "grafana"'],
  ])('rejects a bad %s, naming the field without echoing the value', (_what, line, message) => {
    let err: unknown;
    try {
      parseCatalog(withMonitoring(`  ${line}\n`), 'cat.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('secret-7781');
  });
});

describe('monitoring settings: what they generate', () => {
  it('the committed Prometheus configs and links template are those of the committed catalog', () => {
    const files = renderStackConfigs(loadCatalog());
    expect([...files.keys()].sort()).toEqual([ALERTMANAGER_TEMPLATE, PROMETHEUS_CONFIG, PROMETHEUS_LOCAL_CONFIG].sort());
    for (const [rel, content] of files) expect(readFileSync(join(REPO_ROOT, rel), 'utf8'), `${rel}: run npm run build:rules`).toBe(content);
  });

  it('another catalog: its job in both scrape configs, its selector in the exporter-health rules, its runbook base on every alert; promtool accepts them', async () => {
    const catalog = parseCatalog(CUSTOM);
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-monitoring-'));
    writeStackConfigs(dir, catalog);
    // prometheus.local.yml loads rules/*.yml next to it: the rules built from the same catalog.
    writeRuleFiles(join(dir, 'prometheus/rules'), catalog);
    for (const rel of [PROMETHEUS_CONFIG, PROMETHEUS_LOCAL_CONFIG]) {
      const cfg = load(readFileSync(join(dir, rel), 'utf8')) as ScrapeConfig;
      expect(cfg.scrape_configs.map((s) => s.job_name), rel).toEqual(['llm-gateway', 'prometheus']);
    }
    const { stdout } = await run('promtool', ['check', 'config', join(dir, PROMETHEUS_LOCAL_CONFIG)]);
    expect(stdout).toContain(`SUCCESS: ${ruleFiles(catalog).length} rule files found`);
    expect(stdout).not.toMatch(/FAILED/);
    // The compose config's rule glob is a container path: check it without rule files.
    const compose = readFileSync(join(dir, PROMETHEUS_CONFIG), 'utf8').replace('/etc/prometheus/rules/*.yml', join(dir, 'prometheus/rules/*.yml'));
    writeFileSync(join(dir, 'compose.yml'), compose);
    expect((await run('promtool', ['check', 'config', join(dir, 'compose.yml')])).stdout).toMatch(/SUCCESS: .* is valid prometheus config file syntax/);

    const alerts = alertsOf(ruleFiles(catalog));
    const byName = new Map(alerts.map((a) => [a.alert, a]));
    expect(byName.get('TokenScopeExporterDown')!.expr).toBe('up{job="llm-gateway", env="prod"} == 0\nor\nabsent(up{job="llm-gateway", env="prod"}) * 0');
    expect(byName.get('TokenScopeNoEventsIngested')!.expr).toContain('up{job="llm-gateway", env="prod"} == 1');
    expect(byName.get('TokenScopeCatalogMismatch')!.expr).toContain('ai_catalog_info{job="llm-gateway", env="prod"}');
    for (const a of alerts) expect(a.runbookUrl, a.alert).toBe(`https://wiki.example.com/ops/tokenscope#${a.alert.toLowerCase()}`);
    // Nothing else in the rules names the default job or runbook base.
    for (const f of ['exporter.yml', 'catalog.yml', 'slo.yml', 'cost.yml']) {
      const yml = readFileSync(join(dir, 'prometheus/rules', f), 'utf8');
      expect(yml, f).not.toContain('job="tokenscope"');
      expect(yml, f).not.toContain('github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md');
    }
    const { stdout: rules } = await run('promtool', ['check', 'rules', join(dir, 'prometheus/rules/exporter.yml'), join(dir, 'prometheus/rules/catalog.yml')]);
    expect(rules).not.toMatch(/FAILED/);
  });

  it("another catalog's Grafana URL is in the notification links; amtool accepts the config with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-monitoring-am-'));
    writeStackConfigs(dir, parseCatalog(CUSTOM));
    // The hand-written config beside the template with this catalog's Grafana URL.
    copyFileSync(join(REPO_ROOT, 'alertmanager/alertmanager.yml'), join(dir, 'alertmanager/alertmanager.yml'));
    expect(readFileSync(join(dir, ALERTMANAGER_TEMPLATE), 'utf8')).toContain('{{ define "tokenscope.grafana_url" }}https://grafana.example.com{{ end }}');
    const checked = await run('amtool', ['check-config', join(dir, 'alertmanager/alertmanager.yml')]);
    expect(checked.stdout).toMatch(/SUCCESS[\s\S]*1 templates/);
    // amtool renders with its example alert (no provider label): the incident-response dashboard.
    const glob = join(dir, 'alertmanager/templates/*.tmpl');
    const { stdout } = await run('amtool', ['template', 'render', `--template.glob=${glob}`, '--template.text={{ template "tokenscope.dashboard_url" . }}']);
    expect(stdout.trim()).toBe('https://grafana.example.com/d/tokenscope-incident-response?from=now-6h&to=now');
    const committed = await run('amtool', ['template', 'render', `--template.glob=${join(REPO_ROOT, 'alertmanager/templates/*.tmpl')}`, '--template.text={{ template "tokenscope.grafana_url" . }}']);
    expect(committed.stdout.trim()).toBe(loadCatalog().monitoring.grafana_url);
  });
});
