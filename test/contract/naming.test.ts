// The contract itself follows the Prometheus naming guide and the project's label rules, so a new
// family added to it cannot slip in a `_total` gauge, a unit missing from its name or an id label.
import { describe, expect, it } from 'vitest';
import { METRICS, type MetricSpec } from '../../exporter/src/contract/metrics.js';

const all = Object.entries(METRICS as Record<string, MetricSpec>);
/** Labels that would make a series per user, session, request or key. */
const IDENTITY = /^(user|user_id|session|session_id|request_id|api_key|api_key_id|trace_id|span_id)$/;

describe('the metric contract', () => {
  it('names counters _total, info families _info, and carries base units in the name', () => {
    const bad: string[] = [];
    for (const [key, m] of all) {
      if (!/^ai_[a-z0-9_]+$/.test(m.name)) bad.push(`${key}: ${m.name} is not ai_snake_case`);
      if ((m.type === 'counter') !== m.name.endsWith('_total')) bad.push(`${key}: ${m.type} ${m.name}`);
      if ((m.type === 'info') !== m.name.endsWith('_info')) bad.push(`${key}: ${m.type} ${m.name}`);
      if (m.unit === 'dollars' && !m.name.includes('_dollars')) bad.push(`${key}: dollars without _dollars`);
      if (m.unit === 'seconds' && !m.name.endsWith('_seconds')) bad.push(`${key}: seconds without _seconds`);
      if (/_(milliseconds|ms|cents|minutes|hours|kilobytes|megabytes)(_|$)/.test(m.name)) bad.push(`${key}: ${m.name} is not in base units`);
    }
    expect(bad).toEqual([]);
  });

  it('has one entry per name, a sentence of help, and closed value sets only for its own labels', () => {
    const names = all.map(([, m]) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [key, m] of all) {
      expect(m.help, key).toMatch(/^\S.*\.$/);
      expect(m.meaning.length, key).toBeGreaterThan(3);
      expect(new Set(m.labels).size, key).toBe(m.labels.length);
      for (const [label, values] of Object.entries(m.values ?? {})) {
        expect(m.labels, `${key}.${label}`).toContain(label);
        expect(values.length, `${key}.${label}`).toBeGreaterThan(0);
        expect(new Set(values).size, `${key}.${label}`).toBe(values.length);
      }
    }
  });

  it('labels no series by user, session, request or API key', () => {
    expect(all.flatMap(([key, m]) => m.labels.filter((l) => IDENTITY.test(l)).map((l) => `${key}: ${l}`))).toEqual([]);
    expect(all.flatMap(([, m]) => m.labels).filter((l) => !/^[a-z][a-z0-9_]*$/.test(l))).toEqual([]);
  });
});
