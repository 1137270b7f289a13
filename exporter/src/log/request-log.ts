// The per-request log: one JSON line per counted request (after dedupe), for Loki and for the
// usage-log table. It carries what a request cost and who it is attributed to, never what was
// said: records hold no prompt or completion text, and user/session ids are pseudonymised with a
// keyed hash (see pseudonym.ts).
import pino from 'pino';
import type { RequestRecord } from '../events/types.js';
import type { RequestSink } from '../ingest/pipeline.js';
import type { PriceResult } from '../pricing/pricer.js';
import { isLabeledTarget, pickLabels, type LineLabels } from './labeled-line.js';
import { pseudonymizer } from './pseudonym.js';

export interface RequestLogOptions {
  /**
   * A pino destination, or a file descriptor (default 1, stdout) written asynchronously. A
   * destination with writeRecord (the Loki shipper, or the checkpoint gate in front of it) gets each
   * request line with its label fields' values taken from the record.
   */
  destination?: pino.DestinationStream | number;
  /** Key for the user/session pseudonyms. Required: the CLI generates one per process when none is configured. */
  hashKey: string | Buffer;
  /** pino level of the logger; the request lines are written at "info". Default "info". */
  level?: string;
}

export type RequestLog = RequestSink & {
  logger: pino.Logger;
  /**
   * Writes out what is buffered, synchronously; safe to call from an exit handler (pino also
   * registers one for its own asynchronous destinations). A chunk already handed to the thread
   * pool by an asynchronous write is not waited for and may land after the flushed lines
   * (sonic-boom#101): prefer flushAsync() on a graceful shutdown.
   */
  flush(): void;
  /** Resolves once every line logged so far has been written, in order (bounded by `timeoutMs`, default 5 s). */
  flushAsync(timeoutMs?: number): Promise<void>;
};

/** The fields of one `llm_request` line (besides pino's level, time and msg). */
export interface RequestLogLine {
  request_id?: string;
  provider: string;
  model: string;
  feature?: string;
  team?: string;
  project?: string;
  user?: string;
  session?: string;
  /** Pseudonym of the API key the call was made with, like user and session. */
  api_key?: string;
  tokens: { input: number; output: number; cache_read: number; cache_write: number; reasoning: number; total: number };
  cost_usd: number;
  revenue_usd: number;
  price_source: string;
  priced: boolean;
  /** Present (true) when the source reported no token usage for this successful call: tokens 0, cost unknown. */
  usage_unknown?: true;
  status: 'success' | 'error';
  error_type?: string;
  error_message?: string;
  status_code?: number;
  latency_ms?: number;
  ttft_ms?: number;
  event_time: string;
}

export const REQUEST_LOG_MESSAGE = 'llm_request';

function ms(seconds: number | undefined): number | undefined {
  // Back to the milliseconds the event carried, without float noise (0.1234 s -> 123.4 ms).
  return seconds === undefined ? undefined : Math.round(seconds * 1e6) / 1e3;
}

/** The log line's fields for one record; exported for tests and for tools that re-derive lines. */
export function requestLogLine(rec: RequestRecord, price: PriceResult, pseudonym: (id: string) => string): RequestLogLine {
  const t = rec.tokens;
  return {
    request_id: rec.requestId,
    provider: rec.provider,
    model: rec.model,
    feature: rec.feature,
    team: rec.team,
    project: rec.project,
    user: rec.userId === undefined ? undefined : pseudonym(rec.userId),
    session: rec.sessionId === undefined ? undefined : pseudonym(rec.sessionId),
    api_key: rec.apiKey === undefined ? undefined : pseudonym(rec.apiKey),
    tokens: {
      input: t.input,
      output: t.output,
      cache_read: t.cacheRead,
      cache_write: t.cacheWrite,
      reasoning: t.reasoning,
      // input already includes the cache tokens and output the reasoning ones.
      total: t.input + t.output,
    },
    cost_usd: price.costUsd,
    revenue_usd: price.revenueUsd,
    price_source: String(price.source),
    priced: price.priced,
    usage_unknown: rec.usageUnknown ? true : undefined,
    status: rec.status,
    error_type: rec.errorType,
    error_message: rec.errorMessage,
    status_code: rec.statusCode,
    latency_ms: ms(rec.latencySeconds),
    ttft_ms: ms(rec.ttftSeconds),
    event_time: new Date(rec.timestampMs).toISOString(),
  };
}

export function createRequestLog(opts: RequestLogOptions): RequestLog {
  if (opts.hashKey === undefined || opts.hashKey === null || opts.hashKey.length === 0) {
    throw new Error('createRequestLog: hashKey is required (a secret used to pseudonymise user and session ids)');
  }
  const destination =
    typeof opts.destination === 'number' || opts.destination === undefined
      ? // Asynchronous writes keep the ingest path off the write(2) syscall; pino registers an
        // exit hook that flushes this stream synchronously, and flush() below does it on demand.
        pino.destination({ dest: opts.destination ?? 1, sync: false })
      : opts.destination;
  // pino writes a line to its destination synchronously inside logger.info(), so the labels of the
  // record being logged are set just around that call; any other line goes out bare.
  let labels: LineLabels | undefined;
  const labeled = isLabeledTarget(destination) ? destination : undefined;
  const pinoDestination: pino.DestinationStream = labeled
    ? {
        write(line: string) {
          const l = labels;
          labels = undefined;
          if (l) labeled.writeRecord(l, line);
          else labeled.write(line);
        },
      }
    : destination;
  const logger = pino(
    {
      level: opts.level ?? 'info',
      base: undefined, // no pid/hostname: the log shipper attaches host labels
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pinoDestination,
  );
  const pseudonym = pseudonymizer(opts.hashKey);
  const flush = (): void => {
    const d = destination as { flushSync?: () => void; flush?: () => void };
    try {
      if (typeof d.flushSync === 'function') d.flushSync();
      else if (typeof d.flush === 'function') d.flush();
    } catch {
      // sonic-boom throws when its file is not open yet: nothing was written, nothing to flush.
    }
  };

  return {
    logger,
    request(rec: RequestRecord, price: PriceResult): void {
      const line = requestLogLine(rec, price, pseudonym);
      if (!labeled) return void logger.info(line, REQUEST_LOG_MESSAGE);
      labels = pickLabels(line as unknown as Record<string, unknown>, labeled.labelFields);
      try {
        logger.info(line, REQUEST_LOG_MESSAGE);
      } finally {
        // Below the logger's level nothing was written: the labels must not stick to a later line.
        labels = undefined;
      }
    },
    flush,
    async flushAsync(timeoutMs = 5000): Promise<void> {
      const d = destination as { _writing?: boolean; once?: (ev: string, fn: () => void) => void; off?: (ev: string, fn: () => void) => void };
      // sonic-boom keeps writing until its buffer is empty, then emits "drain".
      if (d._writing === true && typeof d.once === 'function') {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            d.off?.('drain', done);
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          d.once!('drain', done);
        });
      }
      flush();
    },
  };
}
