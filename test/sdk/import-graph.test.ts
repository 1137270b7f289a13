// `tokenscope/sdk` is embedded in applications that may not use Express or OTLP: importing it (and
// serving /metrics through tracker.handler()) must not load express, protobufjs (the OTLP
// receiver's decoder) or the exporter's server. Runs the compiled dist/ (vitest's global setup
// rebuilds it when a source changed) in a child node whose module hooks record every URL loaded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const DIST = join(REPO_ROOT, 'dist/exporter/src');
const HEAVY = /\/node_modules\/(express|protobufjs)\//;
let work: string;
let register: string;
let run = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tokenscope-import-graph-'));
  writeFileSync(
    join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.LOAD_LOG) appendFileSync(process.env.LOAD_LOG, url + '\\n');
  return next(url, context);
}
`,
  );
  register = join(work, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `script` as an ES module; returns its stdout and every URL it loaded. */
function loadedBy(script: string): { stdout: string; urls: string[] } {
  const log = join(work, `loaded-${run++}.txt`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOAD_LOG: log, NODE_OPTIONS: '' },
    timeout: 30_000,
  });
  expect(r.status, `${r.stderr}${r.error ? String(r.error) : ''}`).toBe(0);
  return { stdout: r.stdout, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('the SDK import graph', () => {
  it('importing tokenscope/sdk, tracking and serving /metrics loads neither express, protobufjs nor the server', () => {
    const sdk = pathToFileURL(join(DIST, 'sources/sdk/index.js')).href;
    const { stdout, urls } = loadedBy(`
      const { createTracker } = await import(${JSON.stringify(sdk)});
      const tracker = createTracker({ processMetrics: false });
      tracker.track({ timestamp: '2025-06-01T12:00:00Z', provider: 'openai', model: 'gpt-4o', feature: 'graph', input_tokens: 1000, output_tokens: 100, request_id: 'graph-1' });
      // The handler as Express would call it: only the request methods it uses.
      const headers = {};
      const body = await new Promise((resolve) => tracker.handler()(
        { acceptsEncodings: () => 'identity' },
        { setHeader: (k, v) => { headers[k.toLowerCase()] = String(v); }, end: (b) => resolve(b.toString('utf8')) },
        () => {},
      ));
      const line = body.split('\\n').find((l) => l.startsWith('ai_requests_total{') && l.includes('feature="graph"'));
      console.log(JSON.stringify({ type: headers['content-type'], line }));
    `);
    const out = JSON.parse(stdout) as { type: string; line?: string };
    expect(out.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(out.line).toMatch(/ 1$/);
    const ours = urls.filter((u) => u.startsWith(pathToFileURL(DIST).href));
    expect(ours).toContain(pathToFileURL(join(DIST, 'exposition/http.js')).href);
    expect(urls.filter((u) => HEAVY.test(u))).toEqual([]);
    // The OTLP receiver's counters (sources/otlp/stats.ts) are fine: they carry no decoder.
    expect(ours.filter((u) => /\/(server|sources\/http)\//.test(u))).toEqual([]);
  });

  it('the same hooks do see express and protobufjs when the server is imported', () => {
    // The control: a hook that recorded nothing would pass the test above.
    const app = pathToFileURL(join(DIST, 'server/app.js')).href;
    const { urls } = loadedBy(`await import(${JSON.stringify(app)});`);
    expect(urls.some((u) => /\/node_modules\/express\//.test(u))).toBe(true);
    expect(urls.some((u) => /\/node_modules\/protobufjs\//.test(u))).toBe(true);
  });
});
