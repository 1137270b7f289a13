// gen_ai.client.token.usage and gen_ai.client.operation.duration histogram points → aggregate
// request counts. These metrics summarise many calls, so they are not per-request records: each
// point's increment since the last one (deltas.ts) is joined with the other points describing the
// same calls (same resource and attributes, gen_ai.token.type aside) and recorded as
// "n requests, these token totals" through UsageStore.recordAggregate. docs/otlp.md, "Aggregates".
import { genAiAttributesToRecord } from '../../adapters/index.js';
import { type JsonObject, invalid, missing } from '../../adapters/fields.js';
import { LineRejection, type RequestRecord } from '../../events/types.js';
import { bucketIndex } from '../../store/buckets.js';
import { applyAttribution, type AttributionOptions } from './spans.js';
import { attributesKey, attributesToObject, toNumber } from './attributes.js';
import type { DeltaResult, DeltaTracker, StreamPoint, Totals } from './deltas.js';
import { type ExponentialHistogramDataPoint, FLAG_NO_RECORDED_VALUE, type HistogramDataPoint, type Metric, TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA } from './schema.js';

export const TOKEN_USAGE = 'gen_ai.client.token.usage';
export const OPERATION_DURATION = 'gen_ai.client.operation.duration';

const TOKEN_TYPE = 'gen_ai.token.type';
const TOKEN_TYPES: Record<string, 'input' | 'output'> = { input: 'input', output: 'output', prompt: 'input', completion: 'output' };

/** The calls one attribute set describes, within one export request. */
export interface CallGroup {
  rec: RequestRecord;
  input: number;
  output: number;
  /** Calls counted by the token histograms (each call records one input and one output value). */
  inputCalls: number;
  outputCalls: number;
  /** Calls counted by the duration histogram: every call, failed ones included. */
  durationCalls: number;
  hasDuration: boolean;
  latency: { buckets: number[]; sum: number; count: number } | undefined;
}

/** The increment one point brings, once validated and differenced. */
export type PointOutcome = { ok: true } | { ok: false; ignored: 'baseline' | 'stale' | 'no_value' };

/** A gen_ai histogram's points, whatever its kind. */
export interface GenAiHistogram {
  name: string;
  temporality: number;
  exponential: boolean;
  points: Array<HistogramDataPoint | ExponentialHistogramDataPoint>;
}

/** Where a point comes from: its resource (attributes and key) and its scope's stream-key prefix. */
export interface PointSource {
  resource: JsonObject;
  resourceKey: string;
  streamPrefix: string;
}

/**
 * Collects the points of one export request into call groups. A rejection (LineRejection) is
 * thrown per point; the caller counts it and moves on to the next point.
 */
export class MetricsBatch {
  readonly groups = new Map<string, CallGroup>();
  /** Rejections of a call group's record, so every point of the group is rejected the same way. */
  private readonly badGroups = new Map<string, LineRejection>();

  constructor(
    private readonly tracker: DeltaTracker,
    private readonly latencyBounds: readonly number[],
    private readonly attribution: AttributionOptions,
  ) {}

  /** A gen_ai metric's points, or undefined when it is not a histogram of either kind. */
  static histogram(metric: Metric): GenAiHistogram | undefined {
    const name = metric.name ?? '';
    if (metric.histogram) {
      const h = metric.histogram;
      return { name, temporality: h.aggregationTemporality ?? 0, exponential: false, points: h.dataPoints ?? [] };
    }
    if (metric.exponentialHistogram) {
      const h = metric.exponentialHistogram;
      return { name, temporality: h.aggregationTemporality ?? 0, exponential: true, points: h.dataPoints ?? [] };
    }
    return undefined;
  }

  add(h: GenAiHistogram, point: HistogramDataPoint | ExponentialHistogramDataPoint, src: PointSource): PointOutcome {
    const { name: metricName, temporality, exponential } = h;
    if ((point.flags ?? 0) & FLAG_NO_RECORDED_VALUE) return { ok: false, ignored: 'no_value' };
    if (temporality !== TEMPORALITY_CUMULATIVE && temporality !== TEMPORALITY_DELTA) {
      throw invalid(`${metricName}.aggregationTemporality`, 'DELTA (1) or CUMULATIVE (2)', temporality);
    }
    const attrs = attributesToObject(point.attributes);
    const isTokens = metricName === TOKEN_USAGE;
    let tokenType: 'input' | 'output' | undefined;
    if (isTokens) {
      const t = attrs[TOKEN_TYPE];
      if (t === undefined) throw missing(`${metricName} attributes.${TOKEN_TYPE}`, '"input" or "output"');
      tokenType = typeof t === 'string' ? TOKEN_TYPES[t] : undefined;
      if (tokenType === undefined) throw invalid(`${metricName} attributes.${TOKEN_TYPE}`, '"input" or "output"', t);
    }

    // Validate the call's description before any state is touched, so a rejected point leaves none.
    const callKey = `${src.resourceKey}\u0001${attributesKey(attrs, TOKEN_TYPE)}`;
    const bad = this.badGroups.get(callKey);
    if (bad) throw bad;
    let group = this.groups.get(callKey);
    if (group === undefined) {
      try {
        group = this.newGroup(attrs, src.resource, point);
      } catch (e) {
        if (e instanceof LineRejection) this.badGroups.set(callKey, e);
        throw e;
      }
    }

    const totals = this.totals(metricName, point, exponential, !isTokens);
    const sp: StreamPoint = { ...totals, startNs: toNumber(point.startTimeUnixNano), timeNs: toNumber(point.timeUnixNano) };
    // The stream is the point's own attribute set (token type included) under its resource and scope.
    const streamKey = `${src.streamPrefix}\u0001${metricName}\u0001${attributesKey(attrs)}`;
    const r: DeltaResult = temporality === TEMPORALITY_CUMULATIVE ? this.tracker.cumulative(streamKey, sp) : this.tracker.delta(streamKey, sp);
    if (!r.ok) return { ok: false, ignored: r.reason };
    this.groups.set(callKey, group);

    const d = r.delta;
    const timeMs = Math.round(sp.timeNs / 1e6);
    if (timeMs > group.rec.timestampMs) group.rec.timestampMs = timeMs;
    if (tokenType === 'input') {
      group.input += d.sum;
      group.inputCalls += d.count;
    } else if (tokenType === 'output') {
      group.output += d.sum;
      group.outputCalls += d.count;
    } else {
      group.hasDuration = true;
      group.durationCalls += d.count;
      if (d.count > 0) this.addLatency(group, d);
    }
    return { ok: true };
  }

  private newGroup(attrs: JsonObject, resource: JsonObject, point: HistogramDataPoint | ExponentialHistogramDataPoint): CallGroup {
    // The adapter's mapping, fed the point's attributes: provider, model, error.type, tokenscope.*.
    // It finds no usage attributes here and yields zero tokens: the tokens come from the histograms,
    // so the usage is known, not unknown.
    const timeMs = Math.round(toNumber(point.timeUnixNano) / 1e6);
    const rec = genAiAttributesToRecord(attrs, { startMs: timeMs, resource, pathPrefix: 'attributes.', source: 'semconv' });
    rec.usageUnknown = undefined;
    applyAttribution(rec, attrs, resource, this.attribution);
    return { rec, input: 0, output: 0, inputCalls: 0, outputCalls: 0, durationCalls: 0, hasDuration: false, latency: undefined };
  }

  /** Count, sum and (for durations) bucket counts on the store's latency layout, validated. */
  private totals(metricName: string, p: HistogramDataPoint | ExponentialHistogramDataPoint, exponential: boolean, latency: boolean): Totals {
    const count = toNumber(p.count);
    if (!Number.isSafeInteger(count) || count < 0) throw invalid(`${metricName} count`, 'a non-negative integer', String(p.count));
    const sum = p.sum;
    if (sum === undefined || sum === null) {
      if (count > 0) throw missing(`${metricName} sum`, 'the sum of the recorded values');
      return { count, sum: 0 };
    }
    if (typeof sum !== 'number' || !Number.isFinite(sum) || sum < 0) throw invalid(`${metricName} sum`, 'a finite non-negative number', sum);
    if (!latency) return { count, sum };
    const buckets = exponential ? this.fromExponential(p as ExponentialHistogramDataPoint) : this.fromExplicit(metricName, p as HistogramDataPoint);
    return { count, sum, buckets };
  }

  /**
   * OTel bucket counts re-bucketed onto the store's latency bounds: each OTel bucket goes to the store
   * bucket holding its upper bound. Exact where the store's bounds include the OTel ones; otherwise
   * a call is counted as at most that bound, never as faster than it was.
   */
  private fromExplicit(metricName: string, p: HistogramDataPoint): number[] | undefined {
    const counts = p.bucketCounts ?? [];
    const bounds = p.explicitBounds ?? [];
    if (counts.length === 0) return undefined;
    if (counts.length !== bounds.length + 1) {
      throw invalid(`${metricName} bucketCounts`, `explicitBounds.length + 1 (${bounds.length + 1}) counts`, `${counts.length} counts`);
    }
    const out = new Array<number>(this.latencyBounds.length + 1).fill(0);
    for (let i = 0; i < counts.length; i++) {
      const c = toNumber(counts[i]);
      if (c > 0) out[i < bounds.length ? bucketIndex(this.latencyBounds, bounds[i]) : this.latencyBounds.length] += c;
    }
    return out;
  }

  /** Exponential buckets: bucket index i holds (base^i, base^(i+1)] with base = 2^(2^-scale). */
  private fromExponential(p: ExponentialHistogramDataPoint): number[] {
    const out = new Array<number>(this.latencyBounds.length + 1).fill(0);
    out[0] += toNumber(p.zeroCount);
    const pos = p.positive;
    const counts = pos?.bucketCounts ?? [];
    const offset = pos?.offset ?? 0;
    const exponent = Math.pow(2, -(p.scale ?? 0));
    for (let k = 0; k < counts.length; k++) {
      const c = toNumber(counts[k]);
      if (c > 0) out[bucketIndex(this.latencyBounds, Math.pow(2, (offset + k + 1) * exponent))] += c;
    }
    return out;
  }

  private addLatency(group: CallGroup, d: Totals): void {
    const n = this.latencyBounds.length + 1;
    group.latency ??= { buckets: new Array<number>(n).fill(0), sum: 0, count: 0 };
    const l = group.latency;
    l.sum += d.sum;
    l.count += d.count;
    if (d.count === 1) {
      l.buckets[bucketIndex(this.latencyBounds, d.sum)]++; // one call: its duration is the sum, exactly
    } else if (d.buckets !== undefined && d.buckets.length === n) {
      for (let i = 0; i < n; i++) l.buckets[i] += d.buckets[i];
    } else {
      l.buckets[bucketIndex(this.latencyBounds, d.sum / d.count)] += d.count; // no split known: the mean
    }
  }
}

/** The aggregate a call group amounts to; undefined when it brought nothing new. */
export function groupTotals(g: CallGroup): { rec: RequestRecord; calls: number } | undefined {
  // Durations count every call (failures too); without them, the token histograms count the calls.
  const calls = g.hasDuration ? g.durationCalls : Math.max(g.inputCalls, g.outputCalls);
  const input = Math.round(g.input);
  const output = Math.round(g.output);
  if (calls === 0 && input === 0 && output === 0) return undefined;
  g.rec.tokens = { input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  return { rec: g.rec, calls };
}
