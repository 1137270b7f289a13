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
  // Optional pricing details, each part of a total above (never added to it), set by adapters
  // only when the body reports a non-zero count. Priced at their own rate where the price data has
  // one (docs/events.md, "Pricing details"); absent means 0.
  /** Part of cacheWrite written with a 1-hour TTL (Anthropic), priced above 5-minute writes. */
  cacheWrite1h?: number;
  /** Part of input that was audio, cached audio (cacheReadAudio) included. */
  inputAudio?: number;
  /** Part of cacheRead, and of inputAudio, that was audio. */
  cacheReadAudio?: number;
  /** Part of output that was audio (disjoint from reasoning). */
  outputAudio?: number;
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
  /** The API key (or gateway virtual key) the call was made with, for per-key limits; never a label, pseudonymised like users. */
  apiKey?: string;
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
  /**
   * A successful call whose source reported no token usage at all (e.g. a streamed call traced
   * without usage): counted as a request with 0 tokens and priced as unknown (ai_unpriced_requests_total),
   * never as a free success.
   */
  usageUnknown?: boolean;
}

export type BreakerState = 'closed' | 'half_open' | 'open';

export interface BreakerRecord {
  kind: 'breaker';
  timestampMs: number;
  provider: string;
  state: BreakerState;
  failureCount?: number;
}

/**
 * A line that was read and deliberately not counted: an OpenTelemetry span that is not a model call
 * (an agent, workflow or tool span, the AI SDK's outer generateText span), whose calls are counted
 * from their own spans (docs/otlp.md, "Which spans are counted").
 */
export interface SkippedRecord {
  kind: 'skipped';
  timestampMs: number;
  reason: 'not_a_model_call';
}

export type IngestRecord = RequestRecord | BreakerRecord | SkippedRecord;

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
