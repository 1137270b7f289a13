// The label sets and closed label-value sets of the exported series. Lists that belong to another
// concern (error types, reject reasons, Loki drop reasons) stay where they are defined and are
// referenced here; the ones that exist only because of a metric live here. Nothing in this module
// may import a module that imports the contract (a cycle would read these before they exist).
import type { Catalog } from '../../../catalog/src/schema.js';
import { ERROR_TYPES, REJECT_REASONS, type ErrorType } from '../events/types.js';
import { DROP_REASONS } from '../log/loki-push.js';

export { ERROR_TYPES, REJECT_REASONS, DROP_REASONS };

/** The request family's labels: every ai_requests_total, ai_tokens_*, ai_cost_dollars_total series. */
export const REQUEST_LABELS = ['provider', 'model', 'feature', 'team'] as const;
/** The provider/model family's labels: latency and cost histograms, errors, unpriced requests. */
export const PROVIDER_MODEL_LABELS = ['provider', 'model'] as const;
export const PROJECT_LABELS = ['project'] as const;

export const STATUSES = ['success', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Error types that spend a provider's availability budget; the rest (invalid_request, auth_error,
 * content_filter) are the caller's doing. The burn-rate alerts read exactly these, so they are the
 * error types ai_request_errors_total exports at 0 from a model's first request.
 */
export const PROVIDER_ERROR_TYPES = ['server_error', 'timeout', 'rate_limit', 'other'] as const satisfies readonly ErrorType[];

/** Where lines and events come from (ai_exporter_lines_total and friends). */
export const SOURCES = ['file', 'http', 'track', 'otlp'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * Label-tuple families with a cap of their own: `request` holds the (provider, model, feature,
 * team) series, `provider_model` the (provider, model) ones (docs/metrics.md, "Cardinality").
 */
export const FAMILIES = ['request', 'provider_model'] as const;
export type Family = (typeof FAMILIES)[number];

/** Labels with a cap on distinct values (ai_exporter_label_overflow_total{label}). */
export const CAPPED_LABELS = ['provider', 'model', 'feature', 'team', 'project'] as const;

export const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_write'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const DIRECTIONS = ['input', 'output'] as const;

export const BUDGET_SCOPES = ['total', 'team', 'provider', 'model'] as const;

export const SLO_KINDS = ['availability', 'latency_p95_seconds', 'latency_objective', 'error_rate'] as const;

export const PROVIDER_STATUSES = ['active', 'beta', 'deprecated'] as const satisfies ReadonlyArray<Catalog['providers'][number]['status']>;

export const BOOLEANS = ['true', 'false'] as const;

export const PRICE_DATA_SOURCES = ['bundled', 'file'] as const;

/** Compression formats the file tailer recognises and skips (sources/file-identity.ts). */
export const COMPRESSION_FORMATS = ['gzip', 'zstd', 'bzip2', 'xz', 'lz4', 'zip', '7z', 'brotli'] as const;
