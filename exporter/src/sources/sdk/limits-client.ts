// checkLimit() against a running exporter, for applications that send their events to
// `tokenscope serve` instead of counting them in-process: GET /api/limits/check with the ingest
// token, so every replica of the application gets the same answer (docs/limits.md).
import type { LimitCheck } from '../../limits/index.js';

export interface LimitClientOptions {
  /** The exporter's base URL, e.g. http://tokenscope:9477. */
  url: string;
  /** The ingest token (TOKENSCOPE_INGEST_TOKEN), when the exporter has one. */
  token?: string;
  /** Abort a check after this long; default 2000 ms. */
  timeoutMs?: number;
}

export interface LimitClient {
  checkLimit(userId: string, opts?: { team?: string }): Promise<LimitCheck>;
  checkKeyLimit(apiKey: string): Promise<LimitCheck>;
}

export class LimitCheckError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LimitCheckError';
  }
}

export function createLimitClient(opts: LimitClientOptions): LimitClient {
  const base = new URL('/api/limits/check', opts.url);
  const ask = async (params: Record<string, string | undefined>): Promise<LimitCheck> => {
    const u = new URL(base);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    const res = await fetch(u, {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      signal: AbortSignal.timeout(opts.timeoutMs ?? 2000),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<LimitCheck> & { error?: string; message?: string };
    if (!res.ok) throw new LimitCheckError(res.status, body.error ?? 'http_error', `limit check failed (${res.status}): ${body.message ?? res.statusText}`);
    return body as LimitCheck;
  };
  return {
    checkLimit: (userId, o) => ask({ user: userId, team: o?.team }),
    checkKeyLimit: (apiKey) => ask({ key: apiKey }),
  };
}
