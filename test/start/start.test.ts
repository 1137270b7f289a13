// `npm start` (scripts/start.sh) as a user runs it, on free ports: Prometheus scrapes the exporter
// (up == 1), the demo's traffic is counted, an alert (the Watchdog, with TOKENSCOPE_FAST_ALERTS)
// fires in Alertmanager and reaches the local alert sink, and SIGINT (Ctrl-C) stops every process
// the script started. Also: a taken port is refused with a clear message before anything starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../support/ports.js';
import { REPO_ROOT } from '../support/processes.js';

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // Not detached: Ctrl-C in a terminal signals the script, which must pass it on itself.
  const child = spawn('bash', ['scripts/start.sh'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  return { child, output: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

/** Pids of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(needle) && state !== 'Z') out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Running, i.e. neither gone nor a zombie (this container's init may reap orphans late). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function ports() {
  return {
    TOKENSCOPE_EXPORTER_PORT: String(await freePort()),
    PROMETHEUS_PORT: String(await freePort()),
    ALERTMANAGER_PORT: String(await freePort()),
    ALERT_SINK_PORT: String(await freePort()),
    GRAFANA_PORT: String(await freePort()),
    LOKI_PORT: String(await freePort()),
    LOKI_GRPC_PORT: String(await freePort()),
  };
}

describe('npm start', () => {
  let started: ReturnType<typeof run> | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    // Only after a failure: the script could not clean up, so its process groups go here.
    if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
    const pidDir = dataDir && join(dataDir, 'pids');
    for (const f of pidDir && existsSync(pidDir) ? readdirSync(pidDir) : []) {
      try {
        process.kill(-Number(readFileSync(join(pidDir!, f), 'utf8')), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });

  it('refuses a taken port by name before starting anything', async () => {
    const p = await ports();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(p.PROMETHEUS_PORT), '127.0.0.1', () => r()));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'tokenscope-start-'));
      const r = run({ ...p, TOKENSCOPE_DATA_DIR: dir });
      expect(await r.exited).toBe(1);
      expect(r.output()).toContain(`port ${p.PROMETHEUS_PORT} (PROMETHEUS_PORT) is already in use`);
      expect(r.output()).toMatch(/PROMETHEUS_PORT=\d+ npm start/);
      expect(existsSync(join(dir, 'pids')) ? readdirSync(join(dir, 'pids')) : []).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('runs the stack, scrapes the exporter, fires an alert, and stops everything on SIGINT', async () => {
    const p = await ports();
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-start-'));
    dataDir = dir;
    started = run({ ...p, TOKENSCOPE_DATA_DIR: dir, TOKENSCOPE_FAST_ALERTS: '1', DEMO_RATE: '20' });
    const prom = `http://127.0.0.1:${p.PROMETHEUS_PORT}`;
    const fail = (e: Error) => {
      throw new Error(`${e.message}\n--- npm start output ---\n${started!.output()}`);
    };

    // The block is printed by several writes: wait for its last line, not its first.
    await waitFor('the URLs printed', async () => /tokenscope is running[\s\S]*\n  demo +~/.test(started!.output()), 90_000, 250).catch(fail);
    const out = started.output();
    for (const port of [p.TOKENSCOPE_EXPORTER_PORT, p.PROMETHEUS_PORT, p.ALERTMANAGER_PORT, p.ALERT_SINK_PORT]) expect(out).toContain(`http://127.0.0.1:${port}`);
    expect(out).toMatch(/open first: +http:\/\/127\.0\.0\.1:\d+\//);
    // Where the usage log is: the API URL with its token file, and the SQLite request store.
    expect(out).toContain(`http://127.0.0.1:${p.TOKENSCOPE_EXPORTER_PORT}/api/usage/log?range=24h`);
    expect(out).toContain(`bearer token in ${join(dir, 'secrets', 'api_token')}`);
    expect(out).toContain(`request store ${join(dir, 'requests.db')}`);

    // Prometheus scrapes the exporter, and the demo's traffic shows up in it.
    await waitFor('up{job="tokenscope"} == 1', async () => {
      const r = await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent('up{job="tokenscope"}')}`)).json();
      return r.data.result[0]?.value[1] === '1';
    }, 30_000, 500).catch(fail);
    await waitFor('demo traffic in Prometheus', async () => {
      const r = await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent('sum(ai_requests_total)')}`)).json();
      return Number(r.data.result[0]?.value[1] ?? 0) > 0;
    }, 30_000, 500).catch(fail);

    // The printed usage log answers with the printed token file, and holds the demo's requests.
    const token = readFileSync(join(dir, 'secrets', 'api_token'), 'utf8').trim();
    await waitFor('demo requests in the usage log', async () => {
      const r = await fetch(`http://127.0.0.1:${p.TOKENSCOPE_EXPORTER_PORT}/api/usage/log?range=24h`, { headers: { Authorization: `Bearer ${token}` } });
      return r.status === 200 && ((await r.json()) as { total: number }).total > 0;
    }, 60_000, 500).catch(fail);
    expect(existsSync(join(dir, 'requests.db'))).toBe(true);

    // The Watchdog fires in Alertmanager and its ping reaches the local sink.
    await waitFor('Watchdog firing in Alertmanager', async () => {
      const alerts = (await (await fetch(`http://127.0.0.1:${p.ALERTMANAGER_PORT}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>;
      return alerts.some((a) => a.labels.alertname === 'TokenScopeWatchdog');
    }, 60_000, 500).catch(fail);
    await waitFor('the watchdog notification at the sink', async () => {
      const n = (await (await fetch(`http://127.0.0.1:${p.ALERT_SINK_PORT}/notifications`)).json()) as Array<{ receiver: string }>;
      return n.some((x) => x.receiver === 'watchdog');
    }, 30_000, 500).catch(fail);

    // Ctrl-C: SIGINT to the script only; it must stop every process it started.
    const pids = readdirSync(join(dir, 'pids')).map((f) => Number(readFileSync(join(dir, 'pids', f), 'utf8')));
    expect(pids.length).toBeGreaterThanOrEqual(5);
    const before = processesMentioning(dir);
    expect(before.length).toBeGreaterThanOrEqual(4);
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(130);
    expect(started.output()).toContain('stopped; data and logs kept in');
    for (const pid of [...pids, ...before]) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  }, 150_000);
});
