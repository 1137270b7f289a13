// The configs scripts/start.sh renders for the native stack: valid for promtool/amtool, pointed at
// the ports in use, and otherwise the committed files (routes, inhibitions, rules, provisioning).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ALERTMANAGER_CONFIG, localSecrets, REPO, writeAlertmanagerVariant, writeGrafanaProvisioning, writePrometheusLocal } from '../../scripts/lib/local-configs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tokenscope-local-'));

describe('local configs', () => {
  it('Prometheus: the committed local config on other ports, rules absolute, promtool-valid', () => {
    const dir = tmp();
    const file = writePrometheusLocal({ dir, exporter: '127.0.0.1:19477', alertmanager: '127.0.0.1:19093', prometheus: '127.0.0.1:19090' });
    const cfg = load(readFileSync(file, 'utf8')) as Record<string, any>;
    const committed = load(readFileSync(join(REPO, 'prometheus/prometheus.local.yml'), 'utf8')) as Record<string, any>;
    expect(cfg.global).toEqual(committed.global);
    expect(JSON.stringify(cfg.scrape_configs)).toContain('127.0.0.1:19477');
    expect(JSON.stringify(cfg.scrape_configs)).not.toContain(':9477');
    expect(JSON.stringify(cfg.alerting)).toContain('127.0.0.1:19093');
    expect(cfg.rule_files).toEqual(committed.rule_files.map((f: string) => join(REPO, 'prometheus', f)));
    // promtool also loads and checks every rule file the config names.
    const out = execFileSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('Alertmanager: same routes and inhibitions, receivers on the sink, secrets in local files', () => {
    const dir = tmp();
    const sink = 'http://127.0.0.1:19095';
    const file = writeAlertmanagerVariant({ sinkUrl: sink, dir, grafanaUrl: 'http://127.0.0.1:13000' });
    const v = load(readFileSync(file, 'utf8')) as Record<string, any>;
    const c = load(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as Record<string, any>;
    expect(v.route).toEqual(c.route);
    expect(v.inhibit_rules).toEqual(c.inhibit_rules);
    expect(v.receivers.map((r: any) => r.name)).toEqual(c.receivers.map((r: any) => r.name));
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('/run/secrets');
    expect(v.receivers.find((r: any) => r.name === 'oncall-pager').pagerduty_configs[0].url).toBe(`${sink}/pagerduty/v2/enqueue`);
    for (const [name, value] of Object.entries(localSecrets(sink))) expect(readFileSync(join(dir, 'secrets', name), 'utf8').trim()).toBe(value);
    expect(readFileSync(join(dir, 'templates/tokenscope.tmpl'), 'utf8')).toContain('{{ define "tokenscope.grafana_url" }}http://127.0.0.1:13000{{ end }}');
    expect(execFileSync('amtool', ['check-config', file], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('Alertmanager: refuses a receiver it has no loopback stand-in for', () => {
    const dir = tmp();
    const src = join(dir, 'src.yml');
    execFileSync('mkdir', ['-p', join(dir, 'templates')]);
    writeFileSync(src, 'route: {receiver: x}\nreceivers: [{name: x, email_configs: [{to: a@b.c}]}]\n');
    expect(() => writeAlertmanagerVariant({ sinkUrl: 'http://127.0.0.1:1', dir: join(dir, 'out'), source: src })).toThrow(/email_configs has no loopback stand-in/);
  });

  it('Grafana: provisioning copy with loopback datasource URLs and its own dashboards path', () => {
    const dir = tmp();
    const prov = writeGrafanaProvisioning({ dir, urls: { 'prometheus:9090': '127.0.0.1:19090', 'loki:3100': '127.0.0.1:13100' } });
    const ds = readFileSync(join(prov, 'datasources/datasources.yaml'), 'utf8');
    expect(ds).toContain('url: http://127.0.0.1:19090');
    expect(ds).toContain('url: http://127.0.0.1:13100');
    expect(ds).not.toMatch(/\/\/(prometheus|loki):/);
    const providers = load(readFileSync(join(prov, 'dashboards/dashboards.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    for (const p of providers.providers) {
      expect(p.options.path.startsWith(prov)).toBe(true);
      expect(fg.sync(`${p.options.path}/**/*.json`).length).toBe(fg.sync('provisioning/dashboards/**/*.json', { cwd: REPO }).length);
    }
    expect(existsSync(join(prov, 'dashboards/llm-overview/tokenscope-executive-overview.json'))).toBe(true);
  });
});
