// OTLP/HTTP receiver for GenAI telemetry (docs/otlp.md).
export { OtlpReceiver, type ExportResult, type OtlpOptions } from './receiver.js';
export { otlpRouter, sendOtlpError, type OtlpRouterOptions } from './router.js';
export { DEFAULT_ATTRIBUTION, type AttributionOptions } from './spans.js';
