// How `tokenscope serve` turns its settings into the request-store half of /api/usage, and says in
// the log which state it is in. Without an API token the whole of /api/usage is off (the
// Prometheus half answers that 404); with a token but no store, the store paths answer a 404
// saying how to turn the store on.
import express, { type RequestHandler } from 'express';
import type pino from 'pino';
import type { Catalog } from '../../../catalog/src/schema.js';
import type { RequestStore } from '../../../exporter/src/request-store/types.js';
import { createStoreApiRouter, storeDisabledRouter } from './store-router.js';

export const STORE_DISABLED_REASON = 'no request store configured; start the exporter with --store (sqlite:PATH or postgres://…, docs/usage-api.md)';

export interface StoreApiSettings {
  store?: RequestStore;
  /** The usage API's bearer token (setup.ts): --api-token-file, else env TOKENSCOPE_API_TOKEN. */
  token?: string;
  catalog: Catalog;
  logger: pino.Logger;
}

export function storeApiFromSettings(s: StoreApiSettings): RequestHandler {
  if (!s.token) return express.Router(); // passes through to the disabled usage API's 404
  if (!s.store) {
    s.logger.info(`usage log API disabled: ${STORE_DISABLED_REASON}`);
    return storeDisabledRouter(s.token, STORE_DISABLED_REASON);
  }
  s.logger.info({ store: s.store.kind }, 'usage log API enabled at /api/usage/log, /sessions and /users (bearer token required)');
  return createStoreApiRouter({ store: s.store, catalog: s.catalog, token: s.token, logger: s.logger });
}
