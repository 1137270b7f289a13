// docker-compose.yml, checked statically (there is no Docker engine here, and no `docker compose`):
// every bind-mounted path exists, every image has an exact tag, every URL in the configs and the
// Grafana provisioning names a compose service on the port it listens on, every path a config
// names inside a container is mounted, and secrets have no defaults.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import fg from 'fast-glob';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';
import { SCHEMA_VERSION } from '../../dashboards-src/defaults.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

const text = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = load(text) as Compose;
const services = compose.services;

/** Compose interpolation as `docker compose config` does it, for ${VAR:-default}; ${VAR:?err} stays required. */
function interpolate(s: string, env: Record<string, string> = {}): string {
  return s.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (env[name] !== undefined) return env[name];
    if (op === '-') return arg ?? '';
    if (op === '?') throw new Error(`required variable ${name}: ${arg}`);
    return '';
  });
}

/** host:container bind mounts of a service (named volumes excluded). */
function binds(svc: Service): Array<{ host: string; target: string }> {
  return (svc.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([src]) => src.startsWith('./') || src.startsWith('/'))
    .map(([src, target]) => ({ host: join(REPO_ROOT, src), target }));
}

/** The host path behind a path inside a service's container, or undefined if nothing mounts it. */
function hostPath(svc: Service, containerPath: string): string | undefined {
  for (const b of binds(svc)) {
    if (containerPath === b.target) return b.host;
    if (containerPath.startsWith(`${b.target}/`)) return join(b.host, posix.relative(b.target, containerPath));
  }
  return undefined;
}

/** The port a service listens on inside the network: the container side of its port mapping. */
function containerPorts(svc: Service): string[] {
  return (svc.ports ?? []).map((p) => interpolate(p).split(':').at(-1)!);
}

describe('docker-compose.yml', () => {
  it('bind-mounts only paths that exist in the repository', () => {
    const all = Object.entries(services).flatMap(([name, s]) => binds(s).map((b) => ({ name, ...b })));
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const b of all) expect(existsSync(b.host), `${b.name}: ${relative(REPO_ROOT, b.host)}`).toBe(true);
    expect(existsSync(join(REPO_ROOT, services.exporter.build!.context, services.exporter.build!.dockerfile))).toBe(true);
  });

  it('pins every image to an exact tag (no latest, no floating major), the Dockerfile base too', () => {
    const images = Object.values(services).map((s) => s.image);
    for (const image of images) {
      expect(image, 'every service names its image').toBeDefined();
      const m = /^([\w./-]+):([\w.-]+)$/.exec(image!);
      expect(m, `${image} has a tag`).not.toBeNull();
      expect(m![2]).not.toBe('latest');
      // PostgreSQL numbers its releases major.minor (15.13): that is its exact version.
      expect(m![2], `${image}: an exact version`).toMatch(m![1] === 'postgres' ? /^\d+\.\d+(-[a-z]+)?$/ : /\d+\.\d+\.\d+/);
    }
    const from = readFileSync(join(REPO_ROOT, 'exporter/Dockerfile'), 'utf8').match(/^FROM\s+.*$/gm)!;
    expect(from.length).toBeGreaterThan(0);
    for (const f of from) expect(f).toMatch(/^FROM [\w./-]+:v?\d+\.\d+\.\d+[\w.-]*( AS [\w-]+)?$/);
  });

  it('gives every long-running service a healthcheck and named volumes for its data', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'demo') continue; // a client: nothing to probe
      expect(s.healthcheck?.test, name).toBeDefined();
    }
    const used = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]).filter((v) => !v.startsWith('.') && !v.startsWith('/')));
    expect(used.sort()).toEqual(Object.keys(compose.volumes).sort());
  });

  it('runs the demo generator only under the demo profile', () => {
    expect(services.demo.profiles).toEqual(['demo']);
    for (const [name, s] of Object.entries(services)) if (name !== 'demo') expect(s.profiles, name).toBeUndefined();
  });

  it('takes secrets from the environment or files, never defaults', () => {
    expect(services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}');
    expect(() => interpolate(services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD)).toThrow(/GRAFANA_ADMIN_PASSWORD/);
    for (const [name, s] of Object.entries(compose.secrets)) {
      expect(s.file, name).toMatch(/^\$\{TOKENSCOPE_SECRETS_DIR:\?[^}]+\}\/\w+$/);
      expect(s.file.endsWith(`/${name}`)).toBe(true);
    }
    // Each /run/secrets/<name> a config reads is a secret given to that service.
    const amSecrets = [...readFileSync(join(REPO_ROOT, 'alertmanager/alertmanager.yml'), 'utf8').matchAll(/\/run\/secrets\/(\w+)/g)].map((m) => m[1]);
    expect(new Set(amSecrets)).toEqual(new Set(services.alertmanager.secrets));
    const exporterSecrets = [...(services.exporter.entrypoint ?? []), ...(services.exporter.command as string[])].join(' ').match(/\/run\/secrets\/\w+/g)!.map((s) => s.slice('/run/secrets/'.length));
    expect(new Set(exporterSecrets)).toEqual(new Set(services.exporter.secrets));
  });

  it('scripts/compose-secrets.sh creates exactly the secret files compose mounts', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tokenscope-secrets-')), 'secrets');
    execFileSync('bash', [join(REPO_ROOT, 'scripts/compose-secrets.sh')], { env: { ...process.env, TOKENSCOPE_SECRETS_DIR: dir, SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' }, stdio: 'pipe' });
    expect(readdirSync(dir).sort()).toEqual(Object.keys(compose.secrets).sort());
    for (const f of readdirSync(dir)) {
      expect(statSync(join(dir, f)).size, f).toBeGreaterThan(8);
      const secretPath = interpolate(compose.secrets[f].file, { TOKENSCOPE_SECRETS_DIR: dir });
      expect(existsSync(secretPath)).toBe(true);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, 'slack_webhook_url'), 'utf8').trim()).toBe('https://hooks.slack.com/services/T/B/X');
  });

  it('mounts every path the configs name inside a container', () => {
    const prom = load(readFileSync(join(REPO_ROOT, 'prometheus/prometheus.yml'), 'utf8')) as { rule_files: string[] };
    for (const f of prom.rule_files) {
      const host = hostPath(services.prometheus, posix.resolve('/etc/prometheus', f));
      expect(host, `prometheus rule_files ${f}`).toBeDefined();
      expect(fg.sync(host!).length, `${f} matches generated rule files`).toBeGreaterThan(0);
    }
    const providers = load(readFileSync(join(REPO_ROOT, 'provisioning/dashboards/dashboards.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    for (const p of providers.providers) {
      const host = hostPath(services.grafana, p.options.path);
      expect(host && fg.sync(`${host}/**/*.json`).length, p.options.path).toBeGreaterThan(0);
    }
    expect(existsSync(hostPath(services.grafana, services.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)!)).toBe(true);
    const am = load(readFileSync(join(REPO_ROOT, 'alertmanager/alertmanager.yml'), 'utf8')) as { templates: string[] };
    for (const t of am.templates) expect(fg.sync(hostPath(services.alertmanager, posix.resolve('/etc/alertmanager', t))!).length, t).toBeGreaterThan(0);
    const cmd = (s: Service) => (Array.isArray(s.command) ? s.command : [s.command ?? '']).join(' ');
    expect(hostPath(services.alertmanager, cmd(services.alertmanager).match(/--config\.file=(\S+)/)![1])).toBe(join(REPO_ROOT, 'alertmanager/alertmanager.yml'));
    expect(hostPath(services.prometheus, cmd(services.prometheus).match(/--config\.file=(\S+)/)![1])).toBe(join(REPO_ROOT, 'prometheus/prometheus.yml'));
    expect(hostPath(services.loki, cmd(services.loki).match(/-config\.file=(\S+)/)![1])).toBe(join(REPO_ROOT, 'loki/loki-config.yaml'));
  });

  it('every URL in the provisioning and configs names a compose service on its port', () => {
    // `owner`: the service whose container reads the URL (its localhost is itself).
    const urls: Array<{ where: string; url: string; owner: string }> = [];
    const collect = (where: string, owner: string, s: string) => {
      for (const m of s.matchAll(/\bhttps?:\/\/[^\s'"`,)}\]]+/g)) urls.push({ where, url: m[0], owner });
    };
    for (const f of fg.sync('provisioning/**/*.{yaml,yml}', { cwd: REPO_ROOT })) collect(f, 'grafana', readFileSync(join(REPO_ROOT, f), 'utf8'));
    collect('loki/loki-config.yaml', 'loki', readFileSync(join(REPO_ROOT, 'loki/loki-config.yaml'), 'utf8'));
    for (const [name, s] of Object.entries(services)) {
      collect(`${name}.environment`, name, Object.values(s.environment ?? {}).join(' '));
      // Only in-network URLs: external URLs (what a browser opens) are flags named *external-url.
      collect(`${name}.command`, name, (Array.isArray(s.command) ? s.command : [s.command ?? '']).filter((c) => !/external-url/.test(c)).join(' '));
    }
    // Prometheus scrape and alerting targets are host:port without a scheme.
    const prom = load(readFileSync(join(REPO_ROOT, 'prometheus/prometheus.yml'), 'utf8')) as Record<string, any>;
    const targets = (node: unknown): string[] =>
      Array.isArray(node) ? node.flatMap(targets) : node && typeof node === 'object' ? Object.entries(node).flatMap(([k, v]) => (k === 'targets' ? (v as string[]) : targets(v))) : [];
    for (const t of targets(prom.scrape_configs)) urls.push({ where: 'prometheus.yml scrape', url: `http://${t}`, owner: 'prometheus' });
    for (const t of targets(prom.alerting)) urls.push({ where: 'prometheus.yml alerting', url: `http://${t}`, owner: 'prometheus' });

    expect(urls.length).toBeGreaterThan(4);
    for (const { where, url, owner } of urls) {
      const u = new URL(url);
      const host = ['localhost', '127.0.0.1'].includes(u.hostname) ? owner : u.hostname;
      expect(Object.keys(services), `${where}: ${url} names a compose service`).toContain(host);
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      expect(containerPorts(services[host]), `${where}: ${url} uses ${host}'s port`).toContain(port);
    }
    // The core wiring is among them.
    const names = new Set(urls.map((x) => new URL(x.url).host));
    for (const h of ['prometheus:9090', 'loki:3100', 'exporter:9477', 'alertmanager:9093']) expect(names, h).toContain(h);
  });
});

// exporter/Dockerfile, statically: a build stage compiles exporter/src, the runtime stage runs the
// compiled JavaScript (no tsx, no TypeScript) with promtool for backfill and the catalog baked in.
describe('exporter/Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'exporter/Dockerfile'), 'utf8');
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Array<{ from: string; name?: string; body: string[] }> = [];
  for (const i of instructions) {
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i);
    if (m) stages.push({ from: m[1], name: m[2], body: [] });
    else stages.at(-1)!.body.push(i);
  }
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.body.some((i) => /^RUN .*npm run build/.test(i)));

  it('builds in one stage and runs the compiled dist/ in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(build).not.toBe(runtime);
    expect(build!.body.join('\n')).toMatch(/npm ci\b/);
    expect(build!.body.join('\n'), 'dev dependencies are pruned before the copy').toMatch(/npm prune --omit=dev/);
    expect(runtime.from).toBe(build!.from);
    const body = runtime.body.join('\n');
    expect(body).toContain(`COPY --from=${build!.name} /src/dist ./dist`);
    expect(body).toContain(`COPY --from=${build!.name} /src/node_modules ./node_modules`);
    expect(runtime.body.filter((i) => /^COPY (?!--from)/.test(i)).join('\n'), 'no sources in the runtime stage').not.toMatch(/exporter\/src|tsconfig/);
    expect(body).not.toMatch(/\btsx\b|typescript|\.ts\b/);
    expect(runtime.body).toContain('ENTRYPOINT ["node", "bin/tokenscope.js"]');
    // The bin runs dist/exporter/src/cli/main.js, nothing else.
    const bin = readFileSync(join(REPO_ROOT, 'bin/tokenscope.js'), 'utf8');
    expect(bin).toContain("import('../dist/exporter/src/cli/main.js')");
    expect(bin).not.toMatch(/tsx|\.ts'/);
  });

  it('has promtool for backfill, the default catalog, an unprivileged user', () => {
    const body = runtime.body.join('\n');
    const promtool = /^COPY --from=(\S+) \/bin\/promtool \/usr\/local\/bin\/promtool$/m.exec(body);
    expect(promtool, 'promtool copied into the runtime image').not.toBeNull();
    const source = stages.find((s) => s.name === promtool![1]);
    // The same Prometheus version compose runs (and the tests use), so blocks and rules agree.
    expect(source?.from).toBe(services.prometheus.image);
    expect(body).toContain('COPY catalog/tokenscope.yaml ./catalog/tokenscope.yaml');
    expect(runtime.body).toContain('USER node');
  });

  it('does not open POST /v1/events beyond the container without a token', () => {
    const cmd = JSON.parse(runtime.body.find((i) => i.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd[0]).toBe('serve');
    if (cmd.includes('0.0.0.0')) expect(cmd).toContain('--ingest-token-file');
    const exporterCmd = services.exporter.command as string[];
    if (exporterCmd.some((c) => c.includes('0.0.0.0'))) expect(exporterCmd.some((c) => c.startsWith('--ingest-token-file='))).toBe(true);
  });

  it('copies only what .dockerignore lets into the context, and all of it exists', () => {
    const allowed = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = instructions.filter((i) => /^COPY (?!--from)/.test(i)).flatMap((i) => i.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
      expect(allowed.some((a) => src === a || src.startsWith(`${a}/`)), `${src} is in .dockerignore's allow-list`).toBe(true);
    }
    expect(allowed).not.toContain('dist');
    expect(allowed).not.toContain('node_modules');
  });
  it('the generated dashboards declare a schemaVersion the pinned Grafana knows', () => {
    // Highest dashboard schemaVersion per Grafana minor (Grafana's DashboardMigrator /
    // schemaversion migrations). Add a row when bumping the Grafana image.
    const MAX_SCHEMA_VERSION: Record<string, number> = { '12.0': 41, '12.1': 41 };
    const m = /^grafana\/grafana:(\d+)\.(\d+)\.\d+$/.exec(services.grafana.image!);
    expect(m, services.grafana.image).not.toBeNull();
    const minor = `${m![1]}.${m![2]}`;
    expect(MAX_SCHEMA_VERSION[minor], `the highest schemaVersion of Grafana ${minor} is known to this test`).toBeDefined();
    const dir = join(REPO_ROOT, 'provisioning', 'dashboards');
    const files = fg.sync('*/*.json', { cwd: dir });
    expect(files.length).toBe(6);
    for (const f of files) {
      const v = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { schemaVersion: number }).schemaVersion;
      expect(v, f).toBeLessThanOrEqual(MAX_SCHEMA_VERSION[minor]);
      expect(v, f).toBe(SCHEMA_VERSION);
    }
  });

  it('pins current major versions: Prometheus 3, Alertmanager 0.28+, Grafana 12, Loki 3', () => {
    const version = (name: string) => /:v?(\d+)\.(\d+)\.(\d+)$/.exec(services[name].image!)!.slice(1).map(Number);
    expect(version('prometheus')[0]).toBe(3);
    const [amMajor, amMinor] = version('alertmanager');
    expect(amMajor === 0 && amMinor >= 28).toBe(true);
    expect(version('grafana')[0]).toBe(12);
    expect(version('loki')[0]).toBe(3);
  });
});
