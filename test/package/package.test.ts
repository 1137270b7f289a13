// The published package as a user gets it: `npm pack` the checkout, `npm install` the tarball into
// an empty folder, then use it only by name there (`npx tokenscope ...`, `import 'tokenscope/sdk'`).
// Checks that the bin runs the compiled JavaScript (no TypeScript, no tsx), that the SDK and the
// library entry resolve with their types, and that every command starts.
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { load as parseYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { REPO_ROOT, startProcess, type Proc } from '../support/processes.js';

const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
let work: string;
let app: string;
let pkgDir: string;
let bin: string;
let loadLog: string;
let hookEnv: NodeJS.ProcessEnv;
const procs: Proc[] = [];

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 30_000, maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what}\n${r.stderr}${r.error ? String(r.error) : ''}`).toBe(0);
  return r.stdout;
}

/** Every URL Node loaded since the last call (recorded by the hooks in NODE_OPTIONS). */
function loaded(): string[] {
  const urls = existsSync(loadLog) ? readFileSync(loadLog, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(loadLog, { force: true });
  return urls;
}

// The set-up runs its long commands asynchronously: `npm install` compiles better-sqlite3 when no
// prebuilt binary fits (a minute or more on two busy cores), and a synchronous call that long keeps
// vitest's worker from answering its runner ("Timeout calling onTaskUpdate"), which fails the run.
const execAsync = promisify(execFile);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tokenscope-package-'));
  // dist/ as of now (vitest's global setup built it when it was stale), then the tarball.
  await execAsync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT });
  const packed = JSON.parse((await execAsync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, encoding: 'utf8' })).stdout) as Array<{ filename: string }>;
  const tarball = join(work, packed[0].filename);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await execAsync('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  pkgDir = join(app, 'node_modules/tokenscope');
  bin = join(app, 'node_modules/.bin/tokenscope');

  // Module hooks preloaded into every node process below: they record each URL loaded and refuse
  // TypeScript, so a .ts file reached at run time fails the command instead of passing unseen.
  loadLog = join(work, 'loaded.txt');
  writeFileSync(
    join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(loadLog)}, url + '\\n');
  if (/\\.[cm]?tsx?$/.test(new URL(url).pathname)) throw new Error('TypeScript loaded at run time: ' + url);
  return next(url, context);
}
`,
  );
  writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  hookEnv = { NODE_OPTIONS: `--import=${join(work, 'register.mjs')}` };
}, 360_000);

afterAll(async () => {
  for (const p of procs) await p.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships compiled JavaScript with declarations, and no TypeScript sources or tsx', () => {
    const files = readdirSync(pkgDir, { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/exporter/src/index.js', 'dist/exporter/src/index.d.ts', 'dist/exporter/src/sources/sdk/index.js', 'dist/exporter/src/sources/sdk/index.d.ts', 'dist/exporter/src/cli/main.js', 'dist/catalog/src/load.js', 'dist/reader/src/report/build-report.js', 'bin/tokenscope.js', 'catalog/tokenscope.yaml']));
    expect(files.some((f) => f.startsWith('exporter'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { private?: boolean; exports: Record<string, string | { types: string; default: string }> };
    expect(manifest.private).toBeUndefined();
    for (const e of Object.values(manifest.exports)) {
      if (typeof e === 'string') continue;
      expect(existsSync(join(pkgDir, e.types)), e.types).toBe(true);
      expect(existsSync(join(pkgDir, e.default)), e.default).toBe(true);
    }
  });

  it('npx tokenscope ingest --once prices a log to the cent, from dist/ only', () => {
    const catalog = parseYaml(readFileSync(join(REPO_ROOT, 'catalog/tokenscope.yaml'), 'utf8')) as { models: Array<{ id: string; provider: string; prices?: { input: number; output: number } }> };
    const ollama = catalog.models.find((m) => m.provider === 'ollama' && m.id === 'llama3.1:8b')!.prices!;
    const lines: object[] = [];
    let expected = 0;
    for (let i = 0; i < 12; i++) {
      const timestamp = `2025-06-01T12:${String(i).padStart(2, '0')}:00Z`;
      const gpt = { input_tokens: 100_000 + i * 7_000, cache_read_tokens: 20_000, output_tokens: 8_000 + i * 300 };
      lines.push({ type: 'request', timestamp, provider: 'openai', model: 'gpt-4o', feature: 'chat', team: 'search', project: 'web', request_id: `gpt-${i}`, ...gpt, status: 'success', status_code: 200 });
      expected += calcPrice({ input_tokens: gpt.input_tokens, cache_read_tokens: gpt.cache_read_tokens, output_tokens: gpt.output_tokens }, 'gpt-4o', { providerId: 'openai', timestamp: new Date(timestamp) })!.total_price;
      const claude = { input_tokens: 60_000 + i * 1_000, cache_read_tokens: 50_000, output_tokens: 2_000 };
      lines.push({ type: 'request', timestamp, provider: 'anthropic', model: 'claude-sonnet-4-20250514', feature: 'support', team: 'care', request_id: `claude-${i}`, ...claude, status: 'success', status_code: 200 });
      expected += calcPrice({ input_tokens: claude.input_tokens, cache_read_tokens: claude.cache_read_tokens, output_tokens: claude.output_tokens }, 'claude-sonnet-4-20250514', { providerId: 'anthropic', timestamp: new Date(timestamp) })!.total_price;
      lines.push({ type: 'request', timestamp, provider: 'ollama', model: 'llama3.1:8b', feature: 'chat', team: 'search', request_id: `llama-${i}`, input_tokens: 900_000, output_tokens: 100_000, status: 'success', status_code: 200 });
      expected += (900_000 * ollama.input + 100_000 * ollama.output) / 1e6;
    }
    lines.push({ type: 'request', timestamp: '2025-06-01T13:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514', request_id: 'overloaded', input_tokens: 0, output_tokens: 0, status: 'error', status_code: 529 });
    const log = join(app, 'requests.jsonl');
    writeFileSync(log, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(expected).toBeGreaterThan(5); // dollars, so "to the cent" means something

    loaded();
    const out = ok(run('npx', ['--no', '--', 'tokenscope', 'ingest', '--once', 'requests.jsonl'], { env: hookEnv }), 'ingest');
    const samples = parseExposition(out);
    const cost = sum(samples, 'ai_request_cost_dollars_sum');
    expect(cost.toFixed(2)).toBe(expected.toFixed(2));
    expect(Math.abs(cost - expected)).toBeLessThan(1e-6);
    expect(sum(samples, 'ai_requests_total')).toBe(37);
    expect(sum(samples, 'ai_requests_total', { status: 'error' })).toBe(1);

    const urls = loaded().filter((u) => u.startsWith('file:'));
    const ours = urls.filter((u) => u.includes('/node_modules/tokenscope/'));
    expect(ours.length).toBeGreaterThan(10);
    for (const u of ours) expect(relative(pkgDir, new URL(u).pathname), u).toMatch(/^(dist\/.*\.js|bin\/tokenscope\.js|package\.json)$/);
    // ingest never loads the HTTP server.
    expect(urls.filter((u) => /\/node_modules\/(express|protobufjs)\//.test(u))).toEqual([]);
  });

  it('--help and --version load commander alone, and every command answers --help', () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(ok(run('npx', ['--no', '--', 'tokenscope', '--version']), '--version').trim()).toBe(version);
    loaded();
    const help = ok(run(bin, ['--help'], { env: hookEnv }), '--help');
    for (const c of ['serve', 'ingest', 'backfill', 'report', 'export', 'demo']) expect(help).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const deps = [...new Set(loaded().map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((d) => d && d !== 'tokenscope'))];
    expect(deps).toEqual(['commander']);
    for (const c of ['serve', 'ingest', 'backfill', 'report', 'export', 'demo']) {
      expect(ok(run(bin, [c, '--help'], { env: hookEnv }), `${c} --help`)).toContain(`Usage: tokenscope ${c}`);
    }
  });

  it('serves /metrics on loopback and counts a bounded demo run', async () => {
    const port = await freePort();
    const server = startProcess(bin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--no-request-log', '--no-state'], { cwd: app, env: hookEnv });
    procs.push(server);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the installed exporter', async () => (await fetch(`${url}/metrics`)).ok, 20_000);
    const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(`ai_exporter_build_info{version="${version}"`);

    ok(run(bin, ['demo', '--url', url, '--rate', '50', '--duration', '1.5'], { env: hookEnv, timeout: 20_000 }), 'demo');
    const samples = parseExposition(await (await fetch(`${url}/metrics`)).text());
    expect(sum(samples, 'ai_requests_total')).toBeGreaterThan(0);
    expect(await server.stop()).toBe(0); // SIGTERM: a graceful stop
    expect(server.output()).not.toMatch(/TypeScript loaded/);
  });

  it('imports tokenscope/sdk and tokenscope by name, with types', () => {
    const script = `
      import { createTracker } from 'tokenscope/sdk';
      import { loadCatalog, VERSION } from 'tokenscope';
      const tracker = createTracker({ processMetrics: false });
      const outcome = tracker.track({ provider: 'openai', model: 'gpt-4o', feature: 'sdk', input_tokens: 1000, output_tokens: 100, request_id: 'sdk-1' });
      const text = await tracker.metrics();
      console.log(JSON.stringify({ outcome, providers: loadCatalog().providers.length, version: VERSION, requests: text.split('\\n').find((l) => l.startsWith('ai_requests_total{') && l.includes('feature="sdk"') && l.includes('status="success"')) }));
    `;
    const r = JSON.parse(ok(run(process.execPath, ['--input-type=module', '-e', script], { env: hookEnv }), 'sdk import')) as { outcome: unknown; providers: number; requests: string };
    expect(r.outcome).toEqual({ ok: true });
    expect(r.providers).toBeGreaterThan(5);
    expect(r.requests).toMatch(/ 1$/);

    // Types: resolved through the exports map. The @ts-expect-error lines fail the check if the
    // types were missing (everything `any`), and --listFiles shows which declarations were used.
    writeFileSync(
      join(app, 'check.ts'),
      `import { createTracker, trackTokens, type TrackEvent, type Outcome } from 'tokenscope/sdk';
import { loadCatalog, Pricer, type Catalog } from 'tokenscope';
const event: TrackEvent = { provider: 'openai', model: 'gpt-4o', input_tokens: 1, output_tokens: 1 };
const tracker = createTracker();
const outcome: Outcome = tracker.track(event);
const catalog: Catalog = loadCatalog();
void [outcome, catalog, trackTokens, Pricer];
// @ts-expect-error: an event is an object
tracker.track(42);
// @ts-expect-error: track() returns an Outcome
const n: number = tracker.track(event);
void n;
`,
    );
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }));
    const listed = ok(run(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFiles']), 'tsc on check.ts');
    expect(listed).toContain(join(pkgDir, 'dist/exporter/src/sources/sdk/index.d.ts'));
    expect(listed).toContain(join(pkgDir, 'dist/exporter/src/index.d.ts'));
  });
});
