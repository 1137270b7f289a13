// Durable state is the default: `serve` without --state-file keeps its state in the data directory
// ($XDG_STATE_HOME/tokenscope here, a temporary one), so a restart neither re-counts the files nor
// resets the counters (which Prometheus' increase() would read as new traffic). --no-state is the
// explicit opt-out, and then tailing starts at the end of the files, so a restart re-counts nothing.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { makeTruths, render, shapeFor } from '../support/traffic.js';

async function lines(port: number): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return sum(parseExposition(await res.text()), 'ai_exporter_lines_total', { source: 'file' });
}

/** Scrapes every 10 ms until `until` holds, keeping every value, as a fast Prometheus would. */
async function scrapeUntil(port: number, seen: number[], until: (v: number) => boolean, what: string): Promise<void> {
  await waitFor(what, async () => {
    const v = await lines(port);
    if (v === undefined) return false;
    seen.push(v);
    return until(v);
  }, 60_000, 10);
}

/** increase() over the whole series: a drop is a counter reset, after which the value counts in full. */
function increase(seen: number[]): number {
  let inc = 0;
  for (let i = 1; i < seen.length; i++) inc += seen[i] >= seen[i - 1] ? seen[i] - seen[i - 1] : seen[i];
  return inc;
}

function setup(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-default-state-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const home = join(dir, 'home');
  mkdirSync(home);
  const xdg = join(dir, 'xdg-state');
  const file = join(logs, 'app.jsonl');
  const truths = makeTruths(n, { seed: 41 });
  const text = truths.map((t, i) => render(t, shapeFor(t, i)));
  writeFileSync(file, text.slice(0, n - 100).join('\n') + '\n');
  // HOME and XDG_STATE_HOME point into the temporary folder: nothing is written to the real home.
  const env = { HOME: home, XDG_STATE_HOME: xdg };
  return { dir, logs, home, xdg, file, text, env };
}

describe('durable state by default', () => {
  it('restart without --state-file: counters resume, nothing is counted twice, increase() is exact', async () => {
    const n = 30_000;
    const { logs, home, xdg, file, text, env } = setup(n);
    const args = (port: number) => ['serve', '--port', String(port), '--files', join(logs, '*.jsonl*'), '--state-interval', '50', '--no-request-log'];
    const seen: number[] = [0];
    let proc: Proc | undefined;
    try {
      const port1 = await freePort();
      proc = startProcess(process.execPath, [CLI, ...args(port1)], { env });
      await scrapeUntil(port1, seen, (v) => v === n - 100, 'first run read the file');
      // A restart (systemctl restart, a new container): the final checkpoint has every line. After
      // a kill -9 the counters go back to the last checkpoint instead (restart.test.ts).
      await proc.stop('SIGTERM');

      const stateFile = join(xdg, 'tokenscope', 'state.json');
      expect(existsSync(stateFile)).toBe(true);
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(xdg, 'tokenscope')).mode & 0o777).toBe(0o700);
      expect(readdirSync(home)).toEqual([]);

      const port2 = await freePort();
      proc = startProcess(process.execPath, [CLI, ...args(port2)], { env });
      await scrapeUntil(port2, seen, () => true, 'second run up');
      appendFileSync(file, text.slice(n - 100).join('\n') + '\n');
      await scrapeUntil(port2, seen, (v) => v >= n, 'second run read the new lines');
      await new Promise((r) => setTimeout(r, 500)); // let a (wrong) re-read show
      await scrapeUntil(port2, seen, () => true, 'last scrape');
    } finally {
      await proc?.stop();
    }
    expect(seen.at(-1)).toBe(n);
    expect(Math.min(...seen.slice(seen.indexOf(n - 100)))).toBe(n - 100); // never dropped: no counter reset
    expect(increase(seen)).toBe(n);
  }, 120_000);

  it('--no-state: tails from the end like tail -F, so a restart re-counts nothing, and writes no state', async () => {
    const { logs, home, xdg, file, env } = setup(1000);
    const args = (port: number) => ['serve', '--port', String(port), '--files', join(logs, '*.jsonl*'), '--no-state', '--poll-interval', '50', '--no-request-log'];
    const line = (i: number) => JSON.stringify({ timestamp: '2026-11-01T00:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1, request_id: `no-state-${i}` });
    let proc: Proc | undefined;
    try {
      for (const [run, extra] of [[1, 7], [2, 3]] as const) {
        const port = await freePort();
        proc = startProcess(process.execPath, [CLI, ...args(port)], { env });
        await waitFor(`run ${run} up`, async () => (await lines(port)) === 0, 30_000, 50);
        await new Promise((r) => setTimeout(r, 300)); // several polls: the 900 lines already there stay unread
        expect(await lines(port)).toBe(0);
        appendFileSync(file, Array.from({ length: extra }, (_, i) => line(run * 100 + i)).join('\n') + '\n');
        await waitFor(`run ${run} reads what is appended`, async () => (await lines(port)) === extra, 30_000, 50);
        await proc.stop('SIGKILL');
      }
    } finally {
      await proc?.stop();
    }
    expect(existsSync(xdg)).toBe(false);
    expect(readdirSync(home)).toEqual([]);
  }, 120_000);

  it('--no-state refuses --state-file and --data-dir', async () => {
    const { dir, env } = setup(10);
    const proc = startProcess(process.execPath, [CLI, 'serve', '--port', String(await freePort()), '--no-state', '--data-dir', join(dir, 'd')], { env });
    expect(await waitFor('exit', async () => (proc.child.exitCode !== null ? { code: proc.child.exitCode } : undefined), 30_000, 50)).toEqual({ code: 1 });
    expect(proc.output()).toMatch(/--no-state cannot be combined with --state-file or --data-dir/);
  }, 60_000);
});
