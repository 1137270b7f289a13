// A real Prometheus (Debian's 2.42) on a free loopback port with temporary storage.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { startProcess, type Proc } from './processes.js';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class Prometheus {
  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly proc: Proc,
  ) {}

  /** `config` is prometheus.yml text; `storage` an existing TSDB dir (e.g. from backfill). */
  static async start(config: string, opts: { storage?: string; extraArgs?: string[] } = {}): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prom-'));
    const port = await freePort();
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, config);
    const proc = startProcess('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${opts.storage ?? join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=3650d',
      ...(opts.extraArgs ?? []),
    ]);
    const p = new Prometheus(`http://127.0.0.1:${port}`, dir, proc);
    try {
      await waitFor('prometheus ready', async () => (await fetch(`${p.url}/-/ready`)).ok, 60_000);
    } catch (e) {
      await proc.stop();
      throw new Error(`${(e as Error).message}\n${proc.output().slice(-2000)}`);
    }
    return p;
  }

  async query(expr: string, time?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set('time', String(time));
    const res = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body: params });
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
    return body.data.result;
  }

  /** The single value of a query that must return exactly one sample. */
  async value(expr: string, time?: number): Promise<number> {
    const r = await this.query(expr, time);
    if (r.length !== 1) throw new Error(`expected 1 sample for ${expr}, got ${r.length}`);
    return Number(r[0].value[1]);
  }

  output(): string {
    return this.proc.output();
  }

  stop(): Promise<number | null> {
    return this.proc.stop();
  }
}
