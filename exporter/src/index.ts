// The package's library entry (`import ... from 'tokenscope'`): the pieces the CLI is built from,
// for embedding the exporter or its reports in another program. The in-process SDK (createTracker,
// track, the Express middleware) is `tokenscope/sdk`; the command line is `tokenscope` (bin/).
export { VERSION } from './version.js';

// Catalog: providers, models, prices, budgets, SLOs (docs/catalog.md).
export { CatalogError, DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from '../../catalog/src/load.js';
export type { Catalog, CatalogInput, ModelEntry, Prices, ProviderEntry, SloTargets } from '../../catalog/src/schema.js';

// Pricing and ingestion: log lines or events in, priced counters out.
export { Pricer, type PriceResult, type PriceRow, type PricerOptions, type TokenType } from './pricing/pricer.js';
export { Pipeline, type Outcome, type PipelineOptions, type PipelineState, type RequestSink } from './ingest/pipeline.js';
export { parseLine, normalize, MAX_LINE_LENGTH } from './adapters/index.js';
export { expandFiles, forEachLine, type RejectedLine } from './sources/files/read-files.js';
export { backfill, type BackfillOptions, type BackfillResult } from './ingest/backfill.js';
export { LineRejection, REJECT_REASONS, type IngestRecord, type RejectReason, type RequestRecord, type TokenCounts } from './events/types.js';

// The per-request log (a pipeline sink; docs/ingest-http.md).
export { createRequestLog, type RequestLog, type RequestLogOptions } from './log/request-log.js';

// Metrics: the counters and their Prometheus exposition.
export { UsageStore, type StoreState } from './store/usage-store.js';
export { MetricsRenderer } from './exposition/renderer.js';

// HTTP: the exporter's Express app (/metrics, POST /v1/events, OTLP) and the OTLP receiver.
export { createApp, type AppOptions } from './server/app.js';
export { metricsHandler, METRICS_CONTENT_TYPE } from './exposition/http.js';
export type { IngestResponse } from './sources/http/events.js';
export { OtlpReceiver, otlpRouter, type ExportResult as OtlpExportResult, type OtlpOptions, type OtlpRouterOptions } from './sources/otlp/index.js';

// Reports and exports read back from Prometheus (docs/reports.md).
export { PrometheusClient, PrometheusError, type PrometheusClientOptions } from '../../reader/src/prometheus-client/client.js';
export { buildReport, type BuildReportOptions, type CostReport } from '../../reader/src/report/build-report.js';
export { renderMarkdown } from '../../reader/src/report/render-markdown.js';
export { renderReportCsv } from '../../reader/src/report/render-csv.js';
export { buildExport, exportCsv, exportJson, type ExportOptions, type ExportResult } from '../../reader/src/report/export.js';
