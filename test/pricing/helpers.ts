// Shared builders for the pricing tests (not a test file itself).
import type { RequestRecord, TokenCounts } from '../../exporter/src/events/types.js';
import { parseCatalog } from '../../catalog/src/load.js';
import type { Catalog } from '../../catalog/src/schema.js';
import { rng } from '../../exporter/src/demo/random.js';

export { rng };

export function request(
  provider: string,
  model: string,
  at: string | number,
  tokens: Partial<TokenCounts>,
  extra: Partial<RequestRecord> = {},
): RequestRecord {
  return {
    kind: 'request',
    timestampMs: typeof at === 'number' ? at : Date.parse(at),
    provider,
    model,
    status: 'success',
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...tokens },
    ...extra,
  };
}

/** A minimal valid catalog around the given YAML fragments (providers, models, customer_pricing...). */
export function testCatalog(body: string): Catalog {
  return parseCatalog(
    `version: 1
slo:
  global: { availability: 0.99, latency_p95_seconds: 10, error_rate: 0.01 }
${body}`,
    'test-catalog.yaml',
  );
}


/** Relative closeness; an exact zero must be matched exactly. */
export function relClose(got: number, want: number, rel = 1e-12): boolean {
  return Math.abs(got - want) <= rel * Math.abs(want);
}
