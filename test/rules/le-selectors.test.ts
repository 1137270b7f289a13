// Prometheus 3 stores a scraped classic-histogram `le` as a float ("1" becomes "1.0"), so an exact
// matcher on the text the exporter exposes (`le="1"`) matches nothing there. Generated rules use
// leMatcher, which matches both forms; this keeps it that way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLe, leMatcher, prometheus3Le } from '../../exporter/src/exposition/exposition.js';
import { REPO_ROOT } from '../support/processes.js';

const RULES = join(REPO_ROOT, 'prometheus/rules');

describe('le matchers work on Prometheus 2 and 3', () => {
  it('leaves no exact le="<integer>" selector in prometheus/rules', () => {
    const offenders: string[] = [];
    for (const name of readdirSync(RULES).filter((f) => f.endsWith('.yml'))) {
      const text = readFileSync(join(RULES, name), 'utf8');
      for (const m of text.matchAll(/\ble\s*=\s*"([^"]*)"/g)) {
        // Exact matchers are fine only where both versions store the same text ("0.5", "+Inf").
        const v = Number(m[1] === '+Inf' ? Infinity : m[1]);
        if (/^-?\d+$/.test(m[1]) || prometheus3Le(v) !== m[1]) offenders.push(`${name}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('formats le the way Prometheus 3 normalises it', () => {
    expect([0, 0.1, 1, 2.5, 10, 300, 0.0001, 0.00001, 1e6, 1234567, Infinity].map(prometheus3Le)).toEqual([
      '0.0', '0.1', '1.0', '2.5', '10.0', '300.0', '0.0001', '1e-05', '1e+06', '1.234567e+06', '+Inf',
    ]);
  });

  it('matches both stored forms, and nothing else', () => {
    expect(leMatcher(0.5)).toBe('le="0.5"');
    expect(leMatcher(Infinity)).toBe('le="+Inf"');
    expect(leMatcher(1)).toBe('le=~"1|1[.]0"');
    expect(leMatcher(1e6)).toBe('le=~"1000000|1e[+]06"');
    // PromQL regex matchers are fully anchored: emulate them.
    const matches = (matcher: string, value: string) => {
      const re = /^le=~"(.*)"$/.exec(matcher);
      return re ? new RegExp(`^(?:${re[1]})$`).test(value) : matcher === `le="${value}"`;
    };
    for (const le of [0.1, 1, 10, 100, 7.5, 1e6]) {
      const m = leMatcher(le);
      expect(matches(m, formatLe(le)), `${m} on Prometheus 2`).toBe(true);
      expect(matches(m, prometheus3Le(le)), `${m} on Prometheus 3`).toBe(true);
    }
    // An unescaped "1.0" would also match "100".
    expect(matches(leMatcher(1), '100')).toBe(false);
    expect(matches(leMatcher(10), '1000')).toBe(false);
  });
});
