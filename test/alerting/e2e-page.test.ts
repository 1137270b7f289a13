// End to end, all real processes except the pager: exporter (CLI) → Prometheus 2.42 with the
// generated rules (every `for:` capped at 1s) → Alertmanager 0.25 with alertmanager.yml whose
// receivers point at a loopback AlertSink. Failing traffic must page with the right labels and
// annotations within a stated bound; a provider whose breaker is open must not page (inhibited);
// the page must resolve when traffic recovers (send_resolved).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { writeRuleFiles } from '../../prometheus/src/generate.js';
import { AlertSink, oneLine, type PagerDutyEvent } from '../../scripts/lib/alert-sink.js';
import { localSecrets, writeAlertmanagerVariant } from '../../scripts/lib/local-configs.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { Alertmanager, type AmAlert } from './support/alertmanager.js';

/** Failing traffic → page arrival, with 1s scrape/evaluation, for: 1s, group_wait 1s. */
const PAGE_BOUND_MS = 30_000;
const FAST_BURN = 'TokenScopeErrorBudgetFastBurn';

type Mode = 'healthy' | 'failing';

/** Posts a batch every 250 ms per provider, failing or healthy, as a gateway would report calls. */
class Traffic {
  modes: Record<string, Mode> = { openai: 'healthy', groq: 'healthy', google: 'healthy' };
  /** Successful calls per provider per batch (raised to dilute the error ratio on recovery). */
  successes = 4;
  private n = 0;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  constructor(private readonly url: string) {}

  private batch(): unknown[] {
    const now = new Date().toISOString();
    const out: unknown[] = [];
    const model: Record<string, string> = { openai: 'gpt-4o-mini', groq: 'llama-3.1-8b-instant', google: 'gemini-2.5-flash' };
    for (const [provider, mode] of Object.entries(this.modes)) {
      const count = mode === 'failing' ? 4 : this.successes;
      for (let i = 0; i < count; i++) {
        const base = { timestamp: now, provider, model: model[provider], feature: 'chat', team: 'platform', request_id: `e2e-${++this.n}`, latency_ms: 400 };
        out.push(
          mode === 'failing'
            ? { ...base, input_tokens: 0, output_tokens: 0, status: 'error', status_code: 503, error_type: 'server_error' }
            : { ...base, input_tokens: 200, output_tokens: 40, status: 'success', status_code: 200 },
        );
      }
    }
    return out;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.inflight) return;
      this.inflight = post(this.url, this.batch()).finally(() => (this.inflight = undefined));
    }, 250);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inflight;
  }
}

async function post(url: string, events: unknown[]): Promise<void> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
  if (!res.ok) throw new Error(`POST /v1/events: ${res.status} ${await res.text()}`);
}

describe('failing traffic pages on-call through Prometheus and Alertmanager', () => {
  let sink: AlertSink;
  let am: Alertmanager;
  let prom: Prometheus;
  let exporter: Proc;
  let exporterUrl: string;
  let traffic: Traffic;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-e2e-'));
    sink = await AlertSink.start();
    // Production routes and inhibitions; only the timers shrink from 30s/5m to 1s/2s.
    const amConfig = writeAlertmanagerVariant({ sinkUrl: sink.url, dir: join(dir, 'am'), timing: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' } });
    const rulesDir = join(dir, 'rules');
    writeRuleFiles(rulesDir, loadCatalog(), { maxFor: '1s' });

    const port = await freePort();
    exporterUrl = `http://127.0.0.1:${port}`;
    exporter = startProcess('node', [CLI, 'serve', '--port', String(port), '--no-request-log', '--no-state']);
    [am] = await Promise.all([
      Alertmanager.start(amConfig),
      waitFor('exporter', async () => (await fetch(`${exporterUrl}/healthz`)).ok, 30_000),
    ]);
    prom = await Prometheus.start(
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rulesDir}/*.yml']`,
        `alerting: { alertmanagers: [ { static_configs: [ { targets: ['${new URL(am.url).host}'] } ] } ] }`,
        `scrape_configs: [ { job_name: tokenscope, static_configs: [ { targets: ['127.0.0.1:${port}'] } ] } ]`,
      ].join('\n'),
    );
    traffic = new Traffic(exporterUrl);
    traffic.start();
  }, 90_000);

  afterAll(async () => {
    await traffic?.stop();
    await Promise.all([prom?.stop(), am?.stop(), exporter?.stop()]);
    await sink?.close();
  });

  async function amAlert(labels: Record<string, string>): Promise<AmAlert | undefined> {
    return (await am.alerts()).find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  }

  it('pages for openai, not for groq whose breaker is open, and resolves on recovery', async () => {
    // groq's callers open their breaker; wait until Alertmanager holds that alert as firing.
    await post(exporterUrl, [{ type: 'circuit_breaker', timestamp: new Date().toISOString(), provider: 'groq', state: 'open', failure_count: 12 }]);
    const breaker = await waitFor('CircuitBreakerOpen{groq} in Alertmanager', () => amAlert({ alertname: 'TokenScopeCircuitBreakerOpen', provider: 'groq' }), 30_000, 250);
    expect(breaker.status.state).toBe('active');

    // Both providers start failing every call.
    const failingSince = Date.now();
    traffic.modes.openai = 'failing';
    traffic.modes.groq = 'failing';
    const page = await sink.waitFor('a page', (n) => n.receiver === 'pagerduty', PAGE_BOUND_MS);
    const latencyMs = page.receivedAtMs - failingSince;
    console.log(`page arrived ${latencyMs} ms after failing traffic started (bound ${PAGE_BOUND_MS} ms)`);
    traffic.modes.openai = 'healthy';

    const ev = page.body as PagerDutyEvent;
    expect(ev.event_action).toBe('trigger');
    expect(ev.routing_key).toBe(localSecrets(sink.url).pagerduty_routing_key);
    expect(ev.payload!.severity).toBe('critical');
    expect(ev.payload!.summary).toBe(`[FIRING:1] ${FAST_BURN} openai: A provider is burning its availability error budget fast.`);
    const d = ev.payload!.custom_details!;
    // Labels and annotations as the rule set them (Alertmanager's default "firing" detail lists them).
    expect(d.firing).toMatch(/alertname = TokenScopeErrorBudgetFastBurn/);
    expect(d.firing).toMatch(/provider = openai/);
    expect(d.firing).toMatch(/severity = page/);
    // Our template: description with the value, runbook, dashboard filtered to the provider.
    expect(d.alerts).toMatch(/FIRING: Provider openai is spending its availability error budget [\d.]+× faster than its SLO allows/);
    expect(d.alerts).toContain('Labels: provider=openai');
    expect(d.runbook).toBe('https://github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md#tokenscopeerrorbudgetfastburn');
    expect(d.dashboard).toBe('http://localhost:3000/d/tokenscope-incident-response?from=now-6h&to=now&var-provider=openai');
    expect(ev.links?.map((l) => l.text)).toEqual(['Runbook', 'Dashboard']);
    expect(ev.client_url).toBe(`${am.url}/#/silences/new?filter=%7Balertname%3D%22${FAST_BURN}%22%2Cprovider%3D%22openai%22%7D`);

    // The same failures also raise a ticket (Slack) for the failing model, with its buttons.
    const ticket = await sink.waitFor('the ModelErrorRatioHigh ticket', (n) => n.receiver === 'ticket' && /ModelErrorRatioHigh openai/.test(n.body.attachments?.[0]?.title ?? ''), 30_000);
    const att = ticket.body.attachments[0];
    expect(att.title).toBe('[FIRING:1] TokenScopeModelErrorRatioHigh openai: A model fails an unusual share of its requests.');
    expect(att.text).toMatch(/FIRING: [\d.]+% of requests to openai\/gpt-4o-mini failed over the last 5 minutes\./);
    expect(att.actions.map((a: { text: string }) => a.text)).toEqual(['Runbook', 'Dashboard', 'Silence']);

    // groq burns just as fast, but its breaker alert inhibits the burn alert: held, not sent.
    const groqBurn = await waitFor(`${FAST_BURN}{groq} in Alertmanager`, () => amAlert({ alertname: FAST_BURN, provider: 'groq' }), 30_000, 250);
    expect(groqBurn.status.state).toBe('suppressed');
    expect(groqBurn.status.inhibitedBy).toEqual([breaker.fingerprint]);

    // Recovery: openai calls succeed again, enough to bring the error ratio under the burn threshold.
    traffic.successes = 400;
    const resolved = await sink.waitFor('the resolve', (n) => n.receiver === 'pagerduty' && n.body.event_action === 'resolve', 60_000);
    expect(resolved.body.dedup_key).toBe(ev.dedup_key);
    expect(resolved.body.payload.summary).toMatch(new RegExp(`^\\[RESOLVED\\] ${FAST_BURN} openai:`));

    // Several group intervals have passed with groq's burn alert firing: still no page for groq.
    expect(await amAlert({ alertname: FAST_BURN, provider: 'groq' })).toMatchObject({ status: { state: 'suppressed' } });
    const pages = sink.pages().map(oneLine);
    expect(pages.filter((p) => p.includes('groq')), pages.join('\n')).toEqual([]);
    // Nor a ticket for groq's error ratio: the breaker inhibits that too.
    const tickets = sink.notifications.filter((n) => n.receiver === 'ticket').map(oneLine);
    expect(tickets.filter((t) => /ModelErrorRatioHigh groq/.test(t)), tickets.join('\n')).toEqual([]);
    expect(latencyMs).toBeLessThan(PAGE_BOUND_MS);
  }, 150_000);
});
