// The library API: record LLM requests in-process and serve /metrics from the application itself.
export { createTracker, getDefaultTracker, track, type TrackEvent, type Tracker, type TrackerOptions } from './track.js';
export { createLimitClient, LimitCheckError, type LimitClient, type LimitClientOptions } from './limits-client.js';
export type { CapStatus, LimitCheck } from '../../limits/index.js';
export { trackTokens, providerFromModel, type RequestEnvelope, type TrackTarget, type TrackTokensOptions } from './middleware.js';
export type { Outcome, PipelineOptions, RequestSink } from '../../ingest/pipeline.js';
// What createTracker's options take: a loaded catalog, and the request log as a pipeline sink
// (docs/ingest-http.md), so `tokenscope/sdk` alone covers the documented set-ups.
export { loadCatalog } from '../../../../catalog/src/load.js';
export type { Catalog } from '../../../../catalog/src/schema.js';
export { createRequestLog, type RequestLog, type RequestLogOptions } from '../../log/request-log.js';
