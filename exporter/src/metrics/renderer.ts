// Builds the /metrics body. Overlapping scrapes share one render (at ~40k series and a 1 s scrape
// interval, independent renders piled up and half the scrapes timed out), and an unchanged store
// is not rendered twice.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Pipeline } from '../ingest/pipeline.js';
import { defaultClock } from '../clock.js';
import { activePriceData } from '../pricing/price-data.js';
import { renderCatalogSeries, renderPriceDataSeries } from './catalog-series.js';
import type { Format } from './exposition.js';
import { VERSION } from '../version.js';

export class MetricsRenderer {
  readonly registry = new Registry();
  private readonly catalogText: string;
  private inflight: Promise<string> | undefined;
  private cached: { version: number; usage: string } | undefined;
  /** Renders done, for tests and the bench (shared scrapes do not add to it). */
  renders = 0;

  constructor(
    private readonly pipeline: Pipeline,
    opts: { processMetrics?: boolean } = {},
  ) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'ai_exporter_' });
    this.catalogText = renderCatalogSeries(pipeline.catalog, pipeline.pricer.priceTable(), { version: VERSION });
  }

  /** The usage and health part, synchronous: also used by `ingest --once` and backfill. */
  renderUsage(format: Format = 'prometheus', timestampMs?: number): string {
    const p = this.pipeline;
    return p.store.render(format, timestampMs) + p.stats.render(format, timestampMs);
  }

  renderCatalog(format: Format = 'prometheus', timestampMs?: number): string {
    // The price-data series are rendered every time: ai_exporter_price_data_stale changes with time.
    const priceData = renderPriceDataSeries(activePriceData(), defaultClock().now(), format, timestampMs);
    if (format === 'prometheus' && timestampMs === undefined) return this.catalogText + priceData;
    return renderCatalogSeries(this.pipeline.catalog, this.pipeline.pricer.priceTable(), { version: VERSION }, format, timestampMs) + priceData;
  }

  /** The whole scrape body; concurrent callers get the same promise. */
  metrics(): Promise<string> {
    this.inflight ??= this.build().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async build(): Promise<string> {
    // Usage text depends only on the store and stats; both bump on every line.
    const version = this.pipeline.store.version + this.pipeline.stats.version;
    if (!this.cached || this.cached.version !== version) {
      this.cached = { version, usage: this.renderUsage() };
      this.renders++;
    }
    const process = await this.registry.metrics();
    return this.cached.usage + this.renderCatalog() + process;
  }
}
