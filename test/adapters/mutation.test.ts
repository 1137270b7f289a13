// Every mutation of every good fixture must yield a valid record or a LineRejection: never a
// TypeError or any other exception, and never a record that breaks the record invariants.
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../exporter/src/adapters/index.js';
import { ERROR_TYPES, LineRejection, REJECT_REASONS, type IngestRecord } from '../../exporter/src/events/types.js';
import { fixture, fixtureLine, fixtureNames } from './fixtures.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const REPLACEMENTS: Json[] = [null, 'x', '12', '', -1, 0, 1.5, 1e308, 2 ** 60, true, [], {}, [1, 'a'], { nested: { deeper: -1 } }];

function paths(v: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (v !== null && typeof v === 'object') {
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      const p = [...prefix, k];
      out.push(p);
      paths((v as Record<string | number, Json>)[k], p, out);
    }
  }
  return out;
}

function edit(root: Json, path: Path, change: (parent: any, key: string | number) => void): Json {
  const copy = structuredClone(root);
  let parent: any = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  change(parent, path[path.length - 1]);
  return copy;
}

function mutations(root: Json): string[] {
  const out: string[] = [];
  for (const p of paths(root)) {
    out.push(JSON.stringify(edit(root, p, (o, k) => (Array.isArray(o) ? o.splice(k as number, 1) : delete o[k]))));
    for (const r of REPLACEMENTS) out.push(JSON.stringify(edit(root, p, (o, k) => (o[k] = r))));
  }
  return out;
}

/** Invariants every produced record must hold, whatever the input. */
function checkRecord(rec: IngestRecord, line: string): void {
  const where = `for line ${line.slice(0, 300)}`;
  expect(Number.isFinite(rec.timestampMs), where).toBe(true);
  if (rec.kind === 'skipped') {
    expect(rec.reason, where).toBe('not_a_model_call');
    return;
  }
  expect(typeof rec.provider === 'string' && rec.provider.length > 0 && rec.provider === rec.provider.toLowerCase(), where).toBe(true);
  if (rec.kind === 'breaker') {
    expect(['open', 'closed', 'half_open'], where).toContain(rec.state);
    return;
  }
  expect(rec.kind, where).toBe('request');
  expect(typeof rec.model === 'string' && rec.model.length > 0, where).toBe(true);
  const t = rec.tokens;
  for (const n of [t.input, t.output, t.cacheRead, t.cacheWrite, t.reasoning]) expect(Number.isSafeInteger(n) && n >= 0, where).toBe(true);
  expect(t.input >= t.cacheRead + t.cacheWrite, where).toBe(true);
  expect(t.output >= t.reasoning, where).toBe(true);
  expect(['success', 'error'], where).toContain(rec.status);
  if (rec.status === 'error') expect(ERROR_TYPES, where).toContain(rec.errorType);
  else expect(rec.errorType, where).toBeUndefined();
  if (rec.errorMessage !== undefined) expect(rec.errorMessage.length, where).toBeLessThanOrEqual(500);
  for (const s of [rec.latencySeconds, rec.ttftSeconds, rec.reportedCostUsd]) {
    if (s !== undefined) expect(Number.isFinite(s) && s >= 0, where).toBe(true);
  }
  for (const s of [rec.feature, rec.team, rec.project, rec.userId, rec.sessionId, rec.requestId]) {
    if (s !== undefined) expect(typeof s, where).toBe('string');
  }
  expect(JSON.stringify(rec), where).not.toContain('SECRET');
}

function outcome(line: string): 'record' | 'rejection' {
  let rec: IngestRecord;
  try {
    rec = parseLine(line);
  } catch (err) {
    if (!(err instanceof LineRejection)) throw new Error(`non-LineRejection ${String(err)} for line ${line.slice(0, 300)}`);
    expect(REJECT_REASONS).toContain(err.reason);
    return 'rejection';
  }
  checkRecord(rec, line);
  return 'record';
}

// Deterministic PRNG so a failure reproduces.
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('mutation', () => {
  it.each(fixtureNames)('%s: single-field mutations yield a record or a LineRejection', (name) => {
    const root = fixture(name) as Json;
    checkRecord(parseLine(fixtureLine(name)), name);
    const counts = { record: 0, rejection: 0 };
    for (const line of mutations(root)) counts[outcome(line)]++;
    // Both kinds must occur: a check that rejects (or accepts) everything is broken.
    expect(counts.record).toBeGreaterThan(0);
    expect(counts.rejection).toBeGreaterThan(0);
  });

  it.each(fixtureNames)('%s: every truncation is rejected as invalid JSON', (name) => {
    const line = fixtureLine(name);
    for (let i = 0; i < line.length; i++) {
      let err: unknown;
      try {
        parseLine(line.slice(0, i));
      } catch (e) {
        err = e;
      }
      expect(err, `prefix ${i}`).toBeInstanceOf(LineRejection);
      expect((err as LineRejection).reason).toMatch(/^(invalid_json|not_an_object)$/);
    }
  });

  it('random multi-field mutations across all fixtures', () => {
    const next = rng(42);
    const roots = fixtureNames.map((n) => fixture(n) as Json);
    for (let i = 0; i < 3000; i++) {
      let root = roots[Math.floor(next() * roots.length)];
      for (let m = 0; m < 3; m++) {
        const ps = paths(root);
        if (ps.length === 0) break;
        const p = ps[Math.floor(next() * ps.length)];
        const r = REPLACEMENTS[Math.floor(next() * (REPLACEMENTS.length + 1))];
        root = edit(root, p, (o, k) => (r === undefined ? (Array.isArray(o) ? o.splice(k as number, 1) : delete o[k]) : (o[k] = r)));
      }
      outcome(JSON.stringify(root));
    }
  });

  it('format-switching keys grafted onto other fixtures', () => {
    const grafts: Record<string, Json>[] = [
      { type: 'circuit_breaker' }, { type: 'request' }, { type: 'message' }, { type: 'error' },
      { call_type: 'completion' }, { response_cost: 0.1, call_type: 'x' }, { attributes: { 'gen_ai.system': 'openai' } },
      { 'gen_ai.system': 5 }, { response: { object: 'response' } }, { input_tokens: 'x' }, { status_code: 500 }, { error: {} },
    ];
    for (const name of fixtureNames) for (const g of grafts) outcome(JSON.stringify({ ...fixture(name), ...g }));
  });
});
