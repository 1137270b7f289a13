// Derives the configs a native (non-container) stack runs with from the committed ones, changing
// only what differs on a laptop or in a test: loopback ports, absolute paths, and Alertmanager
// receivers pointed at the loopback AlertSink instead of PagerDuty/Slack (nobody gets paged by a
// demo). Everything else (routes, grouping, inhibitions, templates, rules) is the committed file,
// so what the tests and the demo exercise is what production runs.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { dump, load } from 'js-yaml';

export const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const ALERTMANAGER_CONFIG = join(REPO, 'alertmanager/alertmanager.yml');

/** The secret files alertmanager.yml reads, and what the loopback variant puts in them. */
export function localSecrets(sinkUrl: string): Record<string, string> {
  return {
    pagerduty_routing_key: 'local-routing-key-not-a-secret00',
    slack_webhook_url: `${sinkUrl}/slack/ticket`,
    watchdog_url: `${sinkUrl}/slack/watchdog`,
  };
}

export interface AlertmanagerVariantOptions {
  /** Base URL of an AlertSink. */
  sinkUrl: string;
  /** Directory for the config, its templates and its secret files. */
  dir: string;
  /** Grafana's URL for the dashboard links (default: the template's own). */
  grafanaUrl?: string;
  /** Replaces group_wait / group_interval / repeat_interval on every route (tests: seconds, not minutes). */
  timing?: { groupWait?: string; groupInterval?: string; repeatInterval?: string };
  /** Source config (default alertmanager/alertmanager.yml). */
  source?: string;
}

type Route = Record<string, unknown> & { routes?: Route[] };

function retime(route: Route, t: NonNullable<AlertmanagerVariantOptions['timing']>): void {
  if (t.groupWait) route.group_wait = t.groupWait;
  if (t.groupInterval) route.group_interval = t.groupInterval;
  if (t.repeatInterval) route.repeat_interval = t.repeatInterval;
  for (const r of route.routes ?? []) retime(r, t);
}

/** Writes <dir>/alertmanager.yml (+ templates/, secrets/) and returns the config's path. */
export function writeAlertmanagerVariant(opts: AlertmanagerVariantOptions): string {
  const source = opts.source ?? ALERTMANAGER_CONFIG;
  const cfg = load(readFileSync(source, 'utf8')) as Record<string, any>;
  const secretsDir = join(opts.dir, 'secrets');
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const secrets = localSecrets(opts.sinkUrl);

  // Every *_file under /run/secrets becomes a local file; an unknown one is an error, so a new
  // receiver in alertmanager.yml cannot silently point the demo at a real service.
  const redirect = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(redirect);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k.endsWith('_file') && typeof v === 'string' && v.startsWith('/run/secrets/')) {
        const name = v.slice('/run/secrets/'.length);
        if (!(name in secrets)) throw new Error(`${source}: ${k}: ${v} has no loopback stand-in in scripts/lib/local-configs.ts`);
        const file = join(secretsDir, name);
        writeFileSync(file, `${secrets[name]}\n`, { mode: 0o600 });
        (node as Record<string, unknown>)[k] = file;
      } else redirect(v);
    }
  };
  for (const r of cfg.receivers ?? []) {
    for (const pd of r.pagerduty_configs ?? []) pd.url = `${opts.sinkUrl}/pagerduty/v2/enqueue`;
    for (const key of Object.keys(r)) {
      if (!key.endsWith('_configs')) continue;
      if (!['pagerduty_configs', 'slack_configs'].includes(key)) throw new Error(`${source}: receiver ${r.name}: ${key} has no loopback stand-in`);
    }
    redirect(r);
  }
  if (opts.timing) retime(cfg.route, opts.timing);

  const templatesDir = join(opts.dir, 'templates');
  mkdirSync(templatesDir, { recursive: true });
  const srcTemplates = join(dirname(source), 'templates');
  for (const f of readdirSync(srcTemplates).filter((x) => x.endsWith('.tmpl'))) {
    let text = readFileSync(join(srcTemplates, f), 'utf8');
    if (opts.grafanaUrl) text = text.replace(/(\{\{ define "tokenscope\.grafana_url" \}\})[^{]*(\{\{ end \}\})/, `$1${opts.grafanaUrl}$2`);
    writeFileSync(join(templatesDir, f), text);
  }
  const out = join(opts.dir, 'alertmanager.yml');
  writeFileSync(out, `# Generated from ${relative(REPO, source)} by scripts/lib/local-configs.ts: receivers point at a loopback AlertSink.\n${dump(cfg, { lineWidth: -1, noRefs: true })}`);
  return out;
}

export interface PrometheusLocalOptions {
  /** Where to write prometheus.yml. */
  dir: string;
  exporter: string; // host:port
  alertmanager: string; // host:port
  prometheus: string; // host:port
  /** Rule files (globs); default: the committed prometheus/rules/*.yml. */
  ruleFiles?: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  source?: string;
}

/**
 * prometheus/prometheus.local.yml with its loopback defaults (exporter 9477, Alertmanager 9093,
 * Prometheus 9090) replaced by the ports in use, and rule files made absolute.
 */
export function writePrometheusLocal(opts: PrometheusLocalOptions): string {
  const source = opts.source ?? join(REPO, 'prometheus/prometheus.local.yml');
  const cfg = load(readFileSync(source, 'utf8')) as Record<string, any>;
  const swap: Record<string, string> = { '9477': opts.exporter, '9093': opts.alertmanager, '9090': opts.prometheus };
  const retarget = (t: string): string => {
    const m = /^(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(t);
    return m && swap[m[1]] ? swap[m[1]] : t;
  };
  const walkTargets = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walkTargets);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.targets)) o.targets = o.targets.map((t) => (typeof t === 'string' ? retarget(t) : t));
    for (const v of Object.values(o)) walkTargets(v);
  };
  walkTargets(cfg.scrape_configs);
  walkTargets(cfg.alerting);
  cfg.rule_files = opts.ruleFiles ?? (cfg.rule_files ?? []).map((f: string) => resolve(dirname(source), f));
  cfg.global ??= {};
  if (opts.scrapeInterval) {
    cfg.global.scrape_interval = opts.scrapeInterval;
    cfg.global.scrape_timeout = opts.scrapeInterval; // may not exceed the interval
    for (const s of cfg.scrape_configs ?? []) {
      delete s.scrape_interval;
      delete s.scrape_timeout;
    }
  }
  if (opts.evaluationInterval) cfg.global.evaluation_interval = opts.evaluationInterval;
  mkdirSync(opts.dir, { recursive: true });
  const out = join(opts.dir, 'prometheus.yml');
  writeFileSync(out, `# Generated from ${relative(REPO, source)} by scripts/lib/local-configs.ts.\n${dump(cfg, { lineWidth: -1, noRefs: true })}`);
  return out;
}

export interface GrafanaLocalOptions {
  dir: string;
  urls: Record<string, string>; // "prometheus:9090" -> "127.0.0.1:9090"
}

/**
 * A copy of provisioning/ for a native Grafana: datasource URLs from compose service names to
 * loopback ports, and the dashboards provider path from the container's to this copy.
 */
export function writeGrafanaProvisioning(opts: GrafanaLocalOptions): string {
  const src = join(REPO, 'provisioning');
  const dst = join(opts.dir, 'provisioning');
  const copy = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const f = join(from, name);
      const t = join(to, name);
      if (statSync(f).isDirectory()) copy(f, t);
      else if (/\.ya?ml$/.test(name)) {
        let text = readFileSync(f, 'utf8');
        for (const [a, b] of Object.entries(opts.urls)) text = text.split(`//${a}`).join(`//${b}`);
        text = text.split('/etc/grafana/provisioning').join(dst);
        writeFileSync(t, text);
      } else copyFileSync(f, t);
    }
  };
  if (existsSync(src)) copy(src, dst);
  return dst;
}
