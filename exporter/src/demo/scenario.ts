// The demo's story, as a pure function of (seed, time): steady multi-provider traffic that follows
// a day (busy mid-afternoon, quiet at night), occasional provider outages with circuit-breaker
// events, and a cost spike. Deterministic for a seed, so tests can replay it without a clock.
//
// An outage runs like a real one seen from a gateway: the provider degrades (errors, slow calls,
// timeouts), the caller's breaker opens and traffic fails over to a fallback provider, the breaker
// half-opens and lets a trickle through, then closes. That sequence is what the alert rules and the
// Alertmanager inhibitions (breaker open silences that provider's error/latency alerts) are about.
import { DEMO_CALLERS, DEMO_PROVIDERS, DEMO_USERS, type DemoProvider } from './profile.js';
import { rng } from './random.js';

export interface ScenarioOptions {
  seed?: number;
  /** When the demo started (ms); outages and spikes are scheduled from here. */
  startMs: number;
  /** Mean requests per second over a day. */
  rate: number;
  /** Length of a simulated day in seconds: 86400 follows the wall clock; smaller compresses it. */
  daySeconds?: number;
  firstOutageAfterS?: number;
  outageEveryS?: number;
  outageDurationS?: number;
  firstCostSpikeAfterS?: number;
  costSpikeEveryS?: number;
  costSpikeDurationS?: number;
  /** Restrict outages to these providers (default: any but the two largest, so totals stay readable). */
  outageProviders?: string[];
}

export interface Incident {
  kind: 'outage' | 'cost_spike';
  provider?: string;
  startMs: number;
  endMs: number;
}

export type DemoEvent = Record<string, unknown>;


function pick<T extends { weight: number }>(r: () => number, xs: readonly T[]): T {
  let total = 0;
  for (const x of xs) total += x.weight;
  let u = r() * total;
  for (const x of xs) if ((u -= x.weight) < 0) return x;
  return xs[xs.length - 1];
}

/** exp(N(ln median, sigma)) via Box-Muller. */
function logNormal(r: () => number, median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return median * Math.exp(sigma * z);
}

function poisson(r: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 500) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * (r() * 2 - 1)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

/** Traffic multiplier by hour of day: 1.6 at 15:00, 0.4 at 03:00, mean 1. */
export function diurnalFactor(hourOfDay: number): number {
  return 1 + 0.6 * Math.cos((2 * Math.PI * (hourOfDay - 15)) / 24);
}

const FALLBACK: Record<string, string> = { openai: 'azure', azure: 'openai', anthropic: 'bedrock', bedrock: 'anthropic', google: 'openai' };

/** Outage phases, as fractions of its duration. */
const DEGRADED_UNTIL = 0.2;
const HALF_OPEN_FROM = 0.85;

export class Scenario {
  private readonly r: () => number;
  private readonly o: Required<Omit<ScenarioOptions, 'seed' | 'outageProviders'>> & { outageProviders: string[] };
  private readonly runId: string;
  private seq = 0;
  /** Breaker transitions already emitted, "provider@startMs:state". */
  private readonly emitted = new Set<string>();

  constructor(opts: ScenarioOptions) {
    const seed = opts.seed ?? 1;
    this.r = rng(seed);
    this.runId = `${seed.toString(36)}${(opts.startMs % 1e8).toString(36)}`;
    this.o = {
      startMs: opts.startMs,
      rate: opts.rate,
      daySeconds: opts.daySeconds ?? 86_400,
      firstOutageAfterS: opts.firstOutageAfterS ?? 60,
      outageEveryS: opts.outageEveryS ?? 900,
      outageDurationS: opts.outageDurationS ?? 300,
      firstCostSpikeAfterS: opts.firstCostSpikeAfterS ?? 420,
      costSpikeEveryS: opts.costSpikeEveryS ?? 1800,
      costSpikeDurationS: opts.costSpikeDurationS ?? 300,
      outageProviders: opts.outageProviders ?? DEMO_PROVIDERS.filter((p) => p.slug !== 'openai' && p.slug !== 'anthropic').map((p) => p.slug),
    };
    if (!(opts.rate > 0)) throw new Error(`rate must be > 0, got ${opts.rate}`);
  }

  /** The n-th outage (n ≥ 0): which provider and when. Deterministic from the options alone. */
  outage(n: number): Incident {
    const startMs = this.o.startMs + (this.o.firstOutageAfterS + n * this.o.outageEveryS) * 1000;
    const ps = this.o.outageProviders;
    // A fixed stride through the list, so consecutive outages hit different providers.
    const provider = ps[(n * 5 + 3) % ps.length];
    return { kind: 'outage', provider, startMs, endMs: startMs + this.o.outageDurationS * 1000 };
  }

  costSpike(n: number): Incident {
    const startMs = this.o.startMs + (this.o.firstCostSpikeAfterS + n * this.o.costSpikeEveryS) * 1000;
    return { kind: 'cost_spike', startMs, endMs: startMs + this.o.costSpikeDurationS * 1000 };
  }

  /** Incidents overlapping [fromMs, toMs). */
  incidents(fromMs: number, toMs: number): Incident[] {
    const out: Incident[] = [];
    const kinds = [
      { make: (n: number) => this.outage(n), first: this.o.firstOutageAfterS, every: this.o.outageEveryS, dur: this.o.outageDurationS },
      { make: (n: number) => this.costSpike(n), first: this.o.firstCostSpikeAfterS, every: this.o.costSpikeEveryS, dur: this.o.costSpikeDurationS },
    ];
    for (const k of kinds) {
      // every ≤ 0: only the first one happens.
      const sinceFirstS = (fromMs - this.o.startMs) / 1000 - k.first - k.dur;
      let n = k.every > 0 ? Math.max(0, Math.floor(sinceFirstS / k.every)) : 0;
      for (let i = k.make(n); i.startMs < toMs; i = k.make(++n)) {
        if (i.endMs > fromMs) out.push(i);
        if (k.every <= 0) break;
      }
    }
    return out;
  }

  hourOfDay(ms: number): number {
    if (this.o.daySeconds === 86_400) return new Date(ms).getHours() + new Date(ms).getMinutes() / 60;
    // Compressed day: starts at the wall clock's hour and runs daySeconds per 24 h.
    const start = new Date(this.o.startMs);
    const h0 = start.getHours() + start.getMinutes() / 60;
    return (h0 + ((ms - this.o.startMs) / 1000 / this.o.daySeconds) * 24) % 24;
  }

  /** The events of the interval [fromMs, toMs): requests and breaker transitions. */
  tick(fromMs: number, toMs: number): DemoEvent[] {
    const r = this.r;
    const events: DemoEvent[] = [];
    const incidents = this.incidents(fromMs, toMs);
    const outages = new Map<string, Incident>();
    for (const i of incidents) if (i.kind === 'outage') outages.set(i.provider!, i);
    // One millisecond earlier, so the "closed" transition exactly at an outage's end is seen.
    for (const i of this.incidents(fromMs - 1, toMs)) if (i.kind === 'outage') events.push(...this.breakerEvents(i.provider!, i, fromMs, toMs));

    const mid = (fromMs + toMs) / 2;
    const n = poisson(r, this.o.rate * diurnalFactor(this.hourOfDay(mid)) * ((toMs - fromMs) / 1000));
    for (let k = 0; k < n; k++) {
      const ts = fromMs + r() * (toMs - fromMs);
      let p = pick(r, DEMO_PROVIDERS);
      const o = outages.get(p.slug);
      const outage = o && ts >= o.startMs && ts < o.endMs ? o : undefined;
      const phase = outage ? (ts - outage.startMs) / (outage.endMs - outage.startMs) : -1;
      if (outage && phase >= DEGRADED_UNTIL && phase < HALF_OPEN_FROM) {
        // Breaker open: the caller fails over instead of calling the provider.
        p = DEMO_PROVIDERS.find((x) => x.slug === (FALLBACK[p.slug] ?? 'openrouter'))!;
      } else if (outage && phase >= HALF_OPEN_FROM && r() > 0.2) {
        continue; // half-open: only a trickle of trial requests goes through
      }
      events.push(this.request(p, ts, phase));
    }

    for (const i of incidents) {
      if (i.kind !== 'cost_spike') continue;
      // A research batch job on the most expensive model with huge contexts: about three times
      // the normal spend per second while it runs.
      const m = poisson(r, this.o.rate * 0.01 * ((Math.min(toMs, i.endMs) - Math.max(fromMs, i.startMs)) / 1000));
      for (let k = 0; k < m; k++) {
        const ts = Math.max(fromMs, i.startMs) + r() * (Math.min(toMs, i.endMs) - Math.max(fromMs, i.startMs));
        events.push(this.spikeRequest(ts));
      }
    }
    events.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
    return events;
  }

  private breakerEvents(provider: string, i: Incident, fromMs: number, toMs: number): DemoEvent[] {
    const d = i.endMs - i.startMs;
    const transitions: Array<[number, 'open' | 'half_open' | 'closed', number]> = [
      [i.startMs + d * DEGRADED_UNTIL, 'open', 25],
      [i.startMs + d * HALF_OPEN_FROM, 'half_open', 25],
      [i.endMs, 'closed', 0],
    ];
    const out: DemoEvent[] = [];
    for (const [at, state, failures] of transitions) {
      const key = `${provider}@${i.startMs}:${state}`;
      if (at >= fromMs && at < toMs && !this.emitted.has(key)) {
        this.emitted.add(key);
        out.push({ type: 'circuit_breaker', timestamp: new Date(at).toISOString(), provider, state, failure_count: failures });
      }
    }
    if (this.emitted.size > 1000) this.emitted.clear(); // old keys can never match again
    return out;
  }

  private attribution(r: () => number) {
    const c = pick(r, DEMO_CALLERS);
    const user = Math.floor(r() ** 2 * DEMO_USERS); // a few heavy users, a long tail
    return {
      feature: c.features[Math.floor(r() * c.features.length)],
      team: c.team,
      project: c.projects[Math.floor(r() * c.projects.length)],
      user_id: `user-${user}`,
      session_id: `sess-${user}-${Math.floor(r() * 3)}`,
      request_id: `demo-${this.runId}-${++this.seq}`,
    };
  }

  /** One request; `phase` in [0,1) when its provider is in an outage, else -1. */
  private request(p: DemoProvider, ts: number, phase: number): DemoEvent {
    const r = this.r;
    const m = pick(r, p.models);
    const base = { timestamp: new Date(ts).toISOString(), provider: p.slug, model: m.id, ...this.attribution(r) };
    const degraded = phase >= 0 && phase < DEGRADED_UNTIL;
    const halfOpen = phase >= HALF_OPEN_FROM;
    // Normal days: rare rate limits and server errors. Degraded: most calls fail or time out.
    const u = r();
    const errP = degraded ? 0.7 : halfOpen ? 0.2 : 0.006;
    if (u < errP) {
      const timeout = degraded ? r() < 0.4 : r() < 0.1;
      const rateLimited = !degraded && !timeout && r() < 0.6;
      const [code, type] = timeout ? [504, 'timeout'] : rateLimited ? [429, 'rate_limit'] : [503, 'server_error'];
      return {
        ...base, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, status: 'error', status_code: code, error_type: type,
        latency_ms: Math.round(timeout ? 30_000 : logNormal(r, 300, 0.5)),
      };
    }
    const input = Math.max(20, Math.round(logNormal(r, m.input, 0.7)));
    const output = Math.max(5, Math.round(logNormal(r, m.output, 0.6)));
    const cacheRead = p.cacheRatio > 0 && r() < 0.6 ? Math.floor(input * p.cacheRatio * r() * 2 * 0.9) : 0;
    const slow = degraded ? 4 : 1;
    // Spread chosen so a healthy provider's p95 stays near 2x its median, under every SLO target.
    const latency = Math.round(logNormal(r, p.latencyMs * slow * Math.sqrt(output / m.output), 0.35));
    return {
      ...base,
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: Math.min(cacheRead, input),
      reasoning_tokens: m.reasoning ? Math.floor(output * m.reasoning) : 0,
      latency_ms: latency,
      ttft_ms: Math.round(latency * (0.15 + r() * 0.25)),
      status: 'success',
      status_code: 200,
    };
  }

  private spikeRequest(ts: number): DemoEvent {
    const r = this.r;
    const input = Math.round(80_000 + r() * 100_000);
    const output = Math.round(1500 + r() * 2500);
    return {
      timestamp: new Date(ts).toISOString(),
      provider: 'anthropic',
      model: 'claude-opus-4-20250514',
      feature: 'batch-eval',
      team: 'research',
      project: 'labs',
      user_id: 'svc-batch-eval',
      session_id: `batch-${Math.floor(ts / 3_600_000)}`,
      request_id: `demo-${this.runId}-${++this.seq}`,
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: 0,
      latency_ms: Math.round(logNormal(r, 40_000, 0.3)),
      ttft_ms: Math.round(logNormal(r, 6_000, 0.3)),
      status: 'success',
      status_code: 200,
    };
  }
}
