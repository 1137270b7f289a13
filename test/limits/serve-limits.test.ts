// End to end with a real `tokenscope serve` and its SQLite request store in a temporary data
// directory, the clock fixed by TOKENSCOPE_NOW: a user crosses the daily limit and both the API and
// the SDK's remote checkLimit() flip to not allowed with the right remaining and resets_at; the
// limit series on /metrics count subjects, never name them; a restart keeps the running totals
// (the aggregate gauges are equal before and after, seeded from the store).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymize } from '../../exporter/src/log/pseudonym.js';
import { createLimitClient, LimitCheckError } from '../../exporter/src/sources/sdk/index.js';
import { parseExposition, sum, type Sample } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess, type Proc } from '../support/processes.js';
import { catalogWithLimits } from './support.js';

const NOW = '2031-03-15T10:00:00.000Z';
const TOKEN = 'ingest-token-for-tests';
const HASH_KEY = 'hash-key-for-tests';

let dir: string;
let catalogFile: string;
let proc: Proc | undefined;
let port = 0;

async function start(): Promise<void> {
  port = await freePort();
  proc = startProcess(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--catalog', catalogFile, '--data-dir', join(dir, 'data'), '--state-interval', '100', '--no-request-log'],
    { env: { TOKENSCOPE_NOW: NOW, TOKENSCOPE_INGEST_TOKEN: TOKEN, TOKENSCOPE_HASH_KEY: HASH_KEY } },
  );
  await waitFor('exporter ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 30_000);
}

/** Canonical events of $1 each (1000 tokens of a $1000-per-million model). */
async function send(events: Array<{ user?: string; key?: string; id: string }>): Promise<void> {
  const body = events
    .map((e) => JSON.stringify({ timestamp: NOW, provider: 'selfhost', model: 'm1', input_tokens: 1000, output_tokens: 0, request_id: e.id, user_id: e.user, api_key: e.key }))
    .join('\n');
  const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' }, body });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { accepted: number }).accepted).toBe(events.length);
}

async function check(query: string, token: string | null = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/limits/check?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return { text, samples: parseExposition(text) };
}

const limitSeries = (samples: Sample[]) =>
  samples
    .filter((s) => s.name === 'ai_limit_subjects' || s.name === 'ai_limit_max_used_ratio')
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
    .sort();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-limits-serve-'));
  catalogFile = join(dir, 'catalog.yaml');
  writeFileSync(catalogFile, catalogWithLimits({ warning_ratio: 0.8, users: { default: { daily_dollars: 5, monthly_dollars: 50 } }, api_keys: { default: { monthly_tokens: 3000 } } }));
});

afterAll(async () => {
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('usage limits in tokenscope serve', () => {
  it('flips to not allowed at the limit, and a restart keeps the totals', async () => {
    await start();
    const client = createLimitClient({ url: `http://127.0.0.1:${port}`, token: TOKEN });

    await send([...[1, 2, 3, 4].map((i) => ({ user: 'alice@example.com', key: 'sk-alice-live', id: `a${i}` })), { user: 'bob', id: 'b1' }]);
    const near = await check('user=alice%40example.com');
    expect(near.status).toBe(200);
    expect(near.body).toMatchObject({
      scope: 'user', allowed: true, warning: true, limit_kind: 'daily_dollars', limit: 5, used: 4, remaining: 1,
      resets_at: '2031-03-16T00:00:00.000Z', source: 'store',
    });
    expect(await client.checkLimit('alice@example.com')).toEqual(near.body);
    // The key's monthly token cap (3000) was crossed by the third $1 call.
    expect(await client.checkKeyLimit('sk-alice-live')).toMatchObject({
      scope: 'api_key', allowed: false, limit_kind: 'monthly_tokens', limit: 3000, used: 4000, remaining: 0, resets_at: '2031-04-01T00:00:00.000Z',
    });

    await send([{ user: 'alice@example.com', id: 'a5' }]);
    const over = await client.checkLimit('alice@example.com');
    expect(over).toMatchObject({ allowed: false, warning: true, limit_kind: 'daily_dollars', used: 5, remaining: 0, resets_at: '2031-03-16T00:00:00.000Z' });
    expect(over.limits.find((l) => l.limit_kind === 'monthly_dollars')).toMatchObject({ allowed: true, used: 5, remaining: 45, resets_at: '2031-04-01T00:00:00.000Z' });
    expect(await client.checkLimit('bob')).toMatchObject({ allowed: true, warning: false, used: 1, remaining: 4 });

    // The aggregates, once a checkpoint publishes them: counts of subjects, never a name.
    const before = await waitFor('limit series', async () => {
      const s = await scrape();
      return sum(s.samples, 'ai_limit_breaches_total', { scope: 'user', limit: 'daily_dollars' }) === 1 ? s : undefined;
    });
    expect(sum(before.samples, 'ai_limit_subjects', { scope: 'user', state: 'over' })).toBe(1);
    expect(sum(before.samples, 'ai_limit_subjects', { scope: 'user', state: 'ok' })).toBe(1);
    expect(sum(before.samples, 'ai_limit_subjects', { scope: 'api_key', state: 'over' })).toBe(1);
    expect(sum(before.samples, 'ai_limit_max_used_ratio', { scope: 'user', limit: 'daily_dollars' })).toBe(1);
    expect(sum(before.samples, 'ai_limit_warnings_total', { scope: 'user', limit: 'daily_dollars' })).toBe(1);
    expect(sum(before.samples, 'ai_limit_breaches_total', { scope: 'api_key', limit: 'monthly_tokens' })).toBe(1);
    for (const s of ['alice', 'sk-alice', pseudonymize(HASH_KEY, 'alice@example.com'), pseudonymize(HASH_KEY, 'sk-alice-live')]) expect(before.text).not.toContain(s);

    await proc!.stop();
    await start();
    const after = await scrape();
    expect(limitSeries(after.samples)).toEqual(limitSeries(before.samples));
    expect(limitSeries(after.samples).length).toBeGreaterThan(6);
    const again = await createLimitClient({ url: `http://127.0.0.1:${port}`, token: TOKEN }).checkLimit('alice@example.com');
    expect(again).toEqual(over);
  }, 120_000);

  it('answers 401 without the ingest token and 400 naming the parameter, never echoing it', async () => {
    if (!proc) await start();
    expect((await check('user=alice', null)).status).toBe(401);
    expect((await check('user=alice', 'wrong')).status).toBe(401);
    const cases: Array<[string, string]> = [
      ['', 'user'],
      ['user=alice&key=k', 'user'],
      ['user=alice&user=bob', 'user'],
      ['user=', 'user'],
      [`key=${'x'.repeat(600)}`, 'key'],
      ['key=k&team=research', 'team'],
      ['userid=secret-id-42', 'userid'],
    ];
    for (const [q, parameter] of cases) {
      const r = await check(q);
      expect([q, r.status, r.body.error, r.body.parameter]).toEqual([q, 400, 'invalid_parameter', parameter]);
      expect(JSON.stringify(r.body)).not.toMatch(/alice|bob|secret-id-42|xxxx/);
    }
    const post = await fetch(`http://127.0.0.1:${port}/api/limits/check?user=a`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    await expect(createLimitClient({ url: `http://127.0.0.1:${port}`, token: 'wrong' }).checkLimit('a')).rejects.toBeInstanceOf(LimitCheckError);
  }, 60_000);
});
