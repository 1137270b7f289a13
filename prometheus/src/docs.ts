// The rule catalogue in docs/rules.md, generated between two markers so the hand-written method
// notes around it stay and the list of names dashboards read can never go stale.
import type { RuleFile } from './model.js';

export const BEGIN = '<!-- BEGIN GENERATED RULE LIST (npm run build:rules) -->';
export const END = '<!-- END GENERATED RULE LIST -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function renderRuleList(files: RuleFile[]): string {
  const out: string[] = [BEGIN, ''];
  for (const file of files) {
    out.push(`### \`prometheus/rules/${file.name}.yml\``, '', cell(file.title), '');
    const records = file.groups.flatMap((g) => g.rules.filter((r) => r.kind === 'record').map((r) => ({ g, r })));
    if (records.length) {
      out.push('| recording rule | group (interval) | answers |', '| --- | --- | --- |');
      for (const { g, r } of records) {
        if (r.kind !== 'record') continue;
        const labels = r.labels ? `{${Object.entries(r.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
        out.push(`| \`${r.record}${labels}\` | ${g.name}${g.interval ? ` (${g.interval})` : ''} | ${cell(r.help)} |`);
      }
      out.push('');
    }
    const alerts = file.groups.flatMap((g) => g.rules).filter((r) => r.kind === 'alert');
    if (alerts.length) {
      out.push('| alert | severity | for | fires when |', '| --- | --- | --- | --- |');
      for (const a of alerts) {
        if (a.kind !== 'alert') continue;
        out.push(`| [\`${a.alert}\`](runbooks.md#${a.alert.toLowerCase()}) | ${a.severity} | ${a.for} | ${cell(a.help)} |`);
      }
      out.push('');
    }
  }
  out.push(END);
  return out.join('\n');
}

/** The document with its generated section replaced (or appended when the markers are missing). */
export function withRuleList(doc: string, files: RuleFile[]): string {
  const list = renderRuleList(files);
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b === -1 || e === -1 || e < b) return `${doc.trimEnd()}\n\n${list}\n`;
  return doc.slice(0, b) + list + doc.slice(e + END.length);
}
