// --prices-file: newer genai-prices data without a release. The data files are the library's own
// bundled data (what waitForUpdate() resolves to before any update) with one price changed, run
// through the real CLI; `prices update` is tested against a local HTTP server.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REMOTE_DATA_JSON_URL, waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES_URL } from '../../exporter/src/cli/prices-command.js';
import { BUNDLED_RELEASE_DATES, GENAI_PRICES_VERSION } from '../../exporter/src/pricing/price-data.js';
import { parseExposition, sum, type Sample } from '../support/exposition.js';
import { freePort } from '../support/ports.js';
import { CLI, REPO_ROOT } from '../support/processes.js';

const DAY_MS = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prices-'));
const MARKER = 'SECRET-MARKER-4711';

// 1,000,000 input (200,000 of it cached) and 100,000 output at 03:00 UTC: DeepSeek's bundled peak
// hours (00:30-16:30 UTC) price deepseek-chat at $0.27/M input, $0.07/M cache hit, $1.10/M output:
//   800,000 × 0.27 + 200,000 × 0.07 + 100,000 × 1.10 = 216,000 + 14,000 + 110,000 $/M = $0.34.
// The list prices from 2025-09-05 (no off-peak discount) are $0.56, $0.07 and $1.68:
//   800,000 × 0.56 + 200,000 × 0.07 + 100,000 × 1.68 = 448,000 + 14,000 + 168,000 $/M = $0.63.
const EVENTS = join(dir, 'events.jsonl');
writeFileSync(
  EVENTS,
  JSON.stringify({ timestamp: '2026-11-01T03:00:00Z', provider: 'deepseek', model: 'deepseek-chat', input_tokens: 1_000_000, cache_read_tokens: 200_000, output_tokens: 100_000 }) + '\n',
);
const NEW_DEEPSEEK_CHAT = { input_mtok: 0.56, cache_read_mtok: 0.07, output_mtok: 1.68 };

let bundled: Provider[];
/** A fresh copy of the bundled data (plain JSON, as a data.json is). */
const copy = (): Provider[] => JSON.parse(JSON.stringify(bundled)) as Provider[];
const modelOf = (data: Provider[], provider: string, model: string) => data.find((p) => p.id === provider)!.models.find((m) => m.id === model)!;

function dataFile(name: string, data: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  return f;
}

let newPrices: string;

beforeAll(async () => {
  bundled = (await waitForUpdate())!;
  const data = copy();
  modelOf(data, 'deepseek', 'deepseek-chat').prices = NEW_DEEPSEEK_CHAT;
  newPrices = dataFile('prices.json', data);
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  samples: () => Sample[];
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, samples: () => parseExposition(r.stdout) };
}

/** Asynchronous, for `prices update`: the HTTP server it talks to runs in this process. */
function cliAsync(args: string[]): Promise<Omit<Run, 'samples'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const ingest = (extra: string[], env?: NodeJS.ProcessEnv): Run => cli(['ingest', '--once', ...extra, EVENTS], env);
const cost = (r: Run): number => sum(r.samples(), 'ai_request_cost_dollars_sum', { provider: 'deepseek', model: 'deepseek-chat' });

describe('--prices-file', () => {
  it('prices at the rate in the file, to the cent', () => {
    const before = ingest([]);
    expect(before.status, before.stderr).toBe(0);
    expect(cost(before)).toBeCloseTo(0.34, 10);

    const after = ingest(['--prices-file', newPrices]);
    expect(after.status, after.stderr).toBe(0);
    expect(cost(after)).toBeCloseTo(0.63, 10);
    expect(sum(after.samples(), 'ai_unpriced_requests_total')).toBe(0);
  });

  it('still lets catalog prices override genai-prices', () => {
    // deepseek-chat priced in the catalog at $1/M input, $0.50/M cache read, $2/M output:
    //   800,000 × 1 + 200,000 × 0.5 + 100,000 × 2 = 1,100,000 $/M = $1.10, whatever the data file says.
    const text = readFileSync(join(REPO_ROOT, 'catalog/tokenscope.yaml'), 'utf8');
    const line = /^ {2}- \{ id: deepseek-chat, .*\}$/m;
    expect(text).toMatch(line);
    const catalog = join(dir, 'catalog.yaml');
    writeFileSync(catalog, text.replace(line, '  - { id: deepseek-chat, provider: deepseek, family: deepseek, prices: { input: 1, cache_read: 0.5, output: 2 } }'));
    const r = ingest(['--catalog', catalog, '--prices-file', newPrices]);
    expect(r.status, r.stderr).toBe(0);
    expect(cost(r)).toBeCloseTo(1.1, 10);
  });

  it('exposes which data it prices with', () => {
    const when = Date.UTC(2026, 10, 20, 12);
    const f = dataFile('dated.json', readFileSync(newPrices));
    utimesSync(f, new Date(when), new Date(when));
    const r = ingest(['--prices-file', f], { TOKENSCOPE_NOW: '2026-11-25T00:00:00Z' });
    expect(r.status, r.stderr).toBe(0);
    const hash = createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 12);
    const s = r.samples();
    expect(s.filter((x) => x.name === 'ai_exporter_price_data_info')).toEqual([
      { name: 'ai_exporter_price_data_info', labels: { source: 'file', version: `sha256:${hash}` }, value: 1 },
    ]);
    expect(sum(s, 'ai_exporter_price_data_timestamp_seconds')).toBe(when / 1000);
    expect(sum(s, 'ai_exporter_price_data_max_age_seconds')).toBe(90 * 86_400);
    expect(sum(s, 'ai_exporter_price_data_stale')).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);

    // Without a file: the bundled data, dated by the library version's release.
    const b = ingest([], { TOKENSCOPE_NOW: BUNDLED_RELEASE_DATES[GENAI_PRICES_VERSION] });
    expect(b.samples().filter((x) => x.name === 'ai_exporter_price_data_info')).toEqual([
      { name: 'ai_exporter_price_data_info', labels: { source: 'bundled', version: GENAI_PRICES_VERSION }, value: 1 },
    ]);
    expect(sum(b.samples(), 'ai_exporter_price_data_timestamp_seconds')).toBe(Date.parse(`${BUNDLED_RELEASE_DATES[GENAI_PRICES_VERSION]}T00:00:00Z`) / 1000);
  });

  it('warns when the data is older than --prices-max-age-days', () => {
    const now = Date.parse('2026-11-25T00:00:00Z');
    const f = dataFile('old.json', readFileSync(newPrices));
    utimesSync(f, new Date(now - 200 * DAY_MS), new Date(now - 200 * DAY_MS));
    const env = { TOKENSCOPE_NOW: '2026-11-25T00:00:00Z' };

    const stale = ingest(['--prices-file', f], env);
    expect(stale.status, stale.stderr).toBe(0);
    expect(stale.stderr).toMatch(/^warning: price data is 200 days old \(prices file .*old\.json, dated 2026-05-09; --prices-max-age-days 90\)/m);
    expect(sum(stale.samples(), 'ai_exporter_price_data_stale')).toBe(1);
    expect(cost(stale)).toBeCloseTo(0.63, 10); // stale data still prices

    const longer = ingest(['--prices-file', f, '--prices-max-age-days', '365'], env);
    expect(longer.stderr).not.toMatch(/days old/);
    expect(sum(longer.samples(), 'ai_exporter_price_data_stale')).toBe(0);
    expect(sum(longer.samples(), 'ai_exporter_price_data_max_age_seconds')).toBe(365 * 86_400);

    const off = ingest(['--prices-file', f, '--prices-max-age-days', '0'], env);
    expect(off.stderr).not.toMatch(/days old/);
    expect(sum(off.samples(), 'ai_exporter_price_data_stale')).toBe(0);

    // The bundled data ages too: 100 days after the installed version's release.
    const release = Date.parse(`${BUNDLED_RELEASE_DATES[GENAI_PRICES_VERSION]}T00:00:00Z`);
    const bundledStale = ingest([], { TOKENSCOPE_NOW: new Date(release + 100 * DAY_MS).toISOString() });
    expect(bundledStale.stderr).toMatch(new RegExp(`warning: price data is 100 days old \\(bundled @pydantic/genai-prices ${GENAI_PRICES_VERSION.replace(/\./g, '\\.')} data`));
    expect(sum(bundledStale.samples(), 'ai_exporter_price_data_stale')).toBe(1);
  });

  it('warns about catalog providers the file does not have, and leaves their models unpriced', () => {
    const f = dataFile('no-deepseek.json', copy().filter((p) => p.id !== 'deepseek'));
    const r = ingest(['--prices-file', f]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: prices file .*no-deepseek\.json: no provider with id deepseek \(catalog pricing_id\)/);
    expect(sum(r.samples(), 'ai_unpriced_requests_total', { provider: 'deepseek' })).toBe(1);
  });

  describe('rejects a bad file with a message naming the problem, never its contents', () => {
    const withModel = (change: (m: Provider['models'][number]) => void): Provider[] => {
      const d = copy();
      change(modelOf(d, 'deepseek', 'deepseek-chat'));
      return d;
    };
    const cases: Array<[string, () => string, RegExp]> = [
      ['a missing file', () => join(dir, 'missing.json'), /prices file .*missing\.json: cannot read it \(no such file\)/],
      ['a directory', () => dir, /: not a regular file/],
      ['not JSON', () => dataFile('bad-json.json', `[{"id": "${MARKER}"`), /bad-json\.json: not valid JSON \(expected genai-prices data\.json: a list of providers\)/],
      ['an object', () => dataFile('object.json', { [MARKER]: [] }), /object\.json: top level: expected a list of providers \(genai-prices data\.json\), got an object/],
      ['an empty list', () => dataFile('empty.json', []), /empty\.json: top level: the list of providers is empty/],
      ['a provider without models', () => dataFile('no-models.json', [{ id: MARKER, name: MARKER, api_pattern: MARKER }]), /no-models\.json: \[0\]\.models: expected a list of models, got undefined/],
      [
        'a model whose prices are not an object',
        () => dataFile('prices-string.json', withModel((m) => ((m as { prices: unknown }).prices = MARKER))),
        /prices-string\.json: \[\d+\]\.models\[\d+\]\.prices: expected an object of prices .*got string/,
      ],
      [
        'a price that is not a number',
        () => dataFile('price-value.json', withModel((m) => (m.prices = { input_mtok: MARKER as unknown as number, output_mtok: 1 }))),
        /price-value\.json: \[\d+\]\.models\[\d+\]\.prices: genai-prices cannot use these prices: Invalid price value for input_mtok/,
      ],
      [
        'a bad price constraint',
        () => dataFile('constraint.json', withModel((m) => (m.prices = [{ prices: { input_mtok: 1 } }, { constraint: { start_date: MARKER } as never, prices: { input_mtok: 2 } }]))),
        /constraint\.json: \[\d+\]\.models\[\d+\]\.prices: genai-prices cannot use these prices: Expected a start-date or time-of-day price constraint for provider 'deepseek'$/m,
      ],
    ];
    it.each(cases)('%s', (_, make, message) => {
      const r = ingest(['--prices-file', make()]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tokenscope: prices file /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(MARKER);
    });
  });

  it('is accepted by backfill and serve too', () => {
    // Option parsing and loading only: a bad file stops both before they do anything else.
    const bad = dataFile('bad-for-others.json', {});
    const backfill = cli(['backfill', '--out', join(dir, 'tsdb'), '--prices-file', bad, EVENTS]);
    expect([backfill.status, backfill.stderr]).toEqual([1, `tokenscope: prices file ${bad}: top level: expected a list of providers (genai-prices data.json), got an object\n`]);
    const serve = cli(['serve', '--port', '0', '--prices-file', bad]);
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain(`tokenscope: prices file ${bad}: top level: expected a list of providers`);
  });
});

describe('tokenscope prices update', () => {
  let server: Server;
  let base: string;
  let served: string;
  const lastModified = 'Wed, 18 Nov 2026 10:00:00 GMT';

  beforeAll(async () => {
    served = readFileSync(newPrices, 'utf8');
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/data.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'last-modified': lastModified });
        res.end(served);
      } else if (path === '/slow.json') {
        // never answers
      } else if (path === '/invalid.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ [MARKER]: 1 }));
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it('defaults to the URL genai-prices itself updates from', () => {
    expect(DEFAULT_PRICES_URL).toBe(REMOTE_DATA_JSON_URL);
  });

  it('downloads, checks and writes the data, dated by Last-Modified', async () => {
    const out = join(dir, 'fetched', 'prices.json');
    mkdirSync(join(dir, 'fetched'));
    const r = await cliAsync(['prices', 'update', '--out', out, '--url', `${base}/data.json`]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(served);
    expect(statSync(out).mtimeMs).toBe(Date.parse(lastModified));
    expect(r.stdout).toMatch(new RegExp(`^wrote .*prices\\.json: ${bundled.length} providers, \\d+ models \\(sha256:[0-9a-f]{12}\\) from ${base}/data\\.json\\n$`));

    // The fetched file prices like the one it came from.
    const used = ingest(['--prices-file', out]);
    expect(cost(used)).toBeCloseTo(0.63, 10);
  });

  it('writes nothing when the server fails or sends unusable data', async () => {
    const out = join(dir, 'kept.json');
    writeFileSync(out, 'previous');
    const missing = await cliAsync(['prices', 'update', '--out', out, '--url', `${base}/nope.json`]);
    expect([missing.status, missing.stderr]).toEqual([1, `tokenscope: prices update: ${base}/nope.json answered HTTP 404; nothing written\n`]);
    const invalid = await cliAsync(['prices', 'update', '--out', out, '--url', `${base}/invalid.json?token=${MARKER}`]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toBe(
      `tokenscope: prices update: the data from ${base}/invalid.json is not usable, nothing written: top level: expected a list of providers (genai-prices data.json), got an object\n`,
    );
    expect(readFileSync(out, 'utf8')).toBe('previous');

    // Nothing listening: a clear error, no file.
    const slow = await cliAsync(['prices', 'update', '--out', join(dir, 'never.json'), '--url', `${base}/slow.json`, '--timeout', '0.5']);
    expect([slow.status, slow.stderr]).toEqual([1, `tokenscope: prices update: ${base}/slow.json did not answer within 0.5s\n`]);

    const port = await freePort();
    const down = await cliAsync(['prices', 'update', '--out', join(dir, 'never.json'), '--url', `http://127.0.0.1:${port}/data.json`, '--timeout', '5']);
    expect([down.status, down.stderr]).toEqual([1, `tokenscope: prices update: cannot fetch http://127.0.0.1:${port}/data.json (ECONNREFUSED)\n`]);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});

it('knows the release date of the installed genai-prices (add it to BUNDLED_RELEASE_DATES on upgrade)', () => {
  expect(BUNDLED_RELEASE_DATES[GENAI_PRICES_VERSION]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
});
