// `tokenscope serve`: the long-running exporter. Wires the catalog, the pipeline, the sources (file
// tail, HTTP), the request log and the durable state together, and shuts down cleanly on signals.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Server } from 'node:http';
import pino from 'pino';
import { loadCatalog } from '../../../catalog/src/load.js';
import { Pipeline } from '../ingest/pipeline.js';
import { expandFiles } from '../sources/files/read-files.js';
import { StateFile } from '../ingest/state-file.js';
import { LokiShipper } from '../log/loki-push.js';
import { CheckpointGate, type ByteGateTarget } from '../log/checkpoint-gate.js';
import { lokiOptionsFromEnv, registerLokiMetrics } from '../log/loki-serve.js';
import { createRequestLog } from '../log/request-log.js';
import { pseudonymizer } from '../log/pseudonym.js';
import { MetricsRenderer } from '../exposition/renderer.js';
import { createApp } from '../server/app.js';
import { UsageLimits } from '../limits/index.js';
// Not through UsageLimits: the SDK uses UsageLimits and must not load express (limits/router.ts).
import { createLimitsRouter } from '../limits/router.js';
import { listenHttp } from '../server/listen.js';
import { FileTailer, LineTooLongError, type SavedPositions } from '../sources/files/file-tail.js';
import { registerTailMetrics } from '../sources/files/tail-metrics.js';
import { activePriceData, stalenessWarning } from '../pricing/price-data.js';
import { API_TOKEN_ENV, usageApiFromSettings } from '../../../reader/src/usage-api/setup.js';
import { storeApiFromSettings } from '../../../reader/src/usage-api/store-setup.js';
import { defaultClock } from '../clock.js';
import { describeStore, openRequestStore, parseRetentionDays, parseStoreSpec } from '../request-store/open.js';
import { registerStoreMetrics, startRetention } from '../request-store/serve.js';
import { StoreWriter } from '../request-store/writer.js';
import { resolveHashKey } from './hash-key.js';
import { applyPriceOptions, type PriceDataOptions } from './price-options.js';
import { planState, prepareStateDir } from './state-location.js';

export interface ServeOptions extends PriceDataOptions {
  port: number;
  host: string;
  catalog?: string;
  files: string[];
  /** Default: beginning with durable state (first run only), end with --no-state. */
  startAt?: string;
  /** Durable state (state-location.ts): --state-file, else state.json in --data-dir or the default data directory; state is false with --no-state. */
  stateFile?: string;
  dataDir?: string;
  state?: boolean;
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
  /** Bearer token for GET /metrics (or env TOKENSCOPE_METRICS_TOKEN); without one /metrics is open. */
  metricsTokenFile?: string;
  /** Tuple caps per family (docs/metrics.md, "Cardinality"); defaults 2000 and 500. */
  maxRequestTuples?: number;
  maxModelTuples?: number;
  /** Open HTTP connections at most (server/listen.ts); default 512. */
  maxConnections?: number;
  /** The request store (request-store/open.ts): sqlite (default, in the data directory), sqlite:/file, postgres://..., none. */
  store?: string;
  /** Days of rows kept; 0 keeps them all. Default 400. */
  storeRetentionDays?: number | string;
}

function secret(file: string | undefined, envName: string): string | undefined {
  if (file) return readFileSync(file, 'utf8').trim();
  const v = process.env[envName];
  return v ? v.trim() : undefined;
}

export async function runServe(opts: ServeOptions): Promise<void> {
  // Operational messages go to stderr; stdout carries only the per-request log lines.
  const log = pino({ name: 'tokenscope', base: undefined }, pino.destination(2));
  const plan = planState(opts);
  for (const w of plan.warnings) log.warn(w);
  const catalog = loadCatalog(opts.catalog);
  // Before the Pipeline: its Pricer memoises models from whatever data genai-prices has then.
  const priceData = applyPriceOptions(opts, catalog, (w) => log.warn(w));
  log.info({ source: priceData.source, version: priceData.version, file: priceData.file }, 'price data');
  // Data that turns stale while serving is warned about once (ai_exporter_price_data_stale follows it on every scrape).
  let staleWarned = stalenessWarning(priceData) !== null;
  const staleCheck = setInterval(() => {
    const w = staleWarned ? null : stalenessWarning(activePriceData());
    if (w) {
      staleWarned = true;
      log.warn(w);
    }
  }, 3_600_000);
  staleCheck.unref();

  const pipeline = new Pipeline(catalog, {
    onUnpriced: (provider, model) => log.warn({ provider, model }, 'no price known for model; counted in ai_unpriced_requests_total'),
    series: { request: opts.maxRequestTuples, provider_model: opts.maxModelTuples },
  });
  // LOKI_URL: the request log lines are also shipped to Loki, never blocking ingestion (loki-push.ts).
  const lokiOpts = lokiOptionsFromEnv(process.env);
  const loki = lokiOpts ? new LokiShipper({ ...lokiOpts, onError: (msg, details) => log.warn(details, msg) }) : undefined;
  // With durable state the request log waits for the checkpoint that counts its requests, so a
  // crash re-reading the lines since the last checkpoint never logs a request twice (checkpoint-gate.ts).
  let checkpointNow = (): void => {};
  const gate = plan.stateFile ? new CheckpointGate({ onFull: () => checkpointNow() }) : undefined;
  // The data directory (with durable state): the request store's default file, its journal and
  // the generated pseudonym key live next to the state file.
  const dataDir = plan.stateFile ? dirname(plan.stateFile) : undefined;
  const storeSpec = parseStoreSpec(opts.store, dataDir);
  const retentionDays = parseRetentionDays(opts.storeRetentionDays);
  let requestLog: ReturnType<typeof createRequestLog> | undefined;
  let hashKey: string | undefined;
  if (opts.requestLog || loki || storeSpec.kind !== 'none') {
    if (plan.stateFile) prepareStateDir(plan.stateFile);
    const resolved = resolveHashKey({ hashKeyFile: opts.hashKeyFile, dataDir });
    hashKey = resolved.key;
    if (resolved.source === 'ephemeral') log.warn('no TOKENSCOPE_HASH_KEY and no data directory: user/session pseudonyms will change on restart');
    if (resolved.source === 'generated') log.info({ file: join(dataDir!, 'hash.key') }, 'generated the pseudonymisation key (keep it: stored pseudonyms are only reproducible with it)');
  }
  if (hashKey !== undefined && (opts.requestLog || loki)) {
    if (opts.requestLog) {
      // The gate holds the lines as UTF-8 bytes and hands over a release as one buffer: maxWrite
      // above the most it holds keeps that one write(2) (checkpoint-gate.ts).
      const stdout = gate
        ? gate.stream(pino.destination({ dest: 1, sync: false, contentMode: 'buffer', maxWrite: 64 * 1024 * 1024 }) as unknown as ByteGateTarget, { bytes: true })
        : undefined;
      requestLog = createRequestLog({ hashKey, destination: stdout });
      pipeline.addSink(requestLog);
    }
    // A second logger with the same key writes the identical line to Loki's queue.
    if (loki) pipeline.addSink(createRequestLog({ hashKey, destination: gate ? gate.stream(loki) : loki }));
  }

  const requestStore = await openRequestStore(storeSpec, (msg, details) => log.warn(details, msg));
  let writer: StoreWriter | undefined;
  if (requestStore) {
    writer = new StoreWriter(requestStore, {
      // A larger memo than the log's: 100k active sessions and users without one HMAC per row.
      pseudonym: pseudonymizer(hashKey!, 100_000),
      pseudonymKey: hashKey!,
      journalPath: dataDir ? join(dataDir, 'store-journal.json') : undefined,
      onError: (msg, details) => log.warn(details, msg),
    });
    pipeline.addSink(writer);
    log.info({ ...describeStore(storeSpec), retentionDays, journaled: writer.pending }, 'request store open');
  }
  const retention = requestStore
    ? startRetention(requestStore, retentionDays, defaultClock(), (level, msg, details) => log[level](details, msg))
    : undefined;

  let tailer: FileTailer | undefined;
  // Without a tailer, saved positions pass through unchanged: a run without --files must not
  // forget them, or the next run with --files would read those files again from the start.
  let savedPositions: SavedPositions = {};
  if (plan.stateFile) prepareStateDir(plan.stateFile);
  // positions() runs inside each save, in the same turn as the counters' snapshot: the store's
  // queued rows are written (or journaled) there, so no checkpoint covers a row the store lacks.
  const state = plan.stateFile
    ? new StateFile(plan.stateFile, pipeline, () => {
        writer?.checkpoint();
        return tailer?.positions() ?? savedPositions;
      })
    : undefined;
  savedPositions = state?.load() ?? {};
  if (state) log.info({ stateFile: plan.stateFile, files: Object.keys(savedPositions).length }, 'restored state');
  else log.info({ startAt: plan.startAt }, 'no durable state (--no-state): counters start at 0, files already there are read from startAt');
  // With durable state /metrics serves only counts a checkpoint covers: the renderer renders the
  // usage series just before each periodic save and publishes them once it is on disk; scrapes get
  // that text (metrics/renderer.ts). A kill -9 then restores counters at or above anything scraped:
  // no counter reset for Prometheus. The price: the metrics lag by up to one --state-interval.
  // Without state, scrapes render live.
  const renderer = new MetricsRenderer(pipeline, { checkpointed: state !== undefined });
  if (state) {
    state.beforeSave = () => renderer.prepare();
    state.afterSave = () => {
      gate?.release(); // first: the lines are handed over right after the rename
      renderer.checkpoint();
    };
  }
  if (state && gate) {
    // Bounded memory during a large catch-up: checkpoint as soon as the current batch is counted
    // (between two batches the counters and positions agree) rather than at the next interval.
    let asked = false;
    checkpointNow = () => {
      if (asked) return;
      asked = true;
      setImmediate(() => {
        asked = false;
        try {
          state.save();
        } catch (e) {
          log.error({ err: (e as Error).message }, 'cannot write state file');
        }
      });
    };
  }
  if (pipeline.store.repairedSeries > 0) {
    log.warn({ stateFile: plan.stateFile, series: pipeline.store.repairedSeries }, 'state file held values no counter can have (null, NaN, Infinity or negative); those series restart at 0 (ai_exporter_state_repaired_series_total)');
  }

  if (opts.files.length) {
    const matched = await expandFiles(opts.files);
    if (matched.length === 0) log.warn({ files: opts.files }, 'no file matches --files yet; waiting for one to appear');
    tailer = new FileTailer({
      globs: opts.files,
      pollIntervalMs: opts.pollInterval,
      startAt: plan.startAt,
      positions: savedPositions,
      // Each chunk's lines are counted in one synchronous turn, so the chunk is the longest a scrape
      // waits behind a catch-up: 256 KiB is about 1,300 lines, a few milliseconds (docs/exporter.md, "HTTP").
      readChunkBytes: 256 * 1024,
      // A catch-up waits for the request store past 20,000 queued rows (~0.5 s of checkpoint work).
      ready: writer ? () => writer!.backlog(20_000) : undefined,
      onLines: ({ file, lines, firstLineNo }) => {
        for (let i = 0; i < lines.length; i++) {
          const r = pipeline.ingestLine(lines[i], 'file');
          if (!r.ok) log.warn({ file, line: firstLineNo + i, reason: r.reason }, r.message);
        }
      },
      onSkip: (file, reason) => log.info({ file, reason }, 'compressed file matched by --files is not read (ai_exporter_skipped_files)'),
      onError: (err, file) => {
        // An oversize line is a rejected line like any other: counted, not only logged.
        if (err instanceof LineTooLongError) pipeline.countRejected('file', 'too_long');
        log.warn({ file }, err.message);
      },
    });
  }

  if (loki) registerLokiMetrics(renderer.registry, loki);
  if (tailer) registerTailMetrics(renderer.registry, tailer);
  if (writer) registerStoreMetrics(renderer.registry, writer);
  // Per-user and per-key usage limits (docs/limits.md): totals seeded from the store before any event is counted.
  const limits = new UsageLimits({ catalog, hashKey: hashKey ?? resolveHashKey({ hashKeyFile: opts.hashKeyFile, dataDir }).key, store: requestStore, logger: log });
  await limits.start();
  pipeline.addSink(limits);
  limits.register(renderer.registry);
  const app = createApp({
    pipeline,
    renderer,
    ingestToken: secret(opts.ingestTokenFile, 'TOKENSCOPE_INGEST_TOKEN'),
    metricsToken: secret(opts.metricsTokenFile, 'TOKENSCOPE_METRICS_TOKEN'),
    bodyLimitBytes: opts.bodyLimit,
    logger: log,
    otlp: { featureAttribute: opts.otlpFeatureAttribute, teamAttribute: opts.otlpTeamAttribute },
    requestStore,
    limitsApi: createLimitsRouter({ check: (scope, id, team) => limits.check(scope, id, team), logger: log }),
    usageStoreApi: storeApiFromSettings({ store: requestStore, token: secret(opts.apiTokenFile, API_TOKEN_ENV), catalog, logger: log }),
    usageApi: usageApiFromSettings({ prometheusUrl: opts.prometheusUrl, token: secret(opts.apiTokenFile, API_TOKEN_ENV), catalog, logger: log }),
  });
  // Header, request and keep-alive timeouts and a connection cap (server/listen.ts).
  const server: Server = await listenHttp(app, opts.port, opts.host, { maxConnections: opts.maxConnections });

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
    clearInterval(staleCheck);
    state?.stopPeriodic();
    try {
      state?.save(true);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'cannot write state file');
    }
    // The gate hands Loki's copy of a release over in chunks: let the last one out before flushing.
    await gate?.drained();
    // pino's async stdout may hold lines still being written; wait for them before exiting.
    await requestLog?.flushAsync();
    await loki?.close(2000); // bounded: an unreachable Loki must not hold up the stop
    // After the final save (which wrote or journaled the queued rows): what is still pending is
    // retried for a moment, then stays in the journal for the next start.
    retention?.stop();
    await writer?.close(5000);
    await limits.stop();
    await retention?.running();
    await requestStore?.close().catch((e: Error) => log.warn({ err: e.message }, 'cannot close the request store'));
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
