// In-process use: an application that calls LLMs itself records each call with track() and serves
// /metrics from its own Express app, without log files or a separate exporter process. Events go
// through the same Pipeline (adapters, dedupe, pricing, store) as logs and HTTP batches.
import type { RequestHandler } from 'express';
import type { Catalog } from '../../../../catalog/src/schema.js';
import { loadCatalog } from '../../../../catalog/src/load.js';
import { Pipeline, type Outcome, type PipelineOptions } from '../../ingest/pipeline.js';
import { UsageLimits, type LimitCheck } from '../../limits/index.js';
import type { RequestStore } from '../../request-store/types.js';
import { MetricsRenderer } from '../../exposition/renderer.js';
import { loadPriceData } from '../../pricing/price-data.js';
import { metricsHandler } from '../../exposition/http.js';
import { randomBytes } from 'node:crypto';

/**
 * One LLM request, in the canonical event format of docs/events.md (snake_case, token counts in
 * tokenscope semantics: input_tokens includes cache reads and writes, output_tokens includes
 * reasoning). Alternatively an envelope whose `response` is the provider's raw response body
 * (see trackTokens), in which case the token fields come from the body.
 */
export interface TrackEvent {
  /** ISO-8601 string, epoch ms, or a Date; defaults to now. */
  timestamp?: string | number | Date;
  provider?: string;
  model?: string;
  feature?: string;
  team?: string;
  project?: string;
  user_id?: string;
  session_id?: string;
  request_id?: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  estimated_input_tokens?: number;
  latency_ms?: number;
  ttft_ms?: number;
  status?: 'success' | 'error';
  status_code?: number;
  error_type?: string;
  error?: string | { type?: string; code?: string | number; message?: string };
  cost_usd?: number;
  /** Envelope form: the provider's response body, read by the adapters. */
  response?: unknown;
  [key: string]: unknown;
}

export interface TrackerOptions {
  /** A loaded catalog or a path to one; default catalog/tokenscope.yaml. Ignored when `pipeline` is given. */
  catalog?: Catalog | string;
  /** Share an existing pipeline (e.g. the exporter's own) instead of creating one. */
  pipeline?: Pipeline;
  /** Options for the pipeline created when none is given (sinks such as the request log, onUnpriced). */
  pipelineOptions?: PipelineOptions;
  /** Include prom-client's process metrics (process_*, nodejs_*) in metrics(). Default true. */
  processMetrics?: boolean;
  /**
   * A genai-prices data.json to price with instead of the bundled data, like the CLI's --prices-file
   * (docs/exporter.md, "Price data"). It replaces genai-prices' data for the whole process. Throws on a bad file.
   */
  pricesFile?: string;
  /** Like --prices-max-age-days (default 90; 0 = off): older price data is warned about with process.emitWarning. */
  pricesMaxAgeDays?: number;
  /**
   * Per-user and per-key usage limits from the catalog's usage_limits (docs/limits.md), answered
   * by checkLimit(). `hashKey` is the pseudonymisation key (the exporter's, for catalog `id:`
   * entries and a shared store; random per process by default); `store` a request store to seed
   * from and check against.
   */
  limits?: { hashKey?: string | Buffer; store?: RequestStore };
}

export interface Tracker {
  readonly pipeline: Pipeline;
  readonly renderer: MetricsRenderer;
  /** Records one request. A bad event is counted as rejected (source "track") and reported in the outcome; it never throws for bad input. */
  track(event: TrackEvent): Outcome;
  /** The Prometheus exposition text, the same as the exporter's /metrics. */
  metrics(): Promise<string>;
  /** An Express handler serving metrics(): `app.get('/metrics', tracker.handler())`. */
  handler(): RequestHandler;
  /** Whether this user may make another call, from the requests this tracker counted (or its limits store). */
  checkLimit(userId: string, opts?: { team?: string }): Promise<LimitCheck>;
  /** The same for an API key id. */
  checkKeyLimit(apiKey: string): Promise<LimitCheck>;
}

export function createTracker(opts: TrackerOptions = {}): Tracker {
  if (opts.pricesFile !== undefined || opts.pricesMaxAgeDays !== undefined) {
    const { warnings } = loadPriceData(opts.pricesFile, { maxAgeDays: opts.pricesMaxAgeDays });
    for (const w of warnings) process.emitWarning(w, 'TokenscopePriceData');
  }
  const pipeline =
    opts.pipeline ??
    new Pipeline(typeof opts.catalog === 'object' ? opts.catalog : loadCatalog(opts.catalog), opts.pipelineOptions);
  const renderer = new MetricsRenderer(pipeline, { processMetrics: opts.processMetrics });
  const limits = new UsageLimits({ catalog: pipeline.catalog, hashKey: opts.limits?.hashKey ?? randomBytes(32), store: opts.limits?.store });
  pipeline.addSink(limits);
  limits.register(renderer.registry);
  // Seeded in the background; a check waits for it.
  const started = limits.start();
  started.catch(() => {});
  let handler: RequestHandler | undefined;
  return {
    pipeline,
    renderer,
    track(event: TrackEvent): Outcome {
      const obj =
        event !== null && typeof event === 'object' && !Array.isArray(event)
          ? event.timestamp === undefined
            ? { ...event, timestamp: Date.now() }
            : event.timestamp instanceof Date
              ? { ...event, timestamp: event.timestamp.getTime() }
              : event
          : event;
      return pipeline.ingestObject(obj, 'track');
    },
    metrics: () => renderer.metrics(),
    handler() {
      handler ??= metricsHandler(renderer);
      return handler;
    },
    checkLimit: async (userId, o) => (await started, limits.check('user', userId, o?.team)),
    checkKeyLimit: async (apiKey) => (await started, limits.check('api_key', apiKey)),
  };
}

let defaultTracker: Tracker | undefined;

/** The process-wide tracker behind track() (default catalog), created on first use. */
export function getDefaultTracker(): Tracker {
  defaultTracker ??= createTracker();
  return defaultTracker;
}

/** Records one request on the process-wide default tracker. */
export function track(event: TrackEvent): Outcome {
  return getDefaultTracker().track(event);
}
