// Prometheus down, too slow, or failing one query of many: `report` and `export` exit non-zero with
// a clear message and write nothing; the usage API answers 502 or 504. Never a partial answer.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/src/load.js';
import { PrometheusClient } from '../../reader/src/prometheus-client/client.js';
import { createUsageApiRouter } from '../../reader/src/usage-api/router.js';
import { startExporter, type Harness } from '../server/helpers.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';
import { NOW_ENV } from './fixture.js';

interface Fake {
  url: string;
  queries: string[];
  close(): Promise<void>;
}

/** An HTTP server on a free port; `answer` returning undefined leaves the request hanging. */
async function fakePrometheus(answer: (path: string, query: string) => { status: number; body: string } | undefined): Promise<Fake> {
  const sockets = new Set<Socket>();
  const queries: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = new URLSearchParams(body).get('query') ?? '';
      queries.push(query);
      const a = answer(url.pathname, query);
      if (!a) return; // hang
      res.writeHead(a.status, { 'Content-Type': 'application/json' }).end(a.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ok = (data: unknown) => ({ status: 200, body: JSON.stringify({ status: 'success', data }) });
/** Success with no series, for every kind of call. */
function empty(path: string, query: string) {
  if (path === '/api/v1/rules') return ok({ groups: [] });
  if (path === '/api/v1/query_range' || /\[\d+ms\]$/.test(query)) return ok({ resultType: 'matrix', result: [] });
  return ok({ resultType: 'vector', result: [] });
}

/** The CLI without blocking this process: the fake servers live in it. On the fixture's clock, so 2026-11-02 is a past day on any date. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PROMETHEUS_URL: '', ...NOW_ENV, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

const REPORT = ['report', '--period', 'daily', '--at', '2026-11-02', '--format', 'json'];
const EXPORT = ['export', '--from', '2026-11-01', '--to', '2026-11-02', '--by', 'model'];

describe('when Prometheus is down, slow or failing', () => {
  let down: string;
  let hanging: Fake;
  let failing: Fake;
  let overloaded: Fake;
  let notProm: Fake;
  let partial: Fake;
  beforeAll(async () => {
    down = `http://127.0.0.1:${await freePort()}`;
    hanging = await fakePrometheus(() => undefined);
    // Everything succeeds but the output-token query: one failure among ~30 queries.
    failing = await fakePrometheus((path, q) => (q.includes('ai_tokens_output_total') ? { status: 422, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'boom: injected failure' }) } : empty(path, q)));
    overloaded = await fakePrometheus(() => ({ status: 503, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) }));
    notProm = await fakePrometheus(() => ({ status: 200, body: '<html>login</html>' }));
    // A success that says it may be incomplete (a remote-read backend failed): not a whole answer.
    partial = await fakePrometheus((path, q) => {
      const a = empty(path, q);
      return { status: a.status, body: JSON.stringify({ ...JSON.parse(a.body), warnings: ['remote_read: store eu-1 unavailable'] }) };
    });
  });
  afterAll(async () => {
    await Promise.all([hanging, failing, overloaded, notProm, partial].map((f) => f?.close()));
  });

  it('report and export: exit 1, one clear line on stderr, nothing on stdout', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [REPORT, down, /^tokenscope: no report written: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED\n$/],
      [EXPORT, down, /^tokenscope: no export written: Prometheus at .* is unreachable: ECONNREFUSED\n$/],
      [REPORT, failing.url, /^tokenscope: no report written: Prometheus at .* failed: bad_data: boom: injected failure \(last_over_time\(ai_tokens_output_total\[86400000ms\]\)\)\n$/],
      [EXPORT, overloaded.url, /^tokenscope: no export written: Prometheus at .* failed: timeout: query timed out in expression evaluation/],
      [REPORT, notProm.url, /non-JSON body \(<html>login<\/html>\); is this URL a Prometheus server\?/],
      [REPORT, partial.url, /answered with warnings, so the result may be incomplete: remote_read: store eu-1 unavailable/],
    ];
    const results = await Promise.all(cases.map(([args, url]) => cli([...args, '--prometheus', url])));
    results.forEach((r, i) => {
      expect(r.status, cases[i][2].source).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(cases[i][2]);
    });
  });

  it('a hanging Prometheus: the per-query deadline ends the run', async () => {
    const [report, exported] = await Promise.all([cli([...REPORT, '--prometheus', hanging.url, '--timeout', '1']), cli([...EXPORT, '--timeout', '1'], { PROMETHEUS_URL: hanging.url })]);
    for (const r of [report, exported]) {
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/written: Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer within 1s/);
      expect(r.ms).toBeLessThan(15_000);
    }
    const none = await cli(REPORT);
    expect([none.status, none.stderr]).toEqual([1, 'tokenscope: no Prometheus to read from: pass --prometheus URL or set PROMETHEUS_URL\n']);
  });

  it('usage API: 502 when Prometheus fails or is unreachable, 504 when it is too slow', async () => {
    const catalog = loadCatalog();
    const apps: Harness[] = [];
    const call = async (url: string, timeoutMs = 5000) => {
      const app = await startExporter({ usageApi: createUsageApiRouter({ client: new PrometheusClient({ url, timeoutMs }), catalog, token: 't' }) });
      apps.push(app);
      const res = await fetch(`${app.url}/api/usage/breakdown?by=model&range=7d`, { headers: { Authorization: 'Bearer t' } });
      return { status: res.status, body: (await res.json()) as { error: string; message: string } };
    };
    try {
      expect(await call(down)).toEqual({ status: 502, body: { error: 'prometheus_unavailable', message: expect.stringMatching(/is unreachable: ECONNREFUSED/) } });
      expect(await call(failing.url)).toEqual({ status: 502, body: { error: 'prometheus_unavailable', message: expect.stringMatching(/boom: injected failure/) } });
      expect(await call(notProm.url)).toMatchObject({ status: 502 });
      expect(await call(hanging.url, 500)).toEqual({ status: 504, body: { error: 'prometheus_timeout', message: expect.stringMatching(/did not answer within 0\.5s/) } });
      expect(await call(overloaded.url)).toMatchObject({ status: 504, body: { error: 'prometheus_timeout' } });
    } finally {
      await Promise.all(apps.map((a) => a.close()));
    }
  });

  it('tokenscope serve: the API is off without a token (and says so), on with one', async () => {
    const fake = await fakePrometheus(empty);
    const procs = [];
    try {
      const offPort = await freePort();
      const off = startProcess(process.execPath, [CLI, 'serve', '--port', String(offPort), '--no-request-log', '--no-state'], { env: { TOKENSCOPE_API_TOKEN: '', PROMETHEUS_URL: '' } });
      procs.push(off);
      const onPort = await freePort();
      const on = startProcess(process.execPath, [CLI, 'serve', '--port', String(onPort), '--no-request-log', '--no-state', '--prometheus-url', fake.url], { env: { TOKENSCOPE_API_TOKEN: 'secret-1' } });
      procs.push(on);
      await waitFor('exporters up', async () => (await fetch(`http://127.0.0.1:${offPort}/healthz`)).ok && (await fetch(`http://127.0.0.1:${onPort}/healthz`)).ok);
      const r1 = await fetch(`http://127.0.0.1:${offPort}/api/usage/summary`);
      expect(r1.status).toBe(404);
      expect((await r1.json()).error).toBe('usage_api_disabled');
      expect(off.output()).toMatch(/usage API disabled: no API token configured/);
      const r2 = await fetch(`http://127.0.0.1:${onPort}/api/usage/summary?range=24h`, { headers: { Authorization: 'Bearer secret-1' } });
      expect(r2.status).toBe(200);
      expect(await r2.json()).toMatchObject({ period: '24h', totalTokens: 0, totalCost: 0, totalRequests: 0, currency: 'USD' });
      expect(on.output()).toMatch(/usage API enabled at \/api\/usage/);

      const noProm = await cli(['serve', '--port', String(await freePort()), '--no-request-log', '--no-state'], { TOKENSCOPE_API_TOKEN: 'x' });
      expect(noProm.status).toBe(1);
      expect(noProm.stderr).toMatch(/the usage API needs Prometheus: pass --prometheus-url or set PROMETHEUS_URL/);
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      await fake.close();
    }
  }, 60_000);
});
