// Per-user and per-API-key usage limits (docs/limits.md), wired as one object: a RequestSink for
// the pipeline, totals synchronised from the request store at start and every minute, aggregate
// series for /metrics and the check behind GET /api/limits/check and the SDK's checkLimit().
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { Catalog } from '../../../catalog/src/schema.js';
import { defaultClock, type Clock } from '../clock.js';
import type { RequestRecord } from '../events/types.js';
import type { RequestSink } from '../ingest/pipeline.js';
import { pseudonymizer } from '../log/pseudonym.js';
import type { PriceResult } from '../pricing/pricer.js';
import type { RequestStore } from '../request-store/types.js';
import { checkSubject, type LimitCheck } from './check.js';
import { registerLimitMetrics } from './metrics.js';
import { LimitPolicy, SCOPES, type Scope } from './policy.js';
import { LimitTracker } from './tracker.js';

export type { CapStatus, LimitCheck } from './check.js';
export type { Cap, LimitKind, Scope } from './policy.js';
export { LIMIT_METRICS } from './metrics.js';

export interface UsageLimitsOptions {
  catalog: Catalog;
  /** The exporter's pseudonymisation key: the store's pseudonyms and the catalog's `id:` entries use it. */
  hashKey: string | Buffer;
  /** Usage of every replica; without one the totals are this process's alone. */
  store?: RequestStore;
  clock?: Clock;
  /** Subjects tracked in-process per scope; default 100,000. */
  maxSubjects?: number;
  /** How often totals are re-read from the store; default 60 s, 0 = only at start. */
  syncIntervalMs?: number;
  logger?: pino.Logger;
}

export class UsageLimits implements RequestSink {
  readonly policy: LimitPolicy;
  readonly tracker: LimitTracker;
  private readonly pseudonym: (id: string) => string;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(private readonly opts: UsageLimitsOptions) {
    this.pseudonym = pseudonymizer(opts.hashKey);
    this.clock = opts.clock ?? defaultClock();
    this.policy = new LimitPolicy(opts.catalog.usage_limits, this.pseudonym);
    this.tracker = new LimitTracker(this.policy, { pseudonym: this.pseudonym, clock: this.clock, maxSubjects: opts.maxSubjects });
  }

  request(rec: RequestRecord, price: PriceResult): void {
    this.tracker.request(rec, price);
  }

  /** Seeds the totals from the store (call before counting starts), then keeps them in step. */
  async start(): Promise<void> {
    const store = this.opts.store;
    if (!store) return;
    const warn = (e: Error) => this.opts.logger?.warn({ err: e.message }, 'usage limits: cannot read totals from the request store; retrying');
    // A store that is down at start must not keep the exporter down: a later sync catches up.
    await this.run('seed').catch(warn);
    const every = this.opts.syncIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.sync().catch(warn), every);
      this.timer.unref();
    }
  }

  /** One re-read of the store's totals (never two at once). */
  sync(): Promise<void> {
    return this.run('refresh');
  }

  private run(mode: 'seed' | 'refresh'): Promise<void> {
    if (!this.opts.store) return Promise.resolve();
    this.syncing ??= this.tracker.sync(this.opts.store, mode).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.syncing?.catch(() => {});
  }

  /** The limit families on /metrics, when the catalog sets any usage limit. */
  register(registry: Registry): void {
    if (!SCOPES.some((s) => this.policy.limits(s))) return;
    registerLimitMetrics(registry, () => this.tracker.summary(), this.policy.warningRatio);
  }

  /** Whether the subject (a raw user id or API key id, pseudonymised here) may make another call. */
  check(scope: Scope, id: string, team?: string): Promise<LimitCheck> {
    return checkSubject({ policy: this.policy, tracker: this.tracker, store: this.opts.store, nowMs: this.clock.now() }, scope, this.pseudonym(id), team);
  }
}
