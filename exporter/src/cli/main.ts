// `tokenscope` command line: serve (the exporter), ingest --once, backfill, prices update, demo (synthetic traffic), pseudonym (GDPR look-ups).
import { Command, InvalidArgumentError } from 'commander';
import { clockFromEnv, setDefaultClock } from '../clock.js';
import { registerDemoCommand } from '../demo/command.js';
import { registerPseudonymCommand } from '../log/loki-erasure.js';
import { VERSION } from '../version.js';
import type { runBackfill } from './backfill-command.js';
import { registerEraseCommand } from './erase-command.js';
import { registerExportCommand } from './export-command.js';
import type { runIngestOnce } from './ingest-command.js';
import { registerPricesCommand } from './prices-command.js';
import { registerReportCommand } from './report-command.js';
import type { ServeOptions } from './serve-command.js';

// Each command's implementation is imported when the command runs, not at start-up: `--help` and
// argument errors then load commander alone, and `ingest` never loads the HTTP server (express,
// protobufjs, pino). Keep heavy imports out of this file and out of the register*Command modules.

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

function atLeastOne(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be an integer of at least 1, got "${v}"`);
    return n;
  };
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

export function buildProgram(): Command {
  const program = new Command('tokenscope')
    .description('Prices LLM requests from provider logs and exposes ai_* Prometheus metrics.')
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the exporter: /metrics, POST /v1/events, optional file tailing')
    .option('--port <n>', 'listen port', positiveInt('--port'), 9477)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--catalog <file>', 'catalog YAML (default: catalog/tokenscope.yaml)')
    .option('--prices-file <file>', 'genai-prices data.json to price with instead of the bundled data (see `tokenscope prices update`)')
    .option('--prices-max-age-days <days>', 'warn (and set ai_exporter_price_data_stale) when the price data is older; 0 = never', positiveInt('--prices-max-age-days'), 90)
    .option('--files <glob>', 'JSONL files to tail (repeatable)', collect, [])
    .option('--start-at <where>', 'for files already there on a first run: beginning|end (default: beginning; end with --no-state)')
    .option('--data-dir <dir>', 'where the durable state lives (default: $XDG_STATE_HOME/tokenscope, /var/lib/tokenscope for root, else ~/.local/state/tokenscope)')
    .option('--state-file <file>', 'durable counters + file positions (default: state.json in --data-dir; survives restarts and kill -9)')
    .option('--no-state', 'keep no durable state: counters restart at 0 and files are tailed from their end')
    .option('--state-interval <ms>', 'how often the state file is written', atLeastOne('--state-interval'), 1000)
    .option('--poll-interval <ms>', 'file poll interval', atLeastOne('--poll-interval'), 250)
    .option('--ingest-token-file <file>', 'bearer token for POST /v1/events (or env TOKENSCOPE_INGEST_TOKEN)')
    .option('--metrics-token-file <file>', 'bearer token required by GET /metrics (or env TOKENSCOPE_METRICS_TOKEN)')
    .option('--max-request-tuples <n>', 'distinct (provider, model, feature, team) tuples before new ones fold into (provider, other, other, other)', atLeastOne('--max-request-tuples'), 2000)
    .option('--max-model-tuples <n>', 'distinct (provider, model) pairs before new ones fold into (provider, other)', atLeastOne('--max-model-tuples'), 500)
    .option('--max-connections <n>', 'open HTTP connections at most', atLeastOne('--max-connections'), 512)
    .option('--body-limit <bytes>', 'max request body for POST /v1/events', atLeastOne('--body-limit'), 10 * 1024 * 1024)
    .option('--hash-key-file <file>', 'key for pseudonymising user/session ids in the request log (or env TOKENSCOPE_HASH_KEY)')
    .option('--no-request-log', 'do not write the per-request log line to stdout')
    .option('--otlp-feature-attribute <key>', 'OTLP span/resource attribute read as feature when tokenscope.feature is absent ("" for none)', 'service.name')
    .option('--otlp-team-attribute <key>', 'OTLP span/resource attribute read as team when tokenscope.team is absent ("" for none)', 'team')
    .option('--prometheus-url <url>', 'Prometheus the usage API reads (or env PROMETHEUS_URL)')
    .option('--api-token-file <file>', 'bearer token that enables the read-only usage API at /api/usage (or env TOKENSCOPE_API_TOKEN)')
    .option('--store <spec>', 'per-request store: sqlite (default: requests.db in --data-dir), sqlite:/path/file.db, postgres://user:pass@host/db, or none; with --no-state the default is none')
    .option('--store-retention-days <days>', 'delete stored requests older than this, hourly; 0 keeps them all', positiveInt('--store-retention-days'), 400)
    .action(async (opts: ServeOptions) => (await import('./serve-command.js')).runServe(opts));

  program
    .command('ingest')
    .description('read log files once, print the metrics exposition to stdout and exit')
    .requiredOption('--once', 'read the files and exit (the only mode of this command)')
    .option('--catalog <file>', 'catalog YAML')
    .option('--prices-file <file>', 'genai-prices data.json to price with instead of the bundled data (see `tokenscope prices update`)')
    .option('--prices-max-age-days <days>', 'warn (and set ai_exporter_price_data_stale) when the price data is older; 0 = never', positiveInt('--prices-max-age-days'), 90)
    .argument('<files...>', 'JSONL files or globs')
    .action(async (...args: Parameters<typeof runIngestOnce>) => (await import('./ingest-command.js')).runIngestOnce(...args));

  program
    .command('backfill')
    .description('turn old logs into Prometheus TSDB blocks (via promtool)')
    .requiredOption('--out <dir>', 'output TSDB directory')
    .option('--catalog <file>', 'catalog YAML')
    .option('--prices-file <file>', 'genai-prices data.json to price with instead of the bundled data (see `tokenscope prices update`)')
    .option('--prices-max-age-days <days>', 'warn (and set ai_exporter_price_data_stale) when the price data is older; 0 = never', positiveInt('--prices-max-age-days'), 90)
    .option('--step <seconds>', 'spacing of the written samples, like a scrape interval', atLeastOne('--step'), 60)
    .option('--max-block-duration <d>', 'promtool --max-block-duration (≤ 24h)', '24h')
    .option('--keep-openmetrics <dir>', 'keep the intermediate OpenMetrics files here')
    .argument('<files...>', 'JSONL files or globs')
    .action(async (...args: Parameters<typeof runBackfill>) => (await import('./backfill-command.js')).runBackfill(...args));

  registerDemoCommand(program);
  registerPseudonymCommand(program);
  registerEraseCommand(program);
  registerReportCommand(program);
  registerExportCommand(program);
  registerPricesCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    // The only place the CLI's clock is chosen: TOKENSCOPE_NOW fixes it for tests and reproducible runs.
    setDefaultClock(clockFromEnv(process.env));
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`tokenscope: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
