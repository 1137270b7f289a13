// Why a Prometheus call failed, in the terms callers act on: the CLI prints the message and exits
// non-zero, the usage API answers 504 for a timeout and 502 for everything else.

export type PrometheusErrorKind =
  /** Connection refused, DNS failure, TLS failure: nothing answered. */
  | 'unreachable'
  /** No answer within the deadline, or Prometheus itself gave up (errorType "timeout"). */
  | 'timeout'
  /** Prometheus answered with an error for the query (bad_data, execution, …). */
  | 'query'
  /** Something answered, but not like Prometheus (HTML, wrong result type). */
  | 'bad_response';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}
