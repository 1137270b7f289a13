// Express middleware for applications that proxy LLM calls: it wraps res.json, and when the route
// returns the provider's response body (OpenAI chat completion or response, Anthropic message,
// Gemini generateContent) it records one event. The body is handed to the tracker as an envelope
// ({attribution..., response: body}), so how each provider counts tokens is decided only by the
// adapters. Tracking never breaks the app: any failure is logged and the response goes out as is.
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import pino from 'pino';
import type { Outcome } from '../../ingest/pipeline.js';
import type { TrackEvent } from './track.js';

/** What the middleware needs of a tracker (a Tracker from createTracker() fits). */
export interface TrackTarget {
  track(event: TrackEvent): Outcome;
}

export interface TrackTokensOptions {
  /** The provider slug for this request; default: inferred from the response body by the adapters. */
  provider?: (req: Request, body: unknown) => string | undefined;
  /** Where tracking failures are logged; default a pino logger on stderr at "warn". */
  logger?: pino.Logger;
}

/**
 * The envelope recorded for one request (see docs/ingest-http.md): a TrackEvent in envelope form,
 * with the fields the middleware always knows made required.
 */
export type RequestEnvelope = Pick<TrackEvent, 'provider' | 'model' | 'feature' | 'team' | 'project' | 'user_id' | 'session_id' | 'request_id' | 'response'> & {
  timestamp: string;
  latency_ms: number;
  status_code: number;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s : undefined;
}

function idString(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A body that reports token usage: what a proxied LLM call returns. */
function hasUsage(body: unknown): boolean {
  return isObject(body) && (isObject(body.usage) || isObject(body.usageMetadata));
}

/**
 * For failed calls whose body does not say who served them (the app's own error JSON, an HTML
 * error page): the provider from well-known model name prefixes, or undefined.
 */
export function providerFromModel(model: string | undefined): string | undefined {
  if (!model) return undefined;
  const m = model.toLowerCase();
  if (m.startsWith('claude')) return 'anthropic';
  if (m.startsWith('gemini')) return 'google';
  if (m.startsWith('gpt-') || m.startsWith('chatgpt') || /^o\d/.test(m)) return 'openai';
  return undefined;
}

let defaultLogger: pino.Logger | undefined;
function fallbackLogger(): pino.Logger {
  defaultLogger ??= pino({ name: 'tokenscope', level: 'warn', base: undefined }, pino.destination(2));
  return defaultLogger;
}

export function trackTokens(tracker: TrackTarget, opts: TrackTokensOptions = {}): RequestHandler {
  return function tokenscopeTrackTokens(req: Request, res: Response, next: NextFunction): void {
    const startedAt = Date.now();
    const t0 = performance.now();
    let recorded = false;

    const record = (body: unknown, hasBody: boolean): void => {
      if (recorded) return;
      try {
        const status = res.statusCode;
        const failed = status >= 400;
        // Successful responses without usage are not LLM calls (health checks, app JSON): skip them.
        if (!failed && !hasUsage(body)) return;
        const reqBody = isObject(req.body) ? req.body : undefined;
        const model = idString(isObject(body) ? body.model : undefined) ?? idString(reqBody?.model);
        let provider = opts.provider?.(req, body);
        if (failed) {
          provider ??= providerFromModel(model);
          // A failure we can say nothing about (no model, no provider) is not an LLM call we can attribute.
          if (!model && !provider && !hasUsage(body)) return;
        }
        recorded = true;
        const r = req as Request & { user?: { id?: unknown }; session?: { id?: unknown }; id?: unknown };
        const envelope: RequestEnvelope = {
          timestamp: new Date(startedAt).toISOString(),
          provider,
          model,
          feature: header(req, 'x-feature'),
          team: header(req, 'x-team'),
          project: header(req, 'x-project'),
          user_id: idString(r.user?.id),
          session_id: idString(r.session?.id),
          request_id: header(req, 'x-request-id') ?? idString(r.id),
          latency_ms: Math.round((performance.now() - t0) * 1000) / 1000,
          status_code: status,
          // Only a JSON object can be a provider body; anything else (an HTML error page) is left out.
          response: hasBody && isObject(body) ? body : undefined,
        };
        const outcome = tracker.track(envelope as TrackEvent);
        if (!outcome.ok) {
          (opts.logger ?? fallbackLogger()).warn({ reason: outcome.reason, path: req.path, status_code: status }, `tokenscope: request not tracked: ${outcome.message}`);
        }
      } catch (err) {
        try {
          (opts.logger ?? fallbackLogger()).warn({ err, path: req.path }, 'tokenscope: tracking failed; the response is unaffected');
        } catch {
          // Not even logging may break the response.
        }
      }
    };

    const originalJson = res.json;
    res.json = function trackedJson(this: Response, body?: unknown) {
      record(body, true);
      return originalJson.call(this, body);
    } as Response['json'];
    // Failures answered without res.json (express's default error page, res.send, res.end).
    res.once('finish', () => {
      if (!recorded && res.statusCode >= 400) record(undefined, false);
    });
    next();
  };
}
