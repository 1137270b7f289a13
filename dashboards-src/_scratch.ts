import { parser as logql } from '@grafana/lezer-logql';
const q = 'count(sum by (session) (count_over_time({app="tokenscope", provider=~".*"} | json msg="msg", input="tokens.input" | msg="llm_request" | session!="" | line_format "{{.input}} x" | unwrap input [1h])))';
const t = logql.parse(q);
let depth = 0;
t.iterate({ enter: (n: any) => { console.log(' '.repeat(depth) + n.type.name + ' ' + JSON.stringify(q.slice(n.from, n.to).slice(0, 40))); depth++; }, leave: () => { depth--; } });
