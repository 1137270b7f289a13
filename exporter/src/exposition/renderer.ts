// Builds the /metrics body. Overlapping scrapes share one render (at ~40k series and a 1 s scrape
// interval, independent renders piled up and half the scrapes timed out), and an unchanged store
// is not rendered twice.
//
// Two modes. Live (the default; `serve --no-state`, the SDK): each scrape renders what is counted
// now, reusing the text while nothing changed. Checkpointed (`serve` with durable state): the usage
// part is rendered by prepare(), which the periodic save calls one turn before it saves, and
// published by checkpoint(), which the save calls once the state is on disk. Counters only grow, so
// what was rendered before a save is at or below what it wrote: /metrics never shows a count the
// state on disk does not cover. (Rendering in the save's own turn would do too, but blocked the
// loop for the render and the save back to back, ~100 ms at 50k samples.) After a kill -9 the
// counters restore to that state, never below a value already scraped: Prometheus sees no counter
// reset and increase() does not count the difference again (docs/exporter.md, "Durable state").
// A scrape then sends the body built for the last checkpoint: its cost no longer depends on how
// much is being ingested.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Pipeline } from '../ingest/pipeline.js';
import { defaultClock } from '../clock.js';
import { activePriceData } from '../pricing/price-data.js';
import { renderCatalogSeries, renderPriceDataSeries } from './catalog-series.js';
import type { Format } from './exposition.js';
import { VERSION } from '../version.js';

export interface RendererOptions {
  processMetrics?: boolean;
  /** Serve only what prepare() rendered and a later checkpoint() published. */
  checkpointed?: boolean;
}

export class MetricsRenderer {
  readonly registry = new Registry();
  /** Re-rendered when the store gains a (provider, model) tuple: observed snapshot ids get catalog rows. */
  private catalogText: { tuples: number; text: string } | undefined;
  private inflight: Promise<string> | undefined;
  private cached: { version: number; usage: string } | undefined;
  /** Checkpointed mode: bumped by every checkpoint(); the body below is reused until it changes. */
  private generation = 0;
  private generationAt = 0;
  /** Checkpointed mode: rendered by prepare(), not yet covered by a save. */
  private pending: { version: number; usage: string } | undefined;
  private body: { generation: number; text: string } | undefined;
  /** Renders of the usage part done, for tests and the bench (shared scrapes do not add to it). */
  renders = 0;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly opts: RendererOptions = {},
  ) {
    // Standard names (process_*, nodejs_*), so the usual Node.js dashboards and alerts find them.
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // What the pipeline holds when the renderer is made (restored from the state file, or nothing) is covered.
    if (opts.checkpointed) this.refreshUsage();
  }

  get checkpointed(): boolean {
    return this.opts.checkpointed === true;
  }

  /** Checkpointed mode: renders the counters as they are now, for the next checkpoint() to publish. */
  prepare(): void {
    if (!this.checkpointed) return;
    const version = this.pipeline.store.version + this.pipeline.stats.version;
    if ((this.pending ?? this.cached)?.version === version) return;
    this.pending = { version, usage: this.renderUsage() };
    this.renders++;
  }

  /**
   * Checkpointed mode: a state was saved (call it right after the save, before any other line is
   * counted): what prepare() rendered before it is covered and served from now on. The process
   * metrics are refreshed with it. A no-op in live mode.
   */
  checkpoint(): void {
    if (!this.checkpointed) return;
    const now = performance.now();
    if (this.pending) {
      this.cached = this.pending;
      this.pending = undefined;
    } else if (now - this.generationAt < 1000) {
      return; // an extra save (a catch-up's, log/checkpoint-gate.ts) with nothing new rendered: keep the body and its gzip
    }
    this.generation++;
    this.generationAt = now;
  }

  /** The usage and health part, synchronous: also used by `ingest --once` and backfill. */
  renderUsage(format: Format = 'prometheus', timestampMs?: number): string {
    const p = this.pipeline;
    return p.store.render(format, timestampMs) + p.stats.render(format, timestampMs);
  }

  renderCatalog(format: Format = 'prometheus', timestampMs?: number): string {
    // The price-data series are rendered every time: ai_exporter_price_data_stale changes with time.
    const priceData = renderPriceDataSeries(activePriceData(), defaultClock().now(), format, timestampMs);
    const pm = this.pipeline.store.providerModels;
    const observed = () => [...pm.values()].map((s) => [s.values[0], s.values[1]] as const);
    if (format === 'prometheus' && timestampMs === undefined) {
      if (this.catalogText?.tuples !== pm.size) {
        this.catalogText = { tuples: pm.size, text: renderCatalogSeries(this.pipeline.catalog, this.pipeline.pricer.priceTable(), { version: VERSION }, format, undefined, observed()) };
      }
      return this.catalogText.text + priceData;
    }
    return renderCatalogSeries(this.pipeline.catalog, this.pipeline.pricer.priceTable(), { version: VERSION }, format, timestampMs, observed()) + priceData;
  }

  /**
   * The whole scrape body; concurrent callers get the same promise. In checkpointed mode the same
   * string until the next checkpoint (the process metrics in it are refreshed then too), so the
   * HTTP layer compresses it once per checkpoint.
   */
  metrics(): Promise<string> {
    if (this.checkpointed && this.body?.generation === this.generation) return Promise.resolve(this.body.text);
    this.inflight ??= this.build().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private refreshUsage(): void {
    // Usage text depends only on the store and stats; both bump on every line.
    const version = this.pipeline.store.version + this.pipeline.stats.version;
    if (!this.cached || this.cached.version !== version) {
      this.cached = { version, usage: this.renderUsage() };
      this.renders++;
    }
  }

  private async build(): Promise<string> {
    const generation = this.generation;
    if (!this.checkpointed) this.refreshUsage();
    const usage = this.cached!.usage;
    const process = await this.registry.metrics();
    const text = usage + this.renderCatalog() + process;
    if (this.checkpointed && (!this.body || this.body.generation < generation)) this.body = { generation, text };
    return text;
  }
}
