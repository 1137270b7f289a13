// The catalog fingerprint: a function of the catalog's content only (not of its YAML layout), and
// the one the committed rules and dashboards carry is that of catalog/tokenscope.yaml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { canonicalJson, catalogFingerprint } from '../../catalog/src/fingerprint.js';
import { DEFAULT_CATALOG_PATH, parseCatalog } from '../../catalog/src/load.js';
import { withCatalogFingerprint } from '../../prometheus/src/generate.js';
import { REPO_ROOT } from '../support/processes.js';

const text = readFileSync(DEFAULT_CATALOG_PATH, 'utf8');
const fp = (yaml: string) => catalogFingerprint(parseCatalog(yaml));
const base = fp(text);

const SMALL = `
version: 1
providers:
  - { slug: acme, name: Acme, color: "#112233", status: active, docs_url: "https://acme.example/docs" }
models:
  - { id: acme-1, provider: acme, family: acme, prices: { input: 0.20, output: 1 } }
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
`;

describe('catalogFingerprint', () => {
  it('is 12 lower-case hex digits', () => {
    expect(base).toMatch(/^[0-9a-f]{12}$/);
  });

  it('ignores comments, layout, key order and quoting: the committed catalog re-dumped in block style with sorted keys', () => {
    const redumped = dump(load(text), { sortKeys: true, flowLevel: -1, lineWidth: -1, forceQuotes: true });
    expect(redumped).not.toEqual(text);
    expect(text).toMatch(/^#/m);
    expect(redumped).not.toMatch(/^\s*#/m);
    expect(fp(redumped)).toBe(base);
  });

  it('does not tell a default spelled out from one left implicit, nor 0.20 from 0.2', () => {
    const explicit = SMALL.replace('prices: { input: 0.20, output: 1 }', 'prices: { output: 1.0, input: 0.2 }, deprecated: false')
      .replace('slo:\n', 'slo:\n  period_days: 30\n') + 'currency: { display: USD, usd_rate: 1 }\nmonitoring: { exporter_job: tokenscope }\n';
    expect(explicit).not.toEqual(SMALL);
    expect(fp(explicit)).toBe(fp(SMALL));
  });

  it('changes with any content: a price, a budget, a monitoring setting, the order of providers', () => {
    const changed = [
      text.replace('prices: { input: 0.03, output: 0.03 }', 'prices: { input: 0.03, output: 0.04 }'),
      text.replace('{ name: search,    monthly_dollars: 10000 }', '{ name: search,    monthly_dollars: 10001 }'),
      text.replace('grafana_url: http://localhost:3000', 'grafana_url: https://grafana.example.com'),
      SMALL.replace('providers:\n', 'providers:\n  - { slug: beta, name: Beta, color: "#445566", status: beta, docs_url: "https://beta.example/docs", pricing_id: beta }\n'),
    ];
    for (const [i, t] of changed.entries()) {
      expect(t, `edit ${i} applied`).not.toEqual(i === 3 ? SMALL : text);
      expect(fp(t), `edit ${i}`).not.toBe(i === 3 ? fp(SMALL) : base);
    }
    const reordered = SMALL.replace('providers:\n', 'providers:\n  - { slug: beta, name: Beta, color: "#445566", status: beta, docs_url: "https://beta.example/docs", pricing_id: beta }\n');
    const swapped = reordered.replace(/(  - \{ slug: beta.*\n)(  - \{ slug: acme.*\n)/, '$2$1');
    expect(swapped).not.toEqual(reordered);
    expect(fp(swapped)).not.toBe(fp(reordered));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('refuses values JSON cannot hold, naming where they are', () => {
    expect(() => canonicalJson({ prices: [{ input: Number.NaN }] })).toThrow('(root).prices[0].input: expected a finite number');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('(root).f: expected JSON data, got a function');
  });
});

describe('the committed rules and dashboards', () => {
  it('carry the fingerprint of catalog/tokenscope.yaml (else: npm run build:rules and build:dashboards)', () => {
    const rules = load(readFileSync(join(REPO_ROOT, 'prometheus/rules/catalog.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string; labels?: Record<string, string> }> }> };
    const built = rules.groups.flatMap((g) => g.rules).find((r) => r.record === ':ai_catalog_info:rules');
    expect(built?.labels?.fingerprint).toBe(base);
    const root = join(REPO_ROOT, 'provisioning/dashboards');
    const dashboards = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => readdirSync(join(root, d.name)).filter((f) => f.endsWith('.json')).map((f) => join(root, d.name, f)));
    expect(dashboards.length).toBeGreaterThan(3);
    for (const f of dashboards) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as { tags: string[]; annotations: { list: Array<{ name: string; target: { expr: string } }> } };
      expect(d.tags, f).toContain(`catalog-${base}`);
      expect(d.annotations.list.find((a) => a.name === 'Catalog mismatch')?.target.expr, f).toContain(`fingerprint!="${base}"`);
    }
  });
});

describe('the fingerprint in the promtool cases (npm run build:rules)', () => {
  it('replaces every occurrence of the marked fingerprint and leaves the made-up ones', () => {
    const cases = '# Fingerprint of catalog/tokenscope.yaml: aaaaaaaaaaaa (kept current)\nfingerprint="aaaaaaaaaaaa" other="0123456789ab"\nbuilt from aaaaaaaaaaaa.\n';
    expect(withCatalogFingerprint(cases, base)).toBe(`# Fingerprint of catalog/tokenscope.yaml: ${base} (kept current)\nfingerprint="${base}" other="0123456789ab"\nbuilt from ${base}.\n`);
    expect(() => withCatalogFingerprint('fingerprint="aaaaaaaaaaaa"\n', base)).toThrow('test/rules/promtool/catalog.test.yml: expected a comment');
  });

  it('the committed cases name the committed catalog', () => {
    const committed = readFileSync(join(REPO_ROOT, 'test/rules/promtool/catalog.test.yml'), 'utf8');
    expect(committed).toContain(`Fingerprint of catalog/tokenscope.yaml: ${base} `);
    expect(withCatalogFingerprint(committed, base)).toBe(committed);
  });
});
