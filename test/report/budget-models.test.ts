// The report's month-to-date spend of model budgets: a budget named after a model covers its dated
// snapshots and provider-prefixed ids (catalog/model-match.ts), as the rules' scope_name series do
// (test/rules/promtool/budget.test.yml), and not a longer model name such as gpt-4o-mini.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../catalog/src/load.js';
import { spentByScope } from '../../reader/src/report/budgets.js';
import { emptyUsage, type UsageRow } from '../../reader/src/report/usage.js';

const catalog = parseCatalog(`
version: 1
providers:
  - { slug: openai, name: OpenAI, color: "#10A37F", status: active, docs_url: "https://platform.openai.com/docs", pricing_id: openai }
  - { slug: bedrock, name: AWS Bedrock, color: "#FF9900", status: active, docs_url: "https://docs.aws.amazon.com/bedrock/", pricing_id: aws }
budgets:
  models:
    - { name: gpt-4o, monthly_dollars: 9000 }
    - { name: claude-sonnet-4, monthly_dollars: 6000 }
    - { name: o3, monthly_dollars: 100, match: [o3-2025-04-16] }
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
`);

const template = emptyUsage('request', false);
function row(provider: string, model: string, costUsd: number): UsageRow {
  return { group: { provider, model, feature: 'chat', team: 'platform' }, usage: { ...emptyUsage('request', false), costUsd } };
}

describe('report model budgets', () => {
  it('count dated snapshots and prefixed ids under the catalog name', () => {
    const rows = [
      row('openai', 'gpt-4o-2024-08-06', 0.34),
      row('openai', 'gpt-4o', 0.1),
      row('openrouter', 'openai/gpt-4o', 0.05),
      row('openai', 'gpt-4o-mini', 7),
      row('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0', 1.5),
      row('openai', 'claude-sonnet-4@20250514', 0.5),
      row('openai', 'o3', 3),
      row('openai', 'o3-2025-04-16', 2),
    ];
    const spent = spentByScope(rows, template, catalog);
    expect(spent.get('model/gpt-4o')).toBeCloseTo(0.49, 12); // not gpt-4o-mini's 7
    expect(spent.get('model/claude-sonnet-4')).toBeCloseTo(2, 12);
    expect(spent.get('model/o3')).toBeCloseTo(2, 12); // its match: list, not the default rule
    expect(spent.get('total/total')).toBeCloseTo(14.49, 12);
    expect(spent.get('provider/openai')).toBeCloseTo(12.94, 12);
  });
});
