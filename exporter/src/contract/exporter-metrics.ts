// The contract's exporter families: usage limits, the exporter's own health, the OTLP receiver,
// Loki shipping, the request store and the price data. See contract/metrics.ts. The value lists
// imported here are read when this module loads, so their modules must not import the contract;
// otlp/stats.ts does, and its reason lists are read through getters instead.
import { LIMIT_KINDS, SCOPES } from '../limits/policy.js';
import { LEVEL_NAMES } from '../limits/tracker.js';
import { IGNORED_LOG_REASONS, IGNORED_POINT_REASONS, IGNORED_SPAN_REASONS } from '../sources/otlp/stats.js';
import { CAPPED_LABELS, COMPRESSION_FORMATS, DROP_REASONS, FAMILIES, PRICE_DATA_SOURCES, REJECT_REASONS, SOURCES } from './labels.js';
import type { MetricSpec } from './spec.js';

export const EXPORTER_METRICS = {
  // --- usage limits (only with a request store and catalog usage_limits; never labelled by user or key) ---
  limitSubjects: {
    name: 'ai_limit_subjects', type: 'gauge',
    help: 'Users or API keys with a usage limit and a request this month, by their worst state: ok, near (at or above the warning ratio) or over.',
    labels: ['scope', 'state'], values: { scope: SCOPES, state: LEVEL_NAMES }, unit: 'series', section: 'limits',
    meaning: 'users or API keys with a limit and a request this month, by their worst state',
  },
  limitMaxUsedRatio: {
    name: 'ai_limit_max_used_ratio', type: 'gauge',
    help: 'Highest share of a usage limit used by any one user or API key in the current UTC day or month (1 = at the limit), per limit kind.',
    labels: ['scope', 'limit'], values: { scope: SCOPES, limit: LIMIT_KINDS }, unit: 'ratio', section: 'limits',
    meaning: 'highest share of a limit any one subject used in its current UTC day or month (1 = at the limit)',
  },
  limitWarningRatio: {
    name: 'ai_limit_warning_ratio', type: 'gauge', help: 'Share of a usage limit from which a subject is near it (catalog usage_limits.warning_ratio).',
    labels: [], unit: 'ratio', section: 'limits', meaning: 'share of a limit from which a subject is near it',
  },
  limitBreaches: {
    name: 'ai_limit_breaches_total', type: 'counter',
    help: 'Times a user or API key reached a usage limit in its window (counted by the replica whose request crossed it).',
    labels: ['scope', 'limit'], values: { scope: SCOPES, limit: LIMIT_KINDS }, unit: 'requests', section: 'limits',
    meaning: 'times a subject reached a limit in its window (counted by the replica whose request crossed it)',
  },
  limitWarnings: {
    name: 'ai_limit_warnings_total', type: 'counter', help: 'Times a user or API key crossed the warning ratio of a usage limit in its window.',
    labels: ['scope', 'limit'], values: { scope: SCOPES, limit: LIMIT_KINDS }, unit: 'requests', section: 'limits',
    meaning: 'times a subject crossed the warning ratio of a limit in its window',
  },
  limitUntracked: {
    name: 'ai_limit_untracked_requests_total', type: 'counter',
    help: 'Requests of subjects over the in-process tracking bound; only GET /api/limits/check judges them (from the store).',
    labels: ['scope'], values: { scope: SCOPES }, unit: 'requests', section: 'limits',
    meaning: 'requests of subjects over the in-process tracking bound, judged only by `GET /api/limits/check`', exported: 'once non-zero',
  },
  // --- exporter health ---
  lines: {
    name: 'ai_exporter_lines_total', type: 'counter', help: 'Log lines and events read, good or bad, by source.',
    labels: ['source'], values: { source: SOURCES }, unit: 'lines', section: 'health', meaning: 'lines/events read, good or bad',
  },
  rejectedLines: {
    name: 'ai_exporter_rejected_lines_total', type: 'counter', help: 'Lines that could not be ingested, by source and reason.',
    labels: ['source', 'reason'], values: { source: SOURCES, reason: REJECT_REASONS }, unit: 'lines', section: 'health',
    meaning: 'lines not ingested; every (source, reason) at 0 from the start',
  },
  duplicates: {
    name: 'ai_exporter_duplicate_requests_total', type: 'counter', help: 'Events dropped because their request_id was already counted within the dedupe window.',
    labels: ['source'], values: { source: SOURCES }, unit: 'requests', section: 'health', meaning: 'events dropped because their `request_id` was already counted in the dedupe window',
  },
  skippedFiles: {
    name: 'ai_exporter_skipped_files', type: 'gauge',
    help: 'Files matched by --files that are not read as lines, by reason (the compression format: gzip, zstd, bzip2, xz, lz4, zip, ...).',
    labels: ['reason'], values: { reason: COMPRESSION_FORMATS }, unit: 'files', section: 'health',
    meaning: "files matched by `--files` that are not read because they are compressed, e.g. logrotate's `app.jsonl.2.gz` under `*.jsonl*` ([exporter.md](exporter.md#rotation-and-truncation))",
    exported: 'only while tailing files',
  },
  labelOverflow: {
    name: 'ai_exporter_label_overflow_total', type: 'counter', help: 'Records whose label value was folded into "other" by the cardinality cap.',
    labels: ['label'], values: { label: CAPPED_LABELS }, unit: 'records', section: 'health', meaning: 'records whose value folded into `other`',
  },
  seriesFolded: {
    name: 'ai_exporter_series_folded_total', type: 'counter', help: 'Records whose label tuple was folded into the family\'s "other" tuple by the series cap.',
    labels: ['family'], values: { family: FAMILIES }, unit: 'records', section: 'health',
    meaning: "records whose whole label tuple folded into the family's `other` tuple ([Cardinality](#cardinality))",
  },
  labelTuples: {
    name: 'ai_exporter_label_tuples', type: 'gauge', help: 'Distinct label tuples held, by family.',
    labels: ['family'], values: { family: FAMILIES }, unit: 'series', section: 'health', meaning: 'distinct label tuples held',
  },
  labelTuplesLimit: {
    name: 'ai_exporter_label_tuples_limit', type: 'gauge', help: 'Cap on distinct label tuples, by family (--max-request-tuples, --max-model-tuples).',
    labels: ['family'], values: { family: FAMILIES }, unit: 'series', section: 'health', meaning: "the family's tuple cap (`--max-request-tuples`, `--max-model-tuples`)",
  },
  stateRepaired: {
    name: 'ai_exporter_state_repaired_series_total', type: 'counter', help: 'Series reset on start because the state file held a value no counter can have.',
    labels: [], unit: 'series', section: 'health',
    meaning: 'series reset on start because the state file held a value no counter can have (`null`, NaN, Infinity, negative); the rest of the state is kept',
  },
  invalidValues: {
    name: 'ai_exporter_invalid_values_dropped_total', type: 'counter', help: 'Records refused by the store for a non-finite, negative or out-of-ceiling value.',
    labels: [], unit: 'records', section: 'health',
    meaning: 'records the store refused for a non-finite, negative or out-of-ceiling value (normally 0: the [ceilings](events.md#ceilings) reject such lines first)',
  },
  lastEvent: {
    name: 'ai_exporter_last_event_timestamp_seconds', type: 'gauge', help: 'Timestamp of the newest ingested event.',
    labels: [], unit: 'seconds', section: 'health', meaning: 'event time of the newest ingested event',
  },
  buildInfo: {
    name: 'ai_exporter_build_info', type: 'info', help: 'tokenscope exporter build.',
    labels: ['version', 'nodejs'], unit: 'info', section: 'health', meaning: 'build',
  },
  // --- OTLP receiver (prom-client counters; their reason lists live with the receiver) ---
  otlpIgnoredSpans: {
    name: 'ai_exporter_otlp_ignored_spans_total', type: 'counter', help: 'OTLP spans read but not counted as LLM requests, by reason.',
    labels: ['reason'], unit: 'lines', section: 'otlp',
    meaning: 'OTLP spans not counted as requests: `not_a_model_call` are agent, tool and workflow spans, `wraps_model_calls` nesting; see docs/otlp.md',
    // A getter: otlp/stats.ts defines the reasons and imports this module, so they are read on use.
    get values() {
      return { reason: IGNORED_SPAN_REASONS };
    },
  },
  otlpIgnoredDataPoints: {
    name: 'ai_exporter_otlp_ignored_data_points_total', type: 'counter', help: 'OTLP metric data points read but not counted, by reason.',
    labels: ['reason'], unit: 'records', section: 'otlp', meaning: 'OTLP `gen_ai.client.*` points not counted (e.g. the service sends spans); see docs/otlp.md',
    get values() {
      return { reason: IGNORED_POINT_REASONS };
    },
  },
  otlpIgnoredLogRecords: {
    name: 'ai_exporter_otlp_ignored_log_records_total', type: 'counter', help: 'OTLP log records read but not counted, by reason.',
    labels: ['reason'], unit: 'records', section: 'otlp', meaning: 'OTLP log records (POST /v1/logs): none is counted; see docs/otlp.md',
    get values() {
      return { reason: IGNORED_LOG_REASONS };
    },
  },
  // --- Loki shipping (only with LOKI_URL) ---
  lokiLinesSent: {
    name: 'ai_exporter_loki_lines_sent_total', type: 'counter', help: 'Request log lines Loki accepted.',
    labels: [], unit: 'lines', section: 'loki', meaning: 'request log lines Loki accepted',
  },
  lokiLinesDropped: {
    name: 'ai_exporter_loki_lines_dropped_total', type: 'counter',
    help: 'Request log lines not shipped to Loki: queue_full (oldest dropped while Loki was slow or down), rejected (4xx), retries_exhausted, shutdown.',
    labels: ['reason'], values: { reason: DROP_REASONS }, unit: 'lines', section: 'loki',
    meaning: 'request log lines not shipped: `queue_full` are the oldest, dropped while Loki was slow or down; `rejected` got a 4xx',
  },
  lokiPushFailures: {
    name: 'ai_exporter_loki_push_failures_total', type: 'counter', help: 'Failed push attempts to Loki (each retry counts).',
    labels: [], unit: 'requests', section: 'loki', meaning: 'failed push attempts (each retry counts)',
  },
  lokiQueueLines: {
    name: 'ai_exporter_loki_queue_lines', type: 'gauge', help: 'Request log lines waiting to be shipped to Loki.',
    labels: [], unit: 'lines', section: 'loki', meaning: 'request log lines waiting to be shipped',
  },
  // --- request store (request-store/; only when serve opened one) ---
  storeRowsWritten: {
    name: 'ai_exporter_store_rows_written_total', type: 'counter', help: 'Request rows the request store took as new.',
    labels: [], unit: 'records', section: 'health', meaning: 'request rows the request store took as new ([request-store.md](request-store.md))',
  },
  storeDuplicateRows: {
    name: 'ai_exporter_store_duplicate_rows_total', type: 'counter', help: 'Request rows the request store already had (same idempotency key: a re-read line, another replica).',
    labels: [], unit: 'records', section: 'health', meaning: 'request rows the store already had (a line read again after a restart, or by another replica)',
  },
  storeWriteErrors: {
    name: 'ai_exporter_store_write_errors_total', type: 'counter', help: 'Failed batch writes to the request store (each retry counts).',
    labels: [], unit: 'requests', section: 'health', meaning: 'failed batch writes to the request store (each retry counts)',
  },
  storeDroppedRows: {
    name: 'ai_exporter_store_dropped_rows_total', type: 'counter', help: 'Request rows never stored because the pending buffer was full while the store was failing.',
    labels: [], unit: 'records', section: 'health', meaning: 'request rows never stored: the pending buffer was full while the store was failing',
  },
  storePendingRows: {
    name: 'ai_exporter_store_pending_rows', type: 'gauge', help: 'Request rows waiting to be written to the request store.',
    labels: [], unit: 'records', section: 'health', meaning: 'request rows waiting to be written',
  },
  storeLastWrite: {
    name: 'ai_exporter_store_last_write_timestamp_seconds', type: 'gauge', help: 'When the request store last took a batch (Unix seconds; 0 before the first).',
    labels: [], unit: 'seconds', section: 'health', meaning: 'when the request store last took a batch (0 before the first)',
  },
  // --- price data ---
  priceDataInfo: {
    name: 'ai_exporter_price_data_info', type: 'info', help: 'Price data genai-prices prices with: source bundled or file; version = library version or sha256 of the file.',
    labels: ['source', 'version'], values: { source: PRICE_DATA_SOURCES }, unit: 'info', section: 'price_data',
    meaning: 'the price data genai-prices prices with: `source` `file` with `--prices-file`; `version` = the genai-prices version, or `sha256:` and 12 hex digits of the file ([exporter.md](exporter.md#price-data))',
  },
  priceDataTimestamp: {
    name: 'ai_exporter_price_data_timestamp_seconds', type: 'gauge', help: 'Date of the price data: release date of the bundled library version, or the prices file mtime.',
    labels: [], unit: 'seconds', section: 'price_data',
    meaning: "date of the price data: the installed genai-prices version's release date, or the file's mtime", exported: 'when the date is known',
  },
  priceDataMaxAge: {
    name: 'ai_exporter_price_data_max_age_seconds', type: 'gauge', help: 'Age above which price data counts as stale (--prices-max-age-days); 0 = not checked.',
    labels: [], unit: 'seconds', section: 'price_data', meaning: '`--prices-max-age-days` in seconds (0: not checked)',
  },
  priceDataStale: {
    name: 'ai_exporter_price_data_stale', type: 'gauge', help: '1 when the price data is older than ai_exporter_price_data_max_age_seconds.',
    labels: [], unit: 'state', section: 'price_data', meaning: '1 while the price data is older than that, else 0',
  },
} as const satisfies Record<string, MetricSpec>;
