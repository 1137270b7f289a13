// The normalised records every adapter (log line formats, HTTP batches, track(), OTLP) produces.
// Pricing, metrics and the per-request log only ever see these, so a new input format is one adapter.

export const ERROR_TYPES = [
  'timeout',
  'rate_limit',
  'auth_error',
  'invalid_request',
  'content_filter',
  'server_error',
  'other',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export interface TokenCounts {
  /** All input tokens, cache reads and cache writes included. */
  input: number;
  /** All output tokens, reasoning included. */
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface RequestRecord {
  kind: 'request';
  /** Milliseconds since the epoch, when the request was made. */
  timestampMs: number;
  provider: string;
  model: string;
  feature?: string;
  team?: string;
  project?: string;
  /** Never a label; pseudonymised in the request log. */
  userId?: string;
  sessionId?: string;
  requestId?: string;
  tokens: TokenCounts;
  /** The caller's own estimate of input tokens, for estimate-vs-actual efficiency. */
  estimatedInputTokens?: number;
  latencySeconds?: number;
  ttftSeconds?: number;
  status: 'success' | 'error';
  errorType?: ErrorType;
  errorMessage?: string;
  statusCode?: number;
  /** Cost computed by the log's writer (e.g. a gateway's response_cost): used only for unpriceable models. */
  reportedCostUsd?: number;
}

export type BreakerState = 'closed' | 'half_open' | 'open';

export interface BreakerRecord {
  kind: 'breaker';
  timestampMs: number;
  provider: string;
  state: BreakerState;
  failureCount?: number;
}

export type IngestRecord = RequestRecord | BreakerRecord;

/** A line that could not be turned into a record: which field, and why. */
export class LineRejection extends Error {
  constructor(
    /** Short, bounded reason used as a metric label (e.g. "invalid_json", "missing_field"). */
    readonly reason: RejectReason,
    /** The JSON path of the offending field, when there is one. */
    readonly field: string | undefined,
    detail: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
    this.name = 'LineRejection';
  }
}

export const REJECT_REASONS = [
  'invalid_json',
  'not_an_object',
  'unknown_format',
  'missing_field',
  'invalid_field',
  'too_long',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const ZERO_TOKENS: Readonly<TokenCounts> = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
