// Drives a Scenario in real time: every tick, the events of the elapsed interval are POSTed as one
// JSON array to the exporter's /v1/events. One request is in flight at a time; while the exporter
// is down the pending events are capped (oldest dropped) so the demo never grows without bound.
import { Scenario, type Incident, type ScenarioOptions } from './scenario.js';

export interface DemoOptions extends Omit<ScenarioOptions, 'startMs'> {
  /** The exporter's base URL or its /v1/events URL. */
  url: string;
  /** Stop after this many seconds; 0 runs until stopped. */
  durationS: number;
  tickMs?: number;
  token?: string;
  maxPending?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DemoSummary {
  events: number;
  posted: number;
  failedPosts: number;
  dropped: number;
}

export function eventsUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/events';
  return u.toString();
}

function hhmmss(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function describe(i: Incident): string {
  return i.kind === 'outage'
    ? `outage of ${i.provider} ${hhmmss(i.startMs)}-${hhmmss(i.endMs)} (degrades, breaker opens, fails over, half-opens, closes)`
    : `cost spike ${hhmmss(i.startMs)}-${hhmmss(i.endMs)} (research/batch-eval on claude-opus-4 with 80k-180k token prompts)`;
}

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const url = eventsUrl(opts.url);
  const tickMs = opts.tickMs ?? 500;
  const maxPending = opts.maxPending ?? 50_000;
  const startMs = Date.now();
  const scenario = new Scenario({ ...opts, startMs });
  const endMs = opts.durationS > 0 ? startMs + opts.durationS * 1000 : Infinity;
  const summary: DemoSummary = { events: 0, posted: 0, failedPosts: 0, dropped: 0 };
  const announced = new Set<string>();
  let pending: unknown[] = [];
  let last = startMs;
  let lastError = '';

  log(`demo: sending ~${opts.rate} req/s (diurnal) to ${url}${opts.durationS > 0 ? ` for ${opts.durationS}s` : ''}`);
  for (const i of [scenario.outage(0), scenario.costSpike(0)]) log(`demo: next ${describe(i)}`);

  const post = async (batch: unknown[]): Promise<void> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      summary.posted += batch.length;
      if (lastError) log('demo: exporter reachable again');
      lastError = '';
    } catch (e) {
      summary.failedPosts++;
      const msg = (e as Error).message;
      if (msg !== lastError) log(`demo: POST ${url} failed: ${msg} (events of this batch are dropped)`);
      lastError = msg;
    }
  };

  while (!opts.signal?.aborted) {
    const now = Math.min(Date.now(), endMs);
    for (const i of scenario.incidents(last, now + 1)) {
      const key = `${i.kind}@${i.startMs}`;
      if (!announced.has(key) && i.startMs <= now) {
        announced.add(key);
        log(`demo: now: ${describe(i)}`);
      }
    }
    const events = scenario.tick(last, now);
    last = now;
    summary.events += events.length;
    pending.push(...events);
    if (pending.length > maxPending) {
      summary.dropped += pending.length - maxPending;
      pending = pending.slice(pending.length - maxPending);
    }
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      await post(batch);
    }
    if (now >= endMs) break;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        opts.signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, tickMs - (Date.now() - now)));
      opts.signal?.addEventListener('abort', done, { once: true });
    });
  }
  log(`demo: done: ${summary.events} events generated, ${summary.posted} accepted, ${summary.failedPosts} failed POSTs, ${summary.dropped} dropped`);
  return summary;
}
