// The one rule for which logged model ids a catalog name covers (catalog/src/model-match.ts),
// and its RE2 rendering for the rules, checked against each other on every id below.
import { describe, expect, it } from 'vitest';
import { budgetMatch, findCatalogModel, matchesModelName, modelIdRegex, modelMatcher, normaliseModelId, type MatchEntry } from '../../catalog/src/model-match.js';
import { parseCatalog } from '../../catalog/src/load.js';

/** The RE2 regex as Prometheus applies it (fully anchored), in JavaScript: scoped (?i:…) groups become the i flag. */
function promMatches(re: string, id: string): boolean {
  const ci = /^\(\?i:/.test(re) && !re.includes('|(?:');
  const js = re.replace(/\(\?i:/g, '(?:');
  return new RegExp(`^(?:${js})$`, ci ? 'i' : '').test(id);
}

const CASES: Array<{ kind: string; name: string; id: string; covered: boolean }> = [
  { kind: 'the id itself', name: 'gpt-4o', id: 'gpt-4o', covered: true },
  { kind: 'other case', name: 'gpt-4o', id: 'GPT-4o', covered: true },
  { kind: 'dated snapshot', name: 'gpt-4o', id: 'gpt-4o-2024-08-06', covered: true },
  { kind: 'compact date', name: 'claude-sonnet-4', id: 'claude-sonnet-4-20250514', covered: true },
  { kind: 'Vertex @date', name: 'claude-3-5-sonnet', id: 'claude-3-5-sonnet@20240620', covered: true },
  { kind: 'Vertex @latest', name: 'claude-3-5-sonnet', id: 'claude-3-5-sonnet@latest', covered: true },
  { kind: 'Bedrock region + vendor + version', name: 'claude-sonnet-4', id: 'us.anthropic.claude-sonnet-4-20250514-v1:0', covered: true },
  { kind: 'Bedrock vendor + version', name: 'claude-3-5-haiku-20241022', id: 'anthropic.claude-3-5-haiku-20241022-v1:0', covered: true },
  { kind: 'Bedrock-style catalog name', name: 'anthropic.claude-3-5-haiku-20241022-v1:0', id: 'eu.anthropic.claude-3-5-haiku-20241022-v1:0', covered: true },
  { kind: 'gateway provider/ prefix', name: 'gpt-4o', id: 'openai/gpt-4o', covered: true },
  { kind: 'gateway prefix + snapshot', name: 'gpt-4o', id: 'openai/gpt-4o-2024-08-06', covered: true },
  { kind: 'models/ prefix', name: 'gemini-2.0-flash', id: 'models/gemini-2.0-flash', covered: true },
  { kind: 'Fireworks accounts/…/models/ prefix', name: 'llama-v3p1-70b-instruct', id: 'accounts/fireworks/models/llama-v3p1-70b-instruct', covered: true },
  { kind: '-latest', name: 'claude-3-5-sonnet', id: 'claude-3-5-sonnet-latest', covered: true },
  { kind: 'Gemini -preview-MM-DD', name: 'gemini-2.5-pro', id: 'gemini-2.5-pro-preview-06-05', covered: true },
  { kind: '-preview-YYYY-MM-DD', name: 'gpt-4o-audio', id: 'gpt-4o-audio-preview-2024-12-17', covered: true },
  { kind: 'negative: a longer model name', name: 'gpt-4o', id: 'gpt-4o-mini', covered: false },
  { kind: 'negative: a snapshot of the longer name', name: 'gpt-4o', id: 'gpt-4o-mini-2024-07-18', covered: false },
  { kind: 'negative: prefixed longer name', name: 'gpt-4o', id: 'openai/gpt-4o-mini', covered: false },
  { kind: 'negative: a dated name does not cover the undated one', name: 'claude-opus-4-20250514', id: 'claude-opus-4', covered: false },
  { kind: 'negative: "." is literal', name: 'gpt-4.1', id: 'gpt-441', covered: false },
  { kind: 'negative: no partial date', name: 'gpt-4o', id: 'gpt-4o-2024', covered: false },
  { kind: 'a prefixed catalog name is compared whole', name: 'openai/gpt-4o', id: 'openai/gpt-4o-2024-08-06', covered: true },
  { kind: 'negative: a prefixed catalog name needs the prefix', name: 'openai/gpt-4o', id: 'gpt-4o', covered: false },
];

describe('catalog model names cover snapshots and prefixed ids', () => {
  for (const c of CASES) {
    it(`${c.kind}: ${c.name} ${c.covered ? 'covers' : 'does not cover'} ${c.id}`, () => {
      expect(matchesModelName(c.name, c.id)).toBe(c.covered);
      expect(modelMatcher(c.name)(c.id)).toBe(c.covered);
      // The rules' regex selects exactly the same ids.
      expect(promMatches(modelIdRegex(c.name), c.id)).toBe(c.covered);
    });
  }

  it('normalises ids the way the rule compares them', () => {
    expect(normaliseModelId(' OpenAI/GPT-4o ')).toBe('gpt-4o');
    expect(normaliseModelId('us.anthropic.claude-sonnet-4-20250514-v1:0')).toBe('claude-sonnet-4-20250514-v1:0');
    expect(normaliseModelId('accounts/fireworks/models/x')).toBe('x');
    expect(normaliseModelId('gpt-4.1')).toBe('gpt-4.1');
  });

  it('a match: list replaces the default rule, with exact ids and anchored regexes', () => {
    const match: MatchEntry[] = ['gpt-4o', { regex: 'gpt-4o-2024-(05|08)-[0-9]{2}' }];
    const m = modelMatcher('gpt-4o', match);
    const re = modelIdRegex('gpt-4o', match);
    for (const [id, want] of [['gpt-4o', true], ['GPT-4O', true], ['gpt-4o-2024-08-06', true], ['gpt-4o-2024-11-20', false], ['openai/gpt-4o', false], ['xgpt-4o-2024-08-06', false]] as const) {
      expect(m(id), id).toBe(want);
      const js = re.replace(/\(\?i:([^)]*)\)/, (_, lit: string) => `(?:${[...lit].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch)).join('')})`);
      expect(new RegExp(`^(?:${js})$`).test(id), id).toBe(want);
    }
  });

  it('picks the exact entry, else the longest covering one', () => {
    const entries = [{ id: 'claude-sonnet-4' }, { id: 'claude-sonnet-4-20250514' }, { id: 'gpt-4o' }, { id: 'gpt-4o-mini' }];
    expect(findCatalogModel(entries, 'claude-sonnet-4-20250514')?.id).toBe('claude-sonnet-4-20250514');
    expect(findCatalogModel(entries, 'us.anthropic.claude-sonnet-4-20250514-v1:0')?.id).toBe('claude-sonnet-4-20250514');
    expect(findCatalogModel(entries, 'claude-sonnet-4@20250514')?.id).toBe('claude-sonnet-4');
    expect(findCatalogModel(entries, 'gpt-4o-mini-2024-07-18')?.id).toBe('gpt-4o-mini');
    expect(findCatalogModel(entries, 'gpt-4o-2024-08-06')?.id).toBe('gpt-4o');
    expect(findCatalogModel(entries, 'gpt-4.1')).toBeUndefined();
  });

  it('reads match: lists from the catalog, for models and model budgets', () => {
    const c = parseCatalog(`
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://platform.openai.com/docs", pricing_id: openai }
models:
  - { id: gpt-4o, provider: openai, family: gpt-4o, match: [gpt-4o, { regex: "gpt-4o-2024-.*" }] }
budgets:
  models:
    - { name: gpt-4o, monthly_dollars: 10 }
    - { name: o3, monthly_dollars: 5, match: [o3-2025-04-16] }
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
`);
    expect(budgetMatch(c.models, 'gpt-4o', c.budgets.models[0].match)).toEqual(['gpt-4o', { regex: 'gpt-4o-2024-.*' }]);
    expect(budgetMatch(c.models, 'o3', c.budgets.models[1].match)).toEqual(['o3-2025-04-16']);
    expect(() =>
      parseCatalog(`
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://platform.openai.com/docs", pricing_id: openai }
models:
  - { id: gpt-4o, provider: openai, family: gpt-4o, match: [{ regex: "gpt-4o(" }] }
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
`),
    ).toThrow(/models\[0\]\.match\[0\]\.regex: a valid regular expression/);
  });
});
