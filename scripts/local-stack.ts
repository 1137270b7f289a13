// Helpers for scripts/start.sh (the native local stack), run as `node --import tsx scripts/local-stack.ts <cmd>`:
//   render  write the stack's configs into the data dir, for the ports in use (Grafana's without
//           the PostgreSQL request-store datasource: the native store is SQLite)
//   wait    wait until HTTP endpoints answer 2xx
//   sink    run the loopback AlertSink, printing each notification
//   ports   fail with a clear message when a port is taken
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dump, load } from 'js-yaml';
import { STORE_UID } from '../dashboards-src/store-panels.js';
import { loadCatalog } from '../catalog/src/load.js';
import { writeRuleFiles } from '../prometheus/src/generate.js';
import { AlertSink, oneLine } from './lib/alert-sink.js';
import { writeAlertmanagerVariant, writeGrafanaProvisioning, writePrometheusLocal } from './lib/local-configs.js';

function render(args: string[]): void {
  const { values: v } = parseArgs({
    args,
    options: {
      dir: { type: 'string' },
      'exporter-port': { type: 'string' },
      'prometheus-port': { type: 'string' },
      'alertmanager-port': { type: 'string' },
      'sink-port': { type: 'string' },
      'grafana-port': { type: 'string' },
      'loki-port': { type: 'string' },
      // Alerts in seconds instead of minutes: `for:` capped at 10s, 5s scrape/evaluation, short
      // Alertmanager timers. For presenting the demo and for the smoke test, never for production.
      'fast-alerts': { type: 'boolean', default: false },
    },
  });
  const dir = v.dir!;
  const host = (p?: string) => `127.0.0.1:${p}`;
  let ruleFiles: string[] | undefined;
  if (v['fast-alerts']) {
    const rules = join(dir, 'rules');
    writeRuleFiles(rules, loadCatalog(), { maxFor: '10s' });
    ruleFiles = [join(rules, '*.yml')];
  }
  writePrometheusLocal({
    dir,
    exporter: host(v['exporter-port']),
    alertmanager: host(v['alertmanager-port']),
    prometheus: host(v['prometheus-port']),
    ruleFiles,
    ...(v['fast-alerts'] ? { scrapeInterval: '5s', evaluationInterval: '5s' } : {}),
  });
  writeAlertmanagerVariant({
    sinkUrl: `http://${host(v['sink-port'])}`,
    dir: join(dir, 'alertmanager'),
    grafanaUrl: v['grafana-port'] ? `http://${host(v['grafana-port'])}` : undefined,
    timing: v['fast-alerts'] ? { groupWait: '2s', groupInterval: '10s' } : undefined,
  });
  if (v['grafana-port']) {
    const provisioning = writeGrafanaProvisioning({
      dir,
      urls: { 'prometheus:9090': host(v['prometheus-port']), 'loki:3100': host(v['loki-port']), 'alertmanager:9093': host(v['alertmanager-port']), 'exporter:9477': host(v['exporter-port']) },
    });
    withoutStoreDatasource(join(provisioning, 'datasources', 'datasources.yaml'));
  }
}

/**
 * The native stack's request store is a SQLite file, which Grafana cannot read without a plugin,
 * and its PostgreSQL datasource reads a password from /run/secrets: left in, it would only fail.
 * The store's panels say "datasource not found"; the usage API has the same rows.
 */
function withoutStoreDatasource(file: string): void {
  if (!existsSync(file)) return;
  const doc = load(readFileSync(file, 'utf8')) as { datasources?: Array<{ uid?: string }> };
  doc.datasources = (doc.datasources ?? []).filter((d) => d.uid !== STORE_UID);
  writeFileSync(file, `# Written by scripts/local-stack.ts from provisioning/datasources (the request store left out).\n${dump(doc, { lineWidth: -1, noRefs: true })}`);
}

/** A pid that exited (or is a zombie its parent has not reaped yet) is not running. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits for every `name=url` to answer 2xx; fails at once when the process in <pids>/<name> dies. */
async function wait(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { timeout: { type: 'string', default: '90' }, pids: { type: 'string' } } });
  const deadline = Date.now() + Number(values.timeout) * 1000;
  await Promise.all(
    positionals.map(async (p) => {
      const [name, url] = p.split('=');
      const pidFile = values.pids ? join(values.pids, name) : undefined;
      const pid = pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
      for (;;) {
        try {
          if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
        } catch {
          /* not up yet */
        }
        if (pid !== undefined && !running(pid)) throw new Error(`${name} exited while starting`);
        if (Date.now() > deadline) throw new Error(`${name} did not become ready at ${url} within ${values.timeout}s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
}

async function sink(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, log: { type: 'string' } } });
  if (values.log) mkdirSync(join(values.log, '..'), { recursive: true });
  const s = await AlertSink.start({
    port: Number(values.port),
    onNotification: (n) => {
      const line = oneLine(n);
      // The watchdog pings every minute by design: log it, do not flood the terminal.
      if (n.receiver !== 'watchdog') process.stdout.write(`  alert ▸ ${line}\n`);
      if (values.log) appendFileSync(values.log, `${line}\n${JSON.stringify(n.body)}\n`);
    },
  });
  const stop = () => void s.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Exits 1 listing every `NAME=port` whose port cannot be bound on 127.0.0.1. */
async function ports(args: string[]): Promise<void> {
  const busy: Array<{ name: string; port: number }> = [];
  for (const a of args) {
    const [name, p] = a.split('=');
    const port = Number(p);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!free) busy.push({ name, port });
  }
  if (busy.length === 0) return;
  for (const b of busy) process.stderr.write(`error: port ${b.port} (${b.name}) is already in use on 127.0.0.1\n`);
  const example = busy.map((b) => `${b.name}=${b.port + 10_000 <= 65_535 ? b.port + 10_000 : b.port - 10_000}`).join(' ');
  process.stderr.write(`Stop what listens there (ss -ltnp shows it), or choose other ports: ${example} npm start\n`);
  process.exit(1);
}

const [cmd, ...rest] = process.argv.slice(2);
const commands: Record<string, (a: string[]) => void | Promise<void>> = { render, wait, sink, ports };
if (!cmd || !commands[cmd]) {
  process.stderr.write(`usage: local-stack.ts ${Object.keys(commands).join('|')} ...\n`);
  process.exit(2);
}
Promise.resolve(commands[cmd](rest)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
