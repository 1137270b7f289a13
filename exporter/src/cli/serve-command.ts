// `tokenscope serve`: the long-running exporter. Wires the catalog, the pipeline, the sources (file
// tail, HTTP), the request log and the durable state together, and shuts down cleanly on signals.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import pino from 'pino';
import { loadCatalog } from '../catalog/load.js';
import { Pipeline } from '../ingest/pipeline.js';
import { expandFiles } from '../ingest/read-files.js';
import { StateFile } from '../ingest/state-file.js';
import { LokiShipper } from '../log/loki-push.js';
import { lokiOptionsFromEnv, registerLokiMetrics } from '../log/loki-serve.js';
import { createRequestLog } from '../log/request-log.js';
import { MetricsRenderer } from '../metrics/renderer.js';
import { createApp } from '../server/app.js';
import { FileTailer, LineTooLongError, type SavedPositions } from '../sources/file-tail.js';
import { API_TOKEN_ENV, usageApiFromSettings } from '../usage-api/setup.js';

export interface ServeOptions {
  port: number;
  host: string;
  catalog?: string;
  files: string[];
  startAt: string;
  stateFile?: string;
  stateInterval: number;
  pollInterval: number;
  ingestTokenFile?: string;
  bodyLimit: number;
  hashKeyFile?: string;
  requestLog: boolean;
  /** OTLP attribution (docs/otlp.md). */
  otlpFeatureAttribute?: string;
  otlpTeamAttribute?: string;
  /** Usage API (docs/usage-api.md): Prometheus to read, and the bearer token that turns it on. */
  prometheusUrl?: string;
  apiTokenFile?: string;
}

function secret(file: string | undefined, envName: string): string | undefined {
  if (file) return readFileSync(file, 'utf8').trim();
  const v = process.env[envName];
  return v ? v.trim() : undefined;
}

export async function runServe(opts: ServeOptions): Promise<void> {
  // Operational messages go to stderr; stdout carries only the per-request log lines.
  const log = pino({ name: 'tokenscope', base: undefined }, pino.destination(2));
  if (opts.startAt !== 'beginning' && opts.startAt !== 'end') throw new Error(`--start-at must be "beginning" or "end", got "${opts.startAt}"`);
  const catalog = loadCatalog(opts.catalog);

  const pipeline = new Pipeline(catalog, {
    onUnpriced: (provider, model) => log.warn({ provider, model }, 'no price known for model; counted in ai_unpriced_requests_total'),
  });
  // LOKI_URL: the request log lines are also shipped to Loki, never blocking ingestion (loki-push.ts).
  const lokiOpts = lokiOptionsFromEnv(process.env);
  const loki = lokiOpts ? new LokiShipper({ ...lokiOpts, onError: (msg, details) => log.warn(details, msg) }) : undefined;
  let requestLog: ReturnType<typeof createRequestLog> | undefined;
  if (opts.requestLog || loki) {
    let hashKey = secret(opts.hashKeyFile, 'TOKENSCOPE_HASH_KEY');
    if (!hashKey) {
      hashKey = randomBytes(32).toString('hex');
      log.warn('no TOKENSCOPE_HASH_KEY: user/session pseudonyms will change on restart');
    }
    if (opts.requestLog) {
      requestLog = createRequestLog({ hashKey });
      pipeline.addSink(requestLog);
    }
    // A second logger with the same key writes the identical line to Loki's queue.
    if (loki) pipeline.addSink(createRequestLog({ hashKey, destination: loki }));
  }

  let tailer: FileTailer | undefined;
  // Without a tailer, saved positions pass through unchanged: a run without --files must not
  // forget them, or the next run with --files would read those files again from the start.
  let savedPositions: SavedPositions = {};
  const state = opts.stateFile ? new StateFile(opts.stateFile, pipeline, () => tailer?.positions() ?? savedPositions) : undefined;
  savedPositions = state?.load() ?? {};
  if (state) log.info({ stateFile: opts.stateFile, files: Object.keys(savedPositions).length }, 'restored state');

  if (opts.files.length) {
    const matched = await expandFiles(opts.files);
    if (matched.length === 0) log.warn({ files: opts.files }, 'no file matches --files yet; waiting for one to appear');
    tailer = new FileTailer({
      globs: opts.files,
      pollIntervalMs: opts.pollInterval,
      startAt: opts.startAt,
      positions: savedPositions,
      onLines: ({ file, lines, firstLineNo }) => {
        for (let i = 0; i < lines.length; i++) {
          const r = pipeline.ingestLine(lines[i], 'file');
          if (!r.ok) log.warn({ file, line: firstLineNo + i, reason: r.reason }, r.message);
        }
      },
      onError: (err, file) => {
        // An oversize line is a rejected line like any other: counted, not only logged.
        if (err instanceof LineTooLongError) pipeline.countRejected('file', 'too_long');
        log.warn({ file }, err.message);
      },
    });
  }

  const renderer = new MetricsRenderer(pipeline);
  if (loki) registerLokiMetrics(renderer.registry, loki);
  const app = createApp({
    pipeline,
    renderer,
    ingestToken: secret(opts.ingestTokenFile, 'TOKENSCOPE_INGEST_TOKEN'),
    bodyLimitBytes: opts.bodyLimit,
    logger: log,
    otlp: { featureAttribute: opts.otlpFeatureAttribute, teamAttribute: opts.otlpTeamAttribute },
    usageApi: usageApiFromSettings({ prometheusUrl: opts.prometheusUrl, token: secret(opts.apiTokenFile, API_TOKEN_ENV), catalog, logger: log }),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.on('error', reject);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    // Order matters: stop taking events (in-flight requests finish), stop reading files, and only
    // then write the final state, so everything acknowledged or read is in it.
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections?.();
    const forced = setTimeout(() => server.closeAllConnections?.(), 5000);
    await closed;
    clearTimeout(forced);
    await tailer?.stop();
    state?.stopPeriodic();
    try {
      state?.save(true);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'cannot write state file');
    }
    // pino's async stdout may hold lines still being written; wait for them before exiting.
    await requestLog?.flushAsync();
    await loki?.close(2000); // bounded: an unreachable Loki must not hold up the stop
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // Checkpoints run during the first catch-up too: a kill -9 half-way through a large backlog
  // must resume from the last checkpoint, not from the beginning.
  state?.startPeriodic(opts.stateInterval, (e) => log.error({ err: e.message }, 'cannot write state file'));
  await tailer?.start();
  const addr = server.address();
  log.info({ address: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : addr, files: opts.files }, 'tokenscope exporter listening');
}
