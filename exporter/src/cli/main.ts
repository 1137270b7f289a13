// `tokenscope` command line: serve (the exporter), ingest --once, backfill, demo (synthetic traffic), pseudonym (GDPR look-ups).
import { Command, InvalidArgumentError } from 'commander';
import { registerDemoCommand } from '../demo/command.js';
import { registerPseudonymCommand } from '../log/loki-erasure.js';
import { VERSION } from '../version.js';
import { runBackfill } from './backfill-command.js';
import { registerExportCommand } from './export-command.js';
import { runIngestOnce } from './ingest-command.js';
import { registerReportCommand } from './report-command.js';
import { runServe } from './serve-command.js';

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
    .option('--files <glob>', 'JSONL files to tail (repeatable)', collect, [])
    .option('--start-at <where>', 'for files without saved position: beginning|end', 'beginning')
    .option('--state-file <file>', 'durable counters + file positions (survives restarts and kill -9)')
    .option('--state-interval <ms>', 'how often the state file is written', atLeastOne('--state-interval'), 1000)
    .option('--poll-interval <ms>', 'file poll interval', atLeastOne('--poll-interval'), 250)
    .option('--ingest-token-file <file>', 'bearer token for POST /v1/events (or env TOKENSCOPE_INGEST_TOKEN)')
    .option('--body-limit <bytes>', 'max request body for POST /v1/events', atLeastOne('--body-limit'), 10 * 1024 * 1024)
    .option('--hash-key-file <file>', 'key for pseudonymising user/session ids in the request log (or env TOKENSCOPE_HASH_KEY)')
    .option('--no-request-log', 'do not write the per-request log line to stdout')
    .option('--otlp-feature-attribute <key>', 'OTLP span/resource attribute read as feature when tokenscope.feature is absent ("" for none)', 'service.name')
    .option('--otlp-team-attribute <key>', 'OTLP span/resource attribute read as team when tokenscope.team is absent ("" for none)', 'team')
    .option('--prometheus-url <url>', 'Prometheus the usage API reads (or env PROMETHEUS_URL)')
    .option('--api-token-file <file>', 'bearer token that enables the read-only usage API at /api/usage (or env TOKENSCOPE_API_TOKEN)')
    .action(runServe);

  program
    .command('ingest')
    .description('read log files once, print the metrics exposition to stdout and exit')
    .requiredOption('--once', 'read the files and exit (the only mode of this command)')
    .option('--catalog <file>', 'catalog YAML')
    .argument('<files...>', 'JSONL files or globs')
    .action(runIngestOnce);

  program
    .command('backfill')
    .description('turn old logs into Prometheus TSDB blocks (via promtool)')
    .requiredOption('--out <dir>', 'output TSDB directory')
    .option('--catalog <file>', 'catalog YAML')
    .option('--step <seconds>', 'spacing of the written samples, like a scrape interval', atLeastOne('--step'), 60)
    .option('--max-block-duration <d>', 'promtool --max-block-duration (≤ 24h)', '24h')
    .option('--keep-openmetrics <dir>', 'keep the intermediate OpenMetrics files here')
    .argument('<files...>', 'JSONL files or globs')
    .action(runBackfill);

  registerDemoCommand(program);
  registerPseudonymCommand(program);
  registerReportCommand(program);
  registerExportCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`tokenscope: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
