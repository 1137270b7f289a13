// alertmanager/alertmanager.yml: valid for Alertmanager 0.25 (amtool), every severity reaches the
// intended receiver (`amtool config routes test`), and the inhibitions hold on a real Alertmanager
// (alerts posted to its API, /api/v2/alerts status.inhibitedBy read back).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { loadCatalog } from '../../catalog/src/load.js';
import type { AlertingRule } from '../../prometheus/src/model.js';
import { ruleFiles } from '../../prometheus/src/mixin.js';
import { ALERTMANAGER_CONFIG, writeAlertmanagerVariant } from '../../scripts/lib/local-configs.js';
import { Alertmanager, type AmAlert } from './support/alertmanager.js';

function amtool(args: string[]): string {
  return execFileSync('amtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The receivers `amtool config routes test` picks for a label set. */
function route(labels: Record<string, string>, config = ALERTMANAGER_CONFIG): string {
  return amtool(['config', 'routes', 'test', `--config.file=${config}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]).trim();
}

describe('alertmanager.yml', () => {
  it('passes amtool check-config, committed and as the loopback variant (templates loaded)', () => {
    expect(amtool(['check-config', ALERTMANAGER_CONFIG])).toMatch(/SUCCESS[\s\S]*5 inhibit rules[\s\S]*4 receivers[\s\S]*1 templates/);
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-amcfg-'));
    const variant = writeAlertmanagerVariant({ sinkUrl: 'http://127.0.0.1:1', dir });
    expect(amtool(['check-config', variant])).toContain('SUCCESS');
  });

  it('holds no secret: every credential is a *_file under /run/secrets', () => {
    const text = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
    expect(text).not.toMatch(/^\s*-?\s*(routing_key|service_key|api_url|api_key|auth_password|auth_secret|password|credentials|bot_token|token):/m);
    // The only URLs are templated links (runbook, dashboard, silence), never an endpoint with a token.
    for (const m of text.matchAll(/^\s*-?\s*(url|href|client_url|title_link):\s*(.+)$/gm)) expect(m[2], m[0]).toMatch(/^'\{\{ template "tokenscope\.\w+" \. \}\}'$/);
    for (const m of text.matchAll(/^\s*(\w+_file):\s*(\S+)/gm)) expect(m[2], m[1]).toMatch(/^\/run\/secrets\/\w+$/);
  });

  // `amtool config routes test` prints the receiver(s) the routing tree picks.
  it.each([
    [{ alertname: 'TokenScopeErrorBudgetFastBurn', severity: 'page', provider: 'openai' }, 'oncall-pager'],
    [{ alertname: 'TokenScopeCircuitBreakerOpen', severity: 'ticket', provider: 'groq' }, 'team-tickets'],
    [{ alertname: 'TokenScopeBudgetWarning', severity: 'info', scope: 'team', name: 'search' }, 'null'],
    [{ alertname: 'TokenScopeSomething', severity: 'none' }, 'null'],
    [{ alertname: 'TokenScopeWatchdog', severity: 'none' }, 'watchdog'],
    // The watchdog route comes first: whatever severity the rule gives it, it pings the switch.
    [{ alertname: 'TokenScopeWatchdog', severity: 'page' }, 'watchdog'],
    // A rule without a (known) severity is a bug, but it must still reach people.
    [{ alertname: 'TokenScopeNew' }, 'team-tickets'],
    [{ alertname: 'TokenScopeNew', severity: 'critical' }, 'team-tickets'],
  ])('routes %o to %s', (labels, receiver) => {
    expect(route(labels)).toBe(receiver);
    // --verify.receivers makes amtool itself fail on a mismatch (exit 1).
    amtool(['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, `--verify.receivers=${receiver}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  });
});

describe('alertmanager.yml against the generated alert rules', () => {
  const files = ruleFiles(loadCatalog());
  const alerts = files.flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => r.kind === 'alert').map((r) => ({ file: f.name, ...r }))));
  const expected: Record<string, string> = { page: 'oncall-pager', ticket: 'team-tickets', info: 'null', none: 'null' };

  it('routes every generated alert by its severity (the Watchdog to the dead-man switch)', () => {
    expect(alerts.length).toBeGreaterThan(5);
    for (const a of alerts) {
      const want = a.alert === 'TokenScopeWatchdog' ? 'watchdog' : expected[a.severity];
      expect(route({ alertname: a.alert, severity: a.severity, provider: 'openai' }), a.alert).toBe(want);
    }
  });

  it('the breaker inhibition targets exactly the error and latency alerts of the SLO and latency rules', () => {
    const cfg = load(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as { inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[] }> };
    const rule = cfg.inhibit_rules.find((r) => r.source_matchers.includes('alertname="TokenScopeCircuitBreakerOpen"'))!;
    expect(alerts.map((a) => a.alert)).toContain('TokenScopeCircuitBreakerOpen');
    const m = /^alertname=~"(.*)"$/.exec(rule.target_matchers[0])!;
    const re = new RegExp(`^(?:${m[1]})$`); // Alertmanager anchors regex matchers
    const targeted = alerts.filter((a) => re.test(a.alert)).map((a) => a.alert).sort();
    // The breaker's own alerts (Open, Stale) are neither error nor latency alerts.
    const wanted = alerts.filter((a) => (a.file === 'slo' || a.file === 'latency') && !a.alert.startsWith('TokenScopeCircuitBreaker')).map((a) => a.alert).sort();
    expect(targeted).toEqual(wanted);
  });

  it('every fast-burn page inhibits its own slow-burn ticket, per provider', () => {
    const cfg = load(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as { inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }> };
    const fast = alerts.filter((a) => a.alert.endsWith('FastBurn')).map((a) => a.alert);
    expect(fast.length).toBeGreaterThanOrEqual(2);
    for (const f of fast) {
      const rule = cfg.inhibit_rules.find((r) => r.source_matchers.includes(`alertname="${f}"`));
      expect(rule, f).toBeDefined();
      expect(rule!.target_matchers).toEqual([`alertname="${f.replace(/FastBurn$/, 'SlowBurn')}"`]);
      expect(alerts.map((a) => a.alert)).toContain(f.replace(/FastBurn$/, 'SlowBurn'));
      expect(rule!.equal).toEqual(['provider']);
    }
  });

  it('the budget inhibition names alerts that exist and share the scope and name labels', () => {
    const names = alerts.map((a) => a.alert);
    expect(names).toEqual(expect.arrayContaining(['TokenScopeBudgetExceeded', 'TokenScopeBudgetForecastOverrun']));
    for (const n of ['TokenScopeBudgetExceeded', 'TokenScopeBudgetForecastOverrun']) {
      const a = alerts.find((x) => x.alert === n)!;
      expect(a.description).toContain('$labels.scope');
      expect(a.description).toContain('$labels.name');
    }
  });
});

describe('inhibitions on a real Alertmanager', () => {
  let am: Alertmanager;
  let alerts: AmAlert[];

  const breaker = { alertname: 'TokenScopeCircuitBreakerOpen', severity: 'ticket', provider: 'groq' };
  const targets = {
    burnGroq: { alertname: 'TokenScopeErrorBudgetFastBurn', severity: 'page', provider: 'groq' },
    modelErrorsGroq: { alertname: 'TokenScopeModelErrorRatioHigh', severity: 'ticket', provider: 'groq', model: 'llama-3.1-8b-instant' },
    latencyGroq: { alertname: 'TokenScopeLatencyP95High', severity: 'ticket', provider: 'groq', model: 'llama-3.1-8b-instant' },
    burnOpenai: { alertname: 'TokenScopeErrorBudgetFastBurn', severity: 'page', provider: 'openai' },
    costGroq: { alertname: 'TokenScopeCostSpike', severity: 'ticket', provider: 'groq' },
    forecastResearch: { alertname: 'TokenScopeBudgetForecastOverrun', severity: 'ticket', scope: 'team', name: 'research' },
    forecastSearch: { alertname: 'TokenScopeBudgetForecastOverrun', severity: 'ticket', scope: 'team', name: 'search' },
    forecastProviderResearch: { alertname: 'TokenScopeBudgetForecastOverrun', severity: 'ticket', scope: 'provider', name: 'research' },
    twinTicketAnthropic: { alertname: 'TokenScopeTwin', severity: 'ticket', provider: 'anthropic' },
    twinTicketOpenai: { alertname: 'TokenScopeTwin', severity: 'ticket', provider: 'openai' },
    otherTicketAnthropic: { alertname: 'TokenScopeOther', severity: 'ticket', provider: 'anthropic' },
    slowBurnAnthropic: { alertname: 'TokenScopeErrorBudgetSlowBurn', severity: 'ticket', provider: 'anthropic' },
    slowBurnMistral: { alertname: 'TokenScopeErrorBudgetSlowBurn', severity: 'ticket', provider: 'mistral' },
  };
  const sources = [
    breaker,
    { alertname: 'TokenScopeBudgetExceeded', severity: 'ticket', scope: 'team', name: 'research' },
    { alertname: 'TokenScopeTwin', severity: 'page', provider: 'anthropic' },
    { alertname: 'TokenScopeErrorBudgetFastBurn', severity: 'page', provider: 'anthropic' },
  ];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-inhibit-'));
    // Receivers point at a closed port: this test reads alert status, not notifications.
    am = await Alertmanager.start(writeAlertmanagerVariant({ sinkUrl: 'http://127.0.0.1:9', dir }));
    await am.post([...sources, ...Object.values(targets)].map((labels) => ({ labels, annotations: { summary: 'x.' } })));
    alerts = await am.alerts();
  });
  afterAll(async () => {
    await am?.stop();
  });

  function status(labels: Record<string, string>): AmAlert {
    const a = alerts.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length);
    if (!a) throw new Error(`alert ${JSON.stringify(labels)} not in Alertmanager: ${JSON.stringify(alerts.map((x) => x.labels))}`);
    return a;
  }
  const fingerprint = (labels: Record<string, string>) => status(labels).fingerprint;

  it('an open breaker silences the error-budget, error-ratio and latency alerts of its provider only', () => {
    for (const t of [targets.burnGroq, targets.modelErrorsGroq, targets.latencyGroq]) {
      expect(status(t).status.inhibitedBy, JSON.stringify(t)).toEqual([fingerprint(breaker)]);
      expect(status(t).status.state).toBe('suppressed');
    }
    // Another provider, and a cost alert of the same provider, still notify.
    expect(status(targets.burnOpenai).status.inhibitedBy).toEqual([]);
    expect(status(targets.costGroq).status.inhibitedBy).toEqual([]);
    expect(status(breaker).status.state).toBe('active');
  });

  it('an exceeded budget silences the forecast of the same scope and name only', () => {
    expect(status(targets.forecastResearch).status.inhibitedBy).toEqual([fingerprint(sources[1])]);
    expect(status(targets.forecastSearch).status.inhibitedBy).toEqual([]);
    expect(status(targets.forecastProviderResearch).status.inhibitedBy).toEqual([]);
  });

  it('a page silences the ticket of the same alertname and provider only', () => {
    expect(status(targets.twinTicketAnthropic).status.inhibitedBy).toEqual([fingerprint(sources[2])]);
    expect(status(targets.twinTicketOpenai).status.inhibitedBy).toEqual([]);
    expect(status(targets.otherTicketAnthropic).status.inhibitedBy).toEqual([]);
  });

  it('the fast-burn page silences the slow-burn ticket of the same provider only (generated alert names)', () => {
    expect(status(targets.slowBurnAnthropic).status.inhibitedBy).toEqual([fingerprint(sources[3])]);
    expect(status(targets.slowBurnMistral).status.inhibitedBy).toEqual([]);
  });
});
