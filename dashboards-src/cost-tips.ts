// "Cost Optimization Tips" (Business & Financial dashboard): rule-based advice generated from the catalog
// at build time, so it names this deployment's models, budgets and thresholds rather than generic
// platitudes. Each tip points at the panel that shows whether it applies.
import { catalog } from './defaults.js';

const usd = (n: number) => `$${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

export function costTips(): string {
  const lines: string[] = ['### Where to look for savings', ''];

  // Families with more than one model: the cheaper sibling is usually the first thing to try.
  const families = new Map<string, string[]>();
  for (const m of catalog.models) {
    const key = `${m.provider}/${m.family}`;
    families.set(key, [...(families.get(key) ?? []), m.id]);
  }
  const multi = [...families].filter(([, ids]) => ids.length > 1);
  if (multi.length) {
    lines.push('**Route to a smaller model of the same family** where quality allows. Families in the catalog:', '');
    for (const [key, ids] of multi) lines.push(`- \`${key}\`: ${ids.map((i) => `\`${i}\``).join(', ')}`);
    lines.push('', 'Compare them in *Top 5 Expensive Models* and *Cost/Token vs Throughput*; *Savings Opportunities* (row below) estimates the dollars per month.', '');
  }

  lines.push(
    '**Use the prompt cache.** Cached input tokens are billed at a fraction of the input price; a low cache-read share on a model with long, repeated prompts is money left on the table (*Tokens & Throughput → Tokens over time*).',
    '',
    '**Check caller estimates.** An *Efficiency Gauge* well below 100 means callers over- or under-estimate input tokens, which skews rate-limit and budget planning.',
    '',
  );

  const b = catalog.budgets;
  const budgetLines: string[] = [];
  if (b.total_monthly_dollars !== undefined) budgetLines.push(`- total: ${usd(b.total_monthly_dollars)}/month (≈ ${usd(b.total_monthly_dollars / 30)}/day, the *Cost Today* thresholds)`);
  for (const [scope, list] of [['team', b.teams], ['provider', b.providers], ['model', b.models]] as const) {
    for (const e of list) budgetLines.push(`- ${scope} \`${e.name}\`: ${usd(e.monthly_dollars)}/month`);
  }
  if (budgetLines.length) {
    lines.push(`**Budgets** (warnings at ${Math.round(b.warning_ratio * 100)}%):`, '', ...budgetLines, '');
  }

  const t = catalog.thresholds;
  lines.push(
    `**Cost spikes**: an hour costing more than ${t.cost_spike_ratio}× the same hour last week (and at least ${usd(t.cost_spike_min_dollars_per_hour)}/h) raises TokenScopeCostSpike.`,
    '',
    '_Generated from catalog/tokenscope.yaml by dashboards-src/cost-tips.ts._',
  );
  return lines.join('\n');
}
