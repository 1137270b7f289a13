// A small client for the Prometheus HTTP API (v1): instant queries, range queries and the list of
// loaded recording rules. Every call has a deadline, enforced twice: Prometheus is told to give up
// (`timeout=`) and the request itself is aborted, so a hung server or a black-holed network cannot
// keep a report or an API request waiting forever.
import { PrometheusError } from './errors.js';

export { PrometheusError, type PrometheusErrorKind } from './errors.js';

export type Labels = Record<string, string>;

export interface InstantSample {
  labels: Labels;
  value: number;
}

export interface SeriesPoints {
  labels: Labels;
  /** [time in ms, value], oldest first. */
  points: Array<[number, number]>;
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 (a path prefix such as /prom is kept). */
  url: string;
  /** Deadline for each call, in milliseconds. Default 30 s. */
  timeoutMs?: number;
}

interface ApiBody {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: unknown;
  /** Set when the answer may be incomplete (e.g. a remote-read backend failed). */
  warnings?: string[];
}

/** Prometheus writes special floats as strings: "NaN", "+Inf", "-Inf". */
function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function withoutName(metric: Labels): Labels {
  const { __name__: _name, ...rest } = metric;
  return rest;
}

export class PrometheusClient {
  readonly url: string;
  readonly timeoutMs: number;

  constructor(opts: PrometheusClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new Error(`not a Prometheus URL: "${opts.url}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`Prometheus URL must be http(s), got "${opts.url}"`);
    this.url = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0)) throw new Error(`Prometheus timeout must be positive, got ${this.timeoutMs}`);
  }

  /** Instant query returning a vector (one value per series). The metric name is dropped. */
  async instant(expr: string, timeMs: number): Promise<InstantSample[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(timeMs) }, expr);
    const d = data as { resultType: string; result: Array<{ metric: Labels; value: [number, string] }> };
    if (d.resultType !== 'vector') throw new PrometheusError('bad_response', `${this.url}: expected a vector for ${expr}, got ${d.resultType}`);
    return d.result.map((r) => ({ labels: withoutName(r.metric), value: parseValue(r.value[1]) }));
  }

  /** Instant query of a range selector (`metric{...}[5m]`): the raw samples of each series. */
  async rawSamples(expr: string, timeMs: number): Promise<SeriesPoints[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(timeMs) }, expr);
    return this.matrix(data, expr);
  }

  /** Range query: the expression evaluated at start, start + step, …, ≤ end. */
  async range(expr: string, startMs: number, endMs: number, stepMs: number): Promise<SeriesPoints[]> {
    const data = await this.call('/api/v1/query_range', { query: expr, start: seconds(startMs), end: seconds(endMs), step: seconds(stepMs) }, expr);
    return this.matrix(data, expr);
  }

  /** Names of the recording rules Prometheus has loaded (empty when it has none). */
  async recordingRules(): Promise<Set<string>> {
    const data = (await this.call('/api/v1/rules', { type: 'record' }, 'GET /api/v1/rules')) as { groups?: Array<{ rules?: Array<{ name?: string; type?: string }> }> };
    const out = new Set<string>();
    for (const g of data.groups ?? []) for (const r of g.rules ?? []) if (r.type === 'recording' && r.name) out.add(r.name);
    return out;
  }

  private matrix(data: unknown, expr: string): SeriesPoints[] {
    const d = data as { resultType: string; result: Array<{ metric: Labels; values: Array<[number, string]> }> };
    if (d.resultType !== 'matrix') throw new PrometheusError('bad_response', `${this.url}: expected a matrix for ${expr}, got ${d.resultType}`);
    return d.result.map((r) => ({
      labels: withoutName(r.metric),
      // Prometheus timestamps are float seconds with millisecond precision.
      points: r.values.map(([t, v]) => [Math.round(t * 1000), parseValue(v)] as [number, number]),
    }));
  }

  private async call(path: string, params: Record<string, string>, what: string): Promise<unknown> {
    // Prometheus stops evaluating at its own `timeout`; the abort covers the network and a server
    // too wedged to honour it. The server-side deadline is slightly shorter so its clearer error wins.
    const body = new URLSearchParams({ ...params, timeout: seconds(Math.max(1, this.timeoutMs - 250)) });
    const isRules = path === '/api/v1/rules';
    const url = isRules ? `${this.url}${path}?${new URLSearchParams(params)}` : `${this.url}${path}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: isRules ? 'GET' : 'POST',
        body: isRules ? undefined : body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new PrometheusError('timeout', `Prometheus at ${this.url} did not answer within ${this.timeoutMs / 1000}s (${what})`);
      }
      const reason = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new PrometheusError('unreachable', `Prometheus at ${this.url} is unreachable: ${reason}`);
    }
    let parsed: ApiBody;
    try {
      parsed = JSON.parse(text) as ApiBody;
    } catch {
      throw new PrometheusError('bad_response', `Prometheus at ${this.url} answered HTTP ${res.status} with a non-JSON body (${text.slice(0, 120).trim() || 'empty'}); is this URL a Prometheus server?`);
    }
    if (parsed.status !== 'success') {
      const kind = parsed.errorType === 'timeout' ? 'timeout' : 'query';
      throw new PrometheusError(kind, `Prometheus at ${this.url} failed: ${parsed.errorType ?? 'error'}: ${parsed.error ?? `HTTP ${res.status}`} (${what})`);
    }
    // A success with warnings may be partial; totals built on it would be presented as whole.
    if (parsed.warnings?.length) {
      throw new PrometheusError('query', `Prometheus at ${this.url} answered with warnings, so the result may be incomplete: ${parsed.warnings.join('; ')} (${what})`);
    }
    return parsed.data;
  }
}

function seconds(ms: number): string {
  return String(ms / 1000);
}
