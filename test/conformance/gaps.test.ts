// The declared client gaps (gaps.ts) and their documentation (docs/otlp.md, "Client conformance")
// agree, and every declaration names a client and a case the conformance suites run — so no gap is
// declared that no case uses, and none is used that users cannot read about. Runs no client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';
import { GAPS } from './gaps.js';

const LABELS: Record<string, string> = { input: 'input', output: 'output', cacheRead: 'cache read', cacheWrite: 'cache write', reasoning: 'reasoning', provider: 'provider' };
const HEADER = '| client | case | missing or wrong | why |';

function documented(): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'otlp.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Client conformance'));
  const lines = section.split('\n');
  const start = lines.indexOf(HEADER);
  expect(start, `docs/otlp.md has the gap table (${HEADER})`).toBeGreaterThan(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [client, shape, types, why] = line.slice(1, -1).split(' | ').map((c) => c.trim());
    rows.push([client.replace(/^`|`$/g, ''), shape, types, why].join(' | '));
  }
  return rows.sort();
}

function declared(): string[] {
  const rows: string[] = [];
  for (const [client, cases] of Object.entries(GAPS)) for (const [shape, g] of Object.entries(cases)) rows.push([client, shape, g.types.map((t) => LABELS[t]).join(', '), g.why].join(' | '));
  return rows.sort();
}

describe('client gaps', () => {
  it('docs/otlp.md lists exactly the gaps gaps.ts declares, with the same types and reasons', () => {
    expect(documented()).toEqual(declared());
  });

  it('every gap names a client key and a case the suites run', () => {
    const suites = ['ai-sdk.test.ts', 'instrumentations-js.test.ts', 'python.test.ts'].map((f) => readFileSync(join(REPO_ROOT, 'test', 'conformance', f), 'utf8')).join('\n');
    for (const [client, cases] of Object.entries(GAPS)) {
      expect(suites, `a suite uses the client key '${client}'`).toContain(`'${client}'`);
      for (const [shape, g] of Object.entries(cases)) {
        expect(shape).toMatch(/^(openai\.chat|openai\.responses|anthropic\.messages) (generateText|streamText|generate|stream|tool call, 2 steps)$/);
        expect(g.types.length, `${client} ${shape}: at least one type`).toBeGreaterThan(0);
        expect(new Set(g.types).size, `${client} ${shape}: no type twice`).toBe(g.types.length);
        expect(g.why.length).toBeGreaterThan(20);
      }
    }
  });
});
