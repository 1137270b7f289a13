// The Loki shipper against a loopback receiver that checks Loki's documented push API (no Loki
// runs here): payload shape and labels, retry after 5xx/429, no retry of other 4xx, and that a
// Loki that is down neither slows ingestion nor grows memory (oldest lines dropped and counted).
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { LokiShipper, pushTarget } from '../../exporter/src/log/loki-push.js';
import { lokiOptionsFromEnv } from '../../exporter/src/log/loki-serve.js';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { createRequestLog } from '../../exporter/src/log/request-log.js';
import { realCatalog } from '../server/helpers.js';
import { makeTruths, render } from '../support/traffic.js';
import { FakeLoki } from './support/fake-loki.js';

const KEY = 'loki-test-key';

let loki: FakeLoki | undefined;
let shipper: LokiShipper | undefined;
afterEach(async () => {
  await shipper?.close(200);
  await loki?.close();
  shipper = loki = undefined;
});

/** Canonical event lines with unique request ids (seed) for the real pipeline. */
function lines(n: number, seed = 1): string[] {
  return makeTruths(n, { seed, startMs: Date.now() - 60_000, spanMs: 60_000, errorRate: 0.2 }).map((t) => render(t, 'canonical'));
}

function shippingPipeline(s: { write(x: string): void }) {
  return new Pipeline(realCatalog(), { sinks: [createRequestLog({ hashKey: KEY, destination: s as never })] });
}

describe('Loki push payload', () => {
  it('is Loki JSON push API: labels app/provider/status only, ns string timestamps, the request line unchanged', async () => {
    loki = await FakeLoki.start();
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000 });
    const p = shippingPipeline(shipper);
    const input = lines(200);
    for (const l of input) expect(p.ingestLine(l, 'http').ok).toBe(true);
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    await shipper.flush();

    expect(loki.errors).toEqual([]);
    expect(loki.requests[0].headers['content-type']).toBe('application/json');
    const got = loki.lines();
    expect(got).toHaveLength(200);
    const streams = loki.requests.flatMap((r) => r.body.streams);
    // One stream per (provider, status), not per line.
    expect(new Set(streams.map((s) => JSON.stringify(s.stream))).size).toBe(streams.length);
    for (const { labels, ts, line } of got) {
      expect(Object.keys(labels).sort()).toEqual(['app', 'provider', 'status']);
      const rec = JSON.parse(line);
      expect(labels).toEqual({ app: 'tokenscope', provider: rec.provider, status: rec.status });
      expect(rec.msg).toBe('llm_request');
      // Ids stay in the line: request_id in clear, user and session pseudonymised.
      expect(rec.request_id).toMatch(/^req-1-\d+$/);
      expect(rec.user).toBe(pseudonymize(KEY, 'user-42'));
      expect(line).not.toContain('user-42');
      expect(BigInt(ts) > before && BigInt(ts) < before + 120_000_000_000n).toBe(true);
    }
    // Timestamps increase in write order (request ids are sequential), so equal lines written in
    // one millisecond stay distinct entries.
    const byWrite = [...got].sort((a, b) => Number(a.line.match(/req-1-(\d+)/)![1]) - Number(b.line.match(/req-1-(\d+)/)![1]));
    for (let i = 1; i < byWrite.length; i++) expect(BigInt(byWrite[i].ts) > BigInt(byWrite[i - 1].ts)).toBe(true);
    expect(shipper.snapshot()).toMatchObject({ sent: 200, pushFailures: 0, queued: 0, dropped: { queue_full: 0, rejected: 0, retries_exhausted: 0, shutdown: 0 } });
  });

  it('sends a full batch without waiting for the timer and splits by batchLines', async () => {
    loki = await FakeLoki.start();
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, batchLines: 50 });
    const p = shippingPipeline(shipper);
    for (const l of lines(120)) p.ingestLine(l, 'http');
    await expect.poll(() => loki!.lines().length, { timeout: 5000 }).toBe(100); // two full batches, 20 wait
    await shipper.flush();
    expect(loki.lines()).toHaveLength(120);
    expect(loki.requests.map((r) => r.body.streams.reduce((n, s) => n + s.values.length, 0))).toEqual([50, 50, 20]);
  });

  it('caps distinct label values, folding the rest into "other"', async () => {
    loki = await FakeLoki.start();
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, maxLabelValues: 2 });
    for (const provider of ['a', 'b', 'c', 'd', 'a']) shipper.write(`${JSON.stringify({ provider, status: 'success' })}\n`);
    shipper.write('not json\n');
    await shipper.flush();
    const label = (line: string) => loki!.lines().filter((l) => l.line === line).map((l) => l.labels);
    expect(label('{"provider":"a","status":"success"}')).toEqual([{ app: 'tokenscope', provider: 'a', status: 'success' }, { app: 'tokenscope', provider: 'a', status: 'success' }]);
    expect(label('{"provider":"b","status":"success"}')[0].provider).toBe('b');
    expect(label('{"provider":"c","status":"success"}')[0].provider).toBe('other');
    expect(label('{"provider":"d","status":"success"}')[0].provider).toBe('other');
    // A line that is not JSON is still shipped, under "unknown" (here over the cap, so "other").
    expect(label('not json')).toEqual([{ app: 'tokenscope', provider: 'other', status: 'unknown' }]);
  });
});

describe('Loki push failures', () => {
  it('retries after 5xx and 429 with backoff, delivering each line once', async () => {
    loki = await FakeLoki.start();
    loki.script = [503, 500, 429];
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, minBackoffMs: 20, maxAttempts: 5 });
    const p = shippingPipeline(shipper);
    for (const l of lines(30)) p.ingestLine(l, 'http');
    const t0 = Date.now();
    await shipper.flush();
    expect(loki.requests.map((r) => r.status)).toEqual([503, 500, 429, 204]);
    // The same batch each time: a retry, not a re-read.
    expect(new Set(loki.requests.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(loki.lines()).toHaveLength(30);
    expect(shipper.snapshot()).toMatchObject({ sent: 30, pushFailures: 3 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 * 0.5 * (1 + 2 + 4)); // backoff with jitter ≥ 50 %
  });

  it('does not retry a 400 (Loki rejected the data) and counts the lines as rejected', async () => {
    loki = await FakeLoki.start();
    loki.script = [400];
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, minBackoffMs: 10 });
    for (let i = 0; i < 5; i++) shipper.write(`{"provider":"openai","status":"success","i":${i}}\n`);
    await shipper.flush();
    expect(loki.requests).toHaveLength(1);
    expect(shipper.snapshot().dropped).toMatchObject({ rejected: 5, retries_exhausted: 0 });
  });

  it('gives a batch up after maxAttempts, counts it, and goes on with the next', async () => {
    loki = await FakeLoki.start();
    loki.script = [503, 503, 503];
    const errors: string[] = [];
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, minBackoffMs: 5, maxAttempts: 3, batchLines: 4, errorLogIntervalMs: 0, onError: (m) => errors.push(m) });
    for (let i = 0; i < 6; i++) shipper.write(`{"provider":"openai","status":"success","i":${i}}\n`);
    await shipper.flush();
    expect(loki.requests.map((r) => r.status)).toEqual([503, 503, 503, 204]);
    expect(shipper.snapshot()).toMatchObject({ sent: 2, dropped: { retries_exhausted: 4 } });
    expect(errors).toContain('loki push failed; dropped 4 line(s)');
    expect(errors).toContain('loki push recovered');
  });

  it('never blocks ingestion while Loki hangs: same speed, bounded queue, oldest dropped and counted, newest shipped later', async () => {
    const N = 40_000;
    const CAP = 2000;
    const input = lines(N, 7);
    // Baseline: the same request log writing into a black hole. The two are timed in alternating
    // chunks, so load from other tests running in parallel slows both alike.
    const baseline = shippingPipeline({ write: () => undefined });
    loki = await FakeLoki.start();
    loki.hang = true;
    shipper = new LokiShipper({ url: loki.url, maxQueueLines: CAP, batchLines: 500, flushIntervalMs: 50, timeoutMs: 300, minBackoffMs: 20, maxAttempts: 2 });
    const p = shippingPipeline(shipper);
    let baseMs = 0;
    let lokiMs = 0;
    for (let start = 0; start < N; start += 5000) {
      const t0 = performance.now();
      for (let i = start; i < start + 5000; i++) baseline.ingestLine(input[i], 'http');
      const t1 = performance.now();
      for (let i = start; i < start + 5000; i++) p.ingestLine(input[i], 'http');
      const t2 = performance.now();
      baseMs += t1 - t0;
      lokiMs += t2 - t1;
      // Let timers and sockets run, as the server's event loop would between batches.
      await new Promise((r) => setImmediate(r));
    }
    const s = shipper.snapshot();
    // Full speed: the shipper's share is a label lookup and a ring-buffer store per line (the
    // labels come with the line from the request log: no parse).
    expect(lokiMs).toBeLessThan(baseMs * 2 + 250);
    expect(s.queued).toBeLessThanOrEqual(CAP);
    expect(s.sent).toBe(0);
    expect(s.queued + s.inFlight + s.dropped.queue_full + s.dropped.retries_exhausted).toBe(N);
    // Dropped: mostly the oldest lines (queue full); a batch that timed out twice meanwhile is
    // given up too (retries exhausted). Either way counted, and only the queue and one batch held.
    expect(s.dropped.queue_full).toBeGreaterThan(0);
    expect(s.dropped.queue_full + s.dropped.retries_exhausted).toBeGreaterThanOrEqual(N - CAP - 500);

    // Loki comes back: what is shipped is the newest lines, ending with the last one ingested.
    loki.hang = false;
    await shipper.flush();
    const shipped = loki.lines().map((l) => Number(JSON.parse(l.line).request_id.slice('req-7-'.length)));
    expect(shipped.length).toBeGreaterThan(0);
    // Memory bound: the queue plus the one batch that was in flight.
    expect(shipped.length).toBeLessThanOrEqual(CAP + 500);
    const got = new Set(shipped);
    for (let i = N - CAP; i < N; i++) if (!got.has(i)) throw new Error(`newest line ${i} was not shipped`);
  }, 30_000);

  it('close() is bounded when Loki hangs and counts what it could not send', async () => {
    loki = await FakeLoki.start();
    loki.hang = true;
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) shipper.write(`{"provider":"openai","status":"success","i":${i}}\n`);
    const t0 = Date.now();
    const s = await shipper.close(400);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(s.dropped.shutdown).toBe(10);
    expect(s.sent).toBe(0);
  });
});

describe('configuration', () => {
  it('reads LOKI_URL and friends from the environment; userinfo becomes Basic auth', () => {
    expect(lokiOptionsFromEnv({})).toBeUndefined();
    expect(lokiOptionsFromEnv({ LOKI_URL: 'http://loki:3100', LOKI_TENANT_ID: 'acme', LOKI_BATCH_LINES: '200' })).toMatchObject({
      url: 'http://loki:3100', headers: { 'X-Scope-OrgID': 'acme' }, batchLines: 200,
    });
    expect(() => lokiOptionsFromEnv({ LOKI_URL: 'loki:3100 x' })).toThrow(/LOKI_URL/);
    expect(() => lokiOptionsFromEnv({ LOKI_URL: 'http://loki:3100', LOKI_BATCH_LINES: '0' })).toThrow(/LOKI_BATCH_LINES/);
    // The message names the variable, never its value (a URL may carry a password).
    const message = (env: NodeJS.ProcessEnv) => {
      try {
        lokiOptionsFromEnv(env);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(message({ LOKI_URL: 'ftp://u:hunter2@loki' })).not.toContain('hunter2');
    expect(message({ LOKI_URL: 'http://loki:3100', LOKI_MAX_QUEUE_LINES: '-77' })).toMatch(/^LOKI_MAX_QUEUE_LINES(?!.*-77)/);
    expect(pushTarget('http://u:p%40ss@loki:3100/')).toEqual({ url: 'http://loki:3100/loki/api/v1/push', authorization: `Basic ${Buffer.from('u:p@ss').toString('base64')}` });
    expect(pushTarget('https://logs.example.com/loki/api/v1/push').url).toBe('https://logs.example.com/loki/api/v1/push');
  });
});
