// What the OTLP endpoints do with a decoded export request, apart from HTTP: GenAI spans become
// request records through the shared pipeline (once per call, whatever the nesting: nesting.ts);
// gen_ai.client.* metric points become aggregate increments; a service that sends spans has its
// metrics ignored so no call is counted twice; log records are read and counted as ignored.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { LineRejection, type RequestRecord } from '../../events/types.js';
import type { Pipeline } from '../../ingest/pipeline.js';
import { attributesKey, attributesToObject } from './attributes.js';
import { DEFAULT_MAX_STREAMS, DeltaTracker } from './deltas.js';
import { MetricsBatch, OPERATION_DURATION, TOKEN_USAGE, groupTotals } from './metrics.js';
import { DEFAULT_MAX_PENDING, Nesting, spanKey } from './nesting.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue, LogRecord } from './shapes.js';
import { DEFAULT_ATTRIBUTION, type AttributionOptions, serviceOf, spanToRecord } from './spans.js';
import { createOtlpStats, type OtlpStats } from './stats.js';

export interface OtlpOptions extends Partial<AttributionOptions> {
  /** Registry the receiver's counters are registered in (the renderer's, so /metrics shows them). */
  registry?: Registry;
  /** Cumulative metric streams remembered (default 50,000). */
  maxStreams?: number;
  /** Services remembered as span senders (default 10,000). */
  maxSpanServices?: number;
  /** Ancestors of counted calls remembered until their spans arrive (default 20,000; nesting.ts). */
  maxPendingAncestors?: number;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

export interface ExportResult {
  /** Spans or data points counted. */
  accepted: number;
  /** Spans or data points rejected: partial_success.rejected_spans / rejected_data_points. */
  rejected: number;
  /** The first few rejections, for partial_success.error_message ("" when none). */
  errorMessage: string;
}

/** Rejection messages quoted in error_message; the rest are only counted. */
const MAX_MESSAGES = 5;
/** Spans handled between yields to the event loop, so a large batch does not stall scrapes. */
const YIELD_EVERY = 2000;

class Rejections {
  count = 0;
  private readonly messages: string[] = [];

  add(where: string, e: unknown): void {
    this.count++;
    if (this.messages.length < MAX_MESSAGES) this.messages.push(`${where}: ${(e as Error).message}`);
  }

  message(): string {
    if (this.count === 0) return '';
    const more = this.count - this.messages.length;
    return this.messages.join('; ') + (more > 0 ? `; and ${more} more` : '');
  }
}

/** A model-call span read in the first pass of exportTraces. */
interface Call {
  rec: RequestRecord;
  service: string;
  key: string;
  name: string;
}

/** A counted call whose usage says a model ran: what makes the spans around it wrappers. */
function carriesUsage(rec: RequestRecord): boolean {
  return !rec.usageUnknown && (rec.tokens.input > 0 || rec.tokens.output > 0);
}

function isGenAiEvent(lr: LogRecord): boolean {
  if (typeof lr.eventName === 'string' && lr.eventName.startsWith('gen_ai.')) return true;
  // Older SDKs put the event name in an attribute.
  const attrs: KeyValue[] | null | undefined = lr.attributes;
  if (!attrs) return false;
  for (const kv of attrs) {
    const v = kv.key === 'event.name' ? kv.value?.stringValue : undefined;
    if (typeof v === 'string' && v.startsWith('gen_ai.')) return true;
  }
  return false;
}

export class OtlpReceiver {
  readonly stats: OtlpStats;
  private readonly attribution: AttributionOptions;
  private readonly tracker: DeltaTracker;
  /** Services (resource service.name) seen sending GenAI spans, oldest first. */
  private readonly spanServices = new Set<string>();
  private readonly maxSpanServices: number;
  private readonly nesting: Nesting;

  constructor(
    private readonly pipeline: Pipeline,
    opts: OtlpOptions = {},
  ) {
    this.attribution = {
      featureAttribute: opts.featureAttribute ?? DEFAULT_ATTRIBUTION.featureAttribute,
      teamAttribute: opts.teamAttribute ?? DEFAULT_ATTRIBUTION.teamAttribute,
    };
    this.stats = createOtlpStats(opts.registry);
    this.tracker = new DeltaTracker((opts.now ?? Date.now)(), opts.maxStreams ?? DEFAULT_MAX_STREAMS);
    this.maxSpanServices = opts.maxSpanServices ?? 10_000;
    this.nesting = new Nesting(opts.maxPendingAncestors ?? DEFAULT_MAX_PENDING);
  }

  /** True once a model-call span from the service was counted: its gen_ai.client.* metrics are then ignored. */
  sendsSpans(service: string): boolean {
    return this.spanServices.has(service);
  }

  async exportTraces(req: ExportTraceServiceRequest): Promise<ExportResult> {
    const rejections = new Rejections();
    // Two passes: every span is read first, so the nesting rule sees the whole request.
    const calls: Call[] = [];
    const keys: string[] = [];
    const parents: string[] = [];
    const carriers: number[] = [];
    let n = 0;
    for (const rs of req.resourceSpans ?? []) {
      const resource = attributesToObject(rs.resource?.attributes);
      const service = serviceOf(resource);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          if (++n % YIELD_EVERY === 0) await yieldToLoop();
          const key = spanKey(span.traceId, span.spanId);
          keys.push(key);
          parents.push(key === '' ? '' : spanKey(span.traceId, span.parentSpanId));
          let r: ReturnType<typeof spanToRecord>;
          try {
            r = spanToRecord(span, resource, this.attribution);
          } catch (e) {
            this.reject(rejections, `span "${span.name ?? ''}"`, e);
            continue;
          }
          if (r.kind === 'ignored') {
            this.stats.ignoredSpan(r.reason);
            continue;
          }
          if (carriesUsage(r.rec)) carriers.push(keys.length - 1);
          calls.push({ rec: r.rec, service, key, name: span.name ?? '' });
        }
      }
    }
    const wrappers = this.nesting.wrappers(keys, parents, carriers);
    let accepted = 0;
    for (let i = 0; i < calls.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
      const c = calls[i];
      if (c.key !== '' && wrappers.has(c.key)) {
        this.stats.ignoredSpan('wraps_model_calls');
        continue;
      }
      // Only a counted model-call span with known usage makes the service's metrics redundant: a
      // service whose spans are all rejected, lack usage, or are agent spans keeps its metrics counted.
      if (!c.rec.usageUnknown) this.markSpanService(c.service);
      const o = this.pipeline.ingestRecord(c.rec, 'otlp');
      if (o.ok) accepted++;
      else rejections.add(`span "${c.name}"`, new Error(o.message));
    }
    return { accepted, rejected: rejections.count, errorMessage: rejections.message() };
  }

  /**
   * Log records are read and counted as ignored. GenAI events (gen_ai.client.inference.operation.details
   * and the like, which OpenLIT sends) describe calls whose spans are counted: counting them too
   * would count each call twice.
   */
  exportLogs(req: ExportLogsServiceRequest): ExportResult {
    let genai = 0;
    let other = 0;
    for (const rl of req.resourceLogs ?? []) {
      for (const sl of rl.scopeLogs ?? []) {
        for (const lr of sl.logRecords ?? []) {
          if (isGenAiEvent(lr)) genai++;
          else other++;
        }
      }
    }
    if (genai > 0) this.stats.ignoredLogRecord('genai_event', genai);
    if (other > 0) this.stats.ignoredLogRecord('not_genai', other);
    return { accepted: 0, rejected: 0, errorMessage: '' };
  }

  exportMetrics(req: ExportMetricsServiceRequest): ExportResult {
    const rejections = new Rejections();
    let accepted = 0;
    const batch = new MetricsBatch(this.tracker, this.pipeline.store.latencyBuckets, this.attribution);
    for (const rm of req.resourceMetrics ?? []) {
      const resource = attributesToObject(rm.resource?.attributes);
      const spansWin = this.sendsSpans(serviceOf(resource));
      const resourceKey = attributesKey(resource);
      for (const sm of rm.scopeMetrics ?? []) {
        const src = { resource, resourceKey, streamPrefix: `${resourceKey}\u0001${sm.scope?.name ?? ''}\u0002${sm.scope?.version ?? ''}` };
        for (const metric of sm.metrics ?? []) {
          const name = metric.name ?? '';
          // Other metrics (the app's HTTP, runtime, vendor-specific ones) are not ours: skipped silently.
          if (name !== TOKEN_USAGE && name !== OPERATION_DURATION) continue;
          const h = MetricsBatch.histogram(metric);
          if (spansWin) {
            this.stats.ignoredPoint('spans_win', h?.points.length ?? 1);
            continue;
          }
          if (h === undefined) {
            // A gauge, sum or summary under a GenAI name: nothing we can difference. One rejection for
            // the metric, as its points are not declared (and so not decoded) at all.
            this.reject(rejections, `metric "${name}"`, new LineRejection('invalid_field', name, 'expected a Histogram or ExponentialHistogram'));
            continue;
          }
          for (const p of h.points) {
            try {
              const o = batch.add(h, p, src);
              // Like spans, a point is a "line" when it is counted or rejected, not when skipped on purpose.
              if (o.ok) {
                this.pipeline.stats.line('otlp');
                accepted++;
              } else {
                this.stats.ignoredPoint(o.ignored);
              }
            } catch (e) {
              this.reject(rejections, `metric "${name}"`, e);
            }
          }
        }
      }
    }
    this.record(batch);
    return { accepted, rejected: rejections.count, errorMessage: rejections.message() };
  }

  /** Prices and records each call group: n calls priced at their mean usage, times n. */
  private record(batch: MetricsBatch): void {
    const { pricer, store } = this.pipeline;
    for (const g of batch.groups.values()) {
      const t = groupTotals(g);
      if (t === undefined) continue;
      const { rec, calls } = t;
      // Priced per call and multiplied back: the same total for flat prices, and the right tier
      // (long-context surcharges are per call) when every call is close to the mean.
      const per = Math.max(calls, 1);
      const tokens = rec.tokens;
      const price = pricer.price({ ...rec, tokens: { ...tokens, input: tokens.input / per, output: tokens.output / per } });
      store.recordAggregate(rec, { costUsd: price.costUsd * per, revenueUsd: price.revenueUsd * per, priced: price.priced }, calls, g.latency);
    }
  }

  private markSpanService(service: string): void {
    if (this.spanServices.has(service)) return;
    this.spanServices.add(service);
    if (this.spanServices.size > this.maxSpanServices) this.spanServices.delete(this.spanServices.values().next().value as string);
  }

  /** Counts a rejection in ai_exporter_rejected_lines_total{source="otlp"} and for the response. */
  private reject(rejections: Rejections, where: string, e: unknown): void {
    this.pipeline.stats.line('otlp');
    this.pipeline.stats.reject('otlp', e instanceof LineRejection ? e.reason : 'invalid_field');
    rejections.add(where, e);
  }
}
