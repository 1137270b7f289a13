// Shared by the limits tests: a small catalog with a usage_limits section, a clock a test moves,
// and request records with a known cost.
import { dump } from 'js-yaml';
import type { Clock } from '../../exporter/src/clock.js';
import type { RequestRecord } from '../../exporter/src/events/types.js';
import type { PriceResult } from '../../exporter/src/pricing/pricer.js';

/**
 * Catalog YAML with one self-hosted provider whose model costs $1 per 1000 tokens (input or
 * output), so a request's cost is exact: tokens / 1000 dollars.
 */
export function catalogWithLimits(usageLimits: Record<string, unknown>): string {
  return dump({
    version: 1,
    providers: [{ slug: 'selfhost', name: 'Self-hosted', color: '#123456', status: 'active', docs_url: 'https://example.com/docs' }],
    models: [{ id: 'm1', provider: 'selfhost', family: 'm', prices: { input: 1000, output: 1000 } }],
    slo: { global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 } },
    usage_limits: usageLimits,
  });
}

export function movableClock(ms: number): Clock & { set(ms: number): void } {
  let now = ms;
  return { now: () => now, set: (v: number) => void (now = v) };
}

export function request(o: { at: number; user?: string; key?: string; team?: string; dollars?: number; tokens?: number }): RequestRecord {
  const tokens = o.tokens ?? Math.round((o.dollars ?? 0) * 1000);
  return {
    kind: 'request',
    timestampMs: o.at,
    provider: 'selfhost',
    model: 'm1',
    team: o.team,
    userId: o.user,
    apiKey: o.key,
    tokens: { input: tokens, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    status: 'success',
  };
}

/** The price the catalog above gives the record: $1 per 1000 tokens. */
export function priced(rec: RequestRecord): PriceResult {
  const costUsd = (rec.tokens.input + rec.tokens.output) / 1000;
  return { costUsd, revenueUsd: costUsd, source: 'catalog', priced: true };
}
