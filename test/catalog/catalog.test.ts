import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog, parseCatalog, sloFor } from '../../catalog/src/load.js';

const MINIMAL = `
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://platform.openai.com/docs", pricing_id: openai }
  - { slug: local, name: Local, color: "#888888", status: beta, docs_url: "https://example.com" }
models:
  - { id: m1, provider: local, family: f, prices: { input: 1, output: 2 } }
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
  providers: { openai: { latency_p95_seconds: 5 } }
`;

function errorOf(text: string, file = 'cat.yaml'): CatalogError {
  try {
    parseCatalog(text, file);
  } catch (e) {
    if (e instanceof CatalogError) return e;
    throw e;
  }
  throw new Error('expected a CatalogError');
}

describe('catalog', () => {
  it('loads the shipped catalog: 17 providers with colours, every model on a declared provider', () => {
    const c = loadCatalog();
    expect(c.providers).toHaveLength(17);
    expect(new Set(c.providers.map((p) => p.color)).size).toBe(17);
    const slugs = new Set(c.providers.map((p) => p.slug));
    for (const m of c.models) expect(slugs.has(m.provider)).toBe(true);
    expect(c.budgets.teams.length).toBeGreaterThan(0);
  });

  it('applies defaults and per-provider SLO overrides on top of the global targets', () => {
    const c = parseCatalog(MINIMAL);
    expect(c.currency).toEqual({ display: 'USD', usd_rate: 1 });
    expect(c.budgets.warning_ratio).toBe(0.8);
    expect(sloFor(c, 'openai')).toEqual({ availability: 0.99, latency_p95_seconds: 5, latency_objective: 0.95, error_rate: 0.01 });
    expect(sloFor(c, 'local').latency_p95_seconds).toBe(10);
  });

  it('names the file, the path and what was expected', () => {
    const e = errorOf(MINIMAL.replace('availability: 0.99', 'availability: 1.5').replace('"#888888"', 'grey'), 'prod.yaml');
    expect(e.message).toContain('prod.yaml: invalid catalog');
    expect(e.issues).toContain('providers[1].color: a colour as #rrggbb');
    expect(e.issues.some((i) => i.startsWith('slo.global.availability:') && i.includes('<=1'))).toBe(true);
  });

  it('rejects unknown keys (typos) instead of ignoring them', () => {
    const e = errorOf(MINIMAL.replace('version: 1', 'version: 1\nbudgest: {}'));
    expect(e.issues.join('\n')).toMatch(/budgest/);
  });

  it('checks cross references: model providers, budget providers, SLO providers, prices for self-hosted models', () => {
    const text = `${MINIMAL}
budgets:
  providers: [{ name: nosuch, monthly_dollars: 10 }]
`.replace('{ id: m1, provider: local, family: f, prices: { input: 1, output: 2 } }', '{ id: m1, provider: local, family: f }\n  - { id: m2, provider: ghost, family: f }')
      .replace('providers: { openai:', 'providers: { nope: { error_rate: 0.1 }, openai:');
    const e = errorOf(text);
    expect(e.issues).toContain('models[0].prices: expected prices for "m1" because provider "local" has no pricing_id');
    expect(e.issues).toContain('models[1].provider: expected one of the declared providers, got "ghost"');
    expect(e.issues).toContain('budgets.providers[0].name: expected one of the declared providers, got "nosuch"');
    expect(e.issues).toContain('slo.providers.nope: expected one of the declared providers');
  });

  it('reports YAML syntax errors and unreadable files with the file name', () => {
    expect(errorOf('version: [1', 'x.yaml').message).toMatch(/^x\.yaml: invalid catalog\n {2}- \(yaml\): /);
    const dir = mkdtempSync(join(tmpdir(), 'cat-'));
    expect(() => loadCatalog(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: invalid catalog\n {2}- \(file\): cannot read: ENOENT/);
    writeFileSync(join(dir, 'ok.yaml'), MINIMAL);
    expect(loadCatalog(join(dir, 'ok.yaml')).providers).toHaveLength(2);
  });
});
