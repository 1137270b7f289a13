// A real `tokenscope serve` (bin/tokenscope.js) for the request store tests, and a known JSONL log
// with its reference rows: the request ids (or content keys) and costs computed independently.
import { spawn } from 'node:child_process';
import { loadCatalog } from '../../catalog/src/load.js';
import { parseExposition, sum } from '../support/exposition.js';
import { expectedCost } from '../support/expected-cost.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, REPO_ROOT } from '../support/processes.js';
import { makeTruths, render } from '../support/traffic.js';

export const NOW = '2025-06-03T00:00:00Z';
export const START_MS = Date.UTC(2025, 5, 1);
export const HASH_KEY = 'store-test-key';

export interface KnownLine {
  line: string;
  /** Idempotency identity: the request id, or undefined for a line stored by content. */
  requestId?: string;
  costUsd: number;
  input: number;
  output: number;
}

/** `n` canonical lines, every 4th without a request id, spread over 12 users and 40 sessions. */
export function knownLog(n: number, seed: number): KnownLine[] {
  const catalog = loadCatalog();
  return makeTruths(n, { seed, startMs: START_MS, spanMs: 86_400_000 }).map((t, i) => {
    const o = JSON.parse(render(t, 'canonical')) as Record<string, unknown>;
    o.user_id = `user-${i % 12}`;
    o.session_id = `session-${i % 40}`;
    if (i % 4 === 3) delete o.request_id;
    return { line: JSON.stringify(o), requestId: o.request_id as string | undefined, costUsd: expectedCost(catalog, t), input: t.input, output: t.output };
  });
}

export function reference(lines: KnownLine[]) {
  return {
    rows: lines.length,
    costUsd: lines.reduce((a, l) => a + l.costUsd, 0),
    inputTokens: lines.reduce((a, l) => a + l.input, 0),
    outputTokens: lines.reduce((a, l) => a + l.output, 0),
  };
}

export interface Serve {
  port: number;
  output: () => string;
  stop(signal: NodeJS.Signals): Promise<void>;
  metrics(): Promise<ReturnType<typeof parseExposition>>;
  /** Waits until `lines` file lines were read and the store has nothing pending. */
  settled(lines: number, timeoutMs?: number): Promise<void>;
}

/** `env` entries override the test environment; an undefined one removes the variable. */
export async function serve(args: string[], env: Record<string, string | undefined> = {}): Promise<Serve> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TOKENSCOPE_HASH_KEY: HASH_KEY, TOKENSCOPE_NOW: NOW, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--no-request-log', '--state-interval', '50', '--poll-interval', '20', ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-200_000)));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const metrics = async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  const s: Serve = {
    port,
    output: () => out,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
      await exited;
    },
    metrics,
    async settled(lines, timeoutMs = 120_000) {
      await waitFor(
        `${lines} lines read and stored`,
        async () => {
          if (child.exitCode !== null) throw new Error(`serve exited: ${out.slice(-2000)}`);
          const m = await metrics();
          return sum(m, 'ai_exporter_lines_total', { source: 'file' }) >= lines && sum(m, 'ai_exporter_store_pending_rows') === 0;
        },
        timeoutMs,
        50,
      );
    },
  };
  await waitFor('serve to listen', async () => {
    if (child.exitCode !== null) throw new Error(`serve exited: ${out.slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  }, 60_000, 50);
  return s;
}
