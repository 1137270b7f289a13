// The library API: record LLM requests in-process and serve /metrics from the application itself.
export { createTracker, getDefaultTracker, track, type TrackEvent, type Tracker, type TrackerOptions } from './track.js';
export { trackTokens, providerFromModel, type RequestEnvelope, type TrackTarget, type TrackTokensOptions } from './middleware.js';
export type { Outcome } from '../ingest/pipeline.js';
