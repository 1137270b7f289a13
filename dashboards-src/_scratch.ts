import { parser as logql } from '@grafana/lezer-logql';
import { parser as promql } from '@prometheus-io/lezer-promql';
function errs(p: any, s: string) { const t = p.parse(s); const out: string[] = []; t.iterate({ enter: (n: any) => { if (n.type.isError) out.push(`${n.from}:${s.slice(n.from, n.from+20)}`); } }); return out; }
const L = [
 '{app="tokenscope", provider=~".*"} | json event_time="event_time", project="project", input="tokens.input" | msg="llm_request"',
 '{app="tokenscope"} | json session, msg | msg="llm_request"',
 'count(sum by (session) (count_over_time({app="tokenscope"} | json session="session", msg="msg" | msg="llm_request" | session!="" [1h])))',
 '{app="tokenscope"} | json | line_format "{{.provider}} {{.tokens_input}}"',
 'sum(sum_over_time({app="tokenscope"} | json cost="cost_usd" | unwrap cost [1h]))',
 '{app="tokenscope"} | json | label_format x="{{.a}}" | keep a, b',
];
for (const q of L) console.log(errs(logql, q), q.slice(0,60));
const P = ['sum(rate(a{b=~".*"}[15s]))', 'topk(5, sum by (a) (x))', 'histogram_quantile(0.5, sum by (le) (rate(a_bucket[1m]))) and on() vector(1)', 'scalar(days_in_month())', 'sum(x) bad('];
for (const q of P) console.log(errs(promql, q), q);
