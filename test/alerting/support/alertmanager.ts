// A real Alertmanager (Debian's 0.25: `prometheus-alertmanager`, upstream name `alertmanager`) on a
// free loopback port, clustering off, with temporary storage.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../../support/ports.js';
import { startProcess, type Proc } from '../../support/processes.js';

export function alertmanagerBinary(): string {
  for (const b of ['prometheus-alertmanager', 'alertmanager']) {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
      return b;
    } catch {
      /* next */
    }
  }
  throw new Error('no Alertmanager binary on PATH (bash scripts/ensure-deps.sh installs it)');
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  receivers: Array<{ name: string }>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export class Alertmanager {
  private constructor(
    readonly url: string,
    private readonly proc: Proc,
  ) {}

  static async start(configFile: string): Promise<Alertmanager> {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-am-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = startProcess(alertmanagerBinary(), [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=', // no gossip port: one instance, nothing else to bind
      '--log.level=debug',
    ]);
    const am = new Alertmanager(url, proc);
    try {
      await waitFor('alertmanager ready', async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
    } catch (e) {
      await proc.stop();
      throw new Error(`${(e as Error).message}\n${proc.output().slice(-3000)}`);
    }
    return am;
  }

  /** POST /api/v2/alerts, as Prometheus does. */
  async post(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; endsAt?: string }>): Promise<void> {
    const now = new Date().toISOString();
    const res = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: now, endsAt: a.endsAt ?? new Date(Date.now() + 3_600_000).toISOString(), generatorURL: 'http://prometheus.invalid/graph' }))),
    });
    if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
  }

  async alerts(): Promise<AmAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
    return (await res.json()) as AmAlert[];
  }

  output(): string {
    return this.proc.output();
  }

  stop(): Promise<number | null> {
    return this.proc.stop();
  }
}
