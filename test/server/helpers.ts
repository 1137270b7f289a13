// Shared by the server, sdk and log tests: a real Pipeline on the real catalog, served on an
// ephemeral loopback port, and readers for what a scraper would see.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { loadCatalog } from '../../catalog/src/load.js';
import type { Catalog } from '../../catalog/src/schema.js';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { MetricsRenderer } from '../../exporter/src/exposition/renderer.js';
import { createApp, type AppOptions } from '../../exporter/src/server/app.js';
import { parseExposition, sum, type Sample } from '../support/exposition.js';

let catalog: Catalog | undefined;
export function realCatalog(): Catalog {
  catalog ??= loadCatalog();
  return catalog;
}

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(app: Express): Promise<Running> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (err?: Error) => {
      if (err) return reject(err);
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

export interface Harness extends Running {
  pipeline: Pipeline;
  renderer: MetricsRenderer;
  samples(): Promise<Sample[]>;
}

export async function startExporter(opts: Partial<Omit<AppOptions, 'pipeline' | 'renderer'>> = {}): Promise<Harness> {
  const pipeline = new Pipeline(realCatalog());
  const renderer = new MetricsRenderer(pipeline, { processMetrics: false });
  const running = await listen(createApp({ pipeline, renderer, ...opts }));
  return {
    ...running,
    pipeline,
    renderer,
    async samples() {
      const res = await fetch(`${running.url}/metrics`);
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
      return parseExposition(await res.text());
    },
  };
}

export { sum };

/** A canonical event (docs/events.md) for a model the catalog prices. */
export function event(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: '2025-06-01T12:00:00Z',
    provider: 'openai',
    model: 'gpt-4o',
    feature: 'chat',
    team: 'search',
    input_tokens: 100 + i,
    output_tokens: 10 + i,
    ...extra,
  };
}

export function postEvents(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/v1/events`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}
