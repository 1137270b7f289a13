// `tokenscope demo`: realistic synthetic traffic for a local stack (see docs/local-stack.md).
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { runDemo } from './run.js';

function num(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
}

interface DemoCliOptions {
  url: string;
  rate: number;
  duration: number;
  daySeconds: number;
  seed: number;
  firstOutageAfter: number;
  outageEvery: number;
  outageDuration: number;
  firstCostSpikeAfter: number;
  costSpikeEvery: number;
  tokenFile?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('send realistic synthetic LLM traffic (17 providers, daily cycle, outages with breaker events, a cost spike) to an exporter')
    .option('--url <url>', "the exporter's URL (or its /v1/events URL)", 'http://127.0.0.1:9477')
    .option('--rate <n>', 'mean requests per second over a day', num('--rate', 0.01), 5)
    .option('--duration <s>', 'stop after this many seconds (0: until stopped)', num('--duration', 0), 0)
    .option('--day-seconds <s>', 'length of a simulated day (86400 follows the clock; e.g. 1800 shows the cycle in 30 min)', num('--day-seconds', 60), 86_400)
    .option('--seed <n>', 'random seed', num('--seed', 0), 1)
    .option('--first-outage-after <s>', 'seconds until the first provider outage', num('--first-outage-after', 0), 60)
    .option('--outage-every <s>', 'seconds between outage starts', num('--outage-every', 0), 900)
    .option('--outage-duration <s>', 'length of an outage', num('--outage-duration', 10), 300)
    .option('--first-cost-spike-after <s>', 'seconds until the first cost spike', num('--first-cost-spike-after', 0), 420)
    .option('--cost-spike-every <s>', 'seconds between cost spikes', num('--cost-spike-every', 0), 1800)
    .option('--token-file <file>', 'bearer token for POST /v1/events (or env TOKENSCOPE_INGEST_TOKEN)')
    .action(async (o: DemoCliOptions) => {
      const token = o.tokenFile ? readFileSync(o.tokenFile, 'utf8').trim() : process.env.TOKENSCOPE_INGEST_TOKEN?.trim() || undefined;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await runDemo({
        url: o.url,
        rate: o.rate,
        durationS: o.duration,
        daySeconds: o.daySeconds,
        seed: o.seed,
        firstOutageAfterS: o.firstOutageAfter,
        outageEveryS: o.outageEvery,
        outageDurationS: o.outageDuration,
        firstCostSpikeAfterS: o.firstCostSpikeAfter,
        costSpikeEveryS: o.costSpikeEvery,
        token,
        signal: stop.signal,
      });
    });
}
