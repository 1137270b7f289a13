// How `tokenscope serve` turns its settings into the /api/usage router, and says in the log which
// state the API is in, because a silently disabled API looks like a broken one.
import type { RequestHandler } from 'express';
import type pino from 'pino';
import type { Catalog } from '../../../catalog/src/schema.js';
import { PrometheusClient } from '../prometheus-client/client.js';
import { PROMETHEUS_URL_ENV } from '../prometheus-client/url-setting.js';
import { createUsageApiRouter, disabledUsageApiRouter } from './router.js';

export const API_TOKEN_ENV = 'TOKENSCOPE_API_TOKEN';
/** Per Prometheus query; an API caller waits at most a few of these (queries run 4 at a time). */
const QUERY_TIMEOUT_MS = 15_000;

export interface UsageApiSettings {
  /** --prometheus-url, else env PROMETHEUS_URL. */
  prometheusUrl?: string;
  /** --api-token-file contents, else env TOKENSCOPE_API_TOKEN. */
  token?: string;
  catalog: Catalog;
  logger: pino.Logger;
}

export function usageApiFromSettings(s: UsageApiSettings): RequestHandler {
  const url = s.prometheusUrl ?? process.env[PROMETHEUS_URL_ENV];
  if (!s.token) {
    const reason = `no API token configured (--api-token-file or ${API_TOKEN_ENV})`;
    s.logger.info(`usage API disabled: ${reason}; /api/usage/* answers 404`);
    return disabledUsageApiRouter(reason);
  }
  if (!url) throw new Error(`the usage API needs Prometheus: pass --prometheus-url or set ${PROMETHEUS_URL_ENV} (or drop the API token to disable the API)`);
  const client = new PrometheusClient({ url, timeoutMs: QUERY_TIMEOUT_MS });
  s.logger.info({ prometheus: client.url }, 'usage API enabled at /api/usage (bearer token required)');
  return createUsageApiRouter({ client, catalog: s.catalog, token: s.token, logger: s.logger });
}
