// POST /v1/events: a JSON array (or one event object) or NDJSON, each event through the pipeline
// on its own so one bad event is rejected alone. The body is bounded on the wire and after
// decompression (body.ts); long batches yield to the event loop (slice.ts). docs/ingest-http.md.
import type { Request, RequestHandler, Response } from 'express';
import type pino from 'pino';
import type { Outcome, Pipeline } from '../../ingest/pipeline.js';
import { HttpError, bodyKind, contentCoding, describePosition, discardBody, readBody, splitJsonArray, type BodyKind } from './body.js';
import { Slice } from './slice.js';

export { HttpError } from './body.js';

/** Rejections listed in one response; the rest are only counted (rejected_truncated). */
export const MAX_REJECTIONS_LISTED = 1000;

export interface Rejection {
  /** 0-based: the element's position in a JSON array, or the line's index in NDJSON (blank lines included). */
  index: number;
  /** NDJSON only: the 1-based line number (index + 1). */
  line?: number;
  reason: string;
  message: string;
}

export interface IngestResponse {
  /** Events counted. */
  accepted: number;
  /** Events dropped because their request_id was already counted within the dedupe window. */
  duplicates: number;
  /** The first MAX_REJECTIONS_LISTED rejected events, in body order. */
  rejected: Rejection[];
  /** Rejected events left out of `rejected`. */
  rejected_truncated: number;
}

/** Writes an HttpError as its JSON body, with its headers (e.g. WWW-Authenticate). */
export function sendError(res: Response, e: HttpError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json(e.body());
}

/** Counts outcomes and keeps the first MAX_REJECTIONS_LISTED rejections. */
class Tally implements IngestResponse {
  accepted = 0;
  duplicates = 0;
  rejected: Rejection[] = [];
  rejected_truncated = 0;

  add(o: Outcome, index: number, line?: number): void {
    if (o.ok) {
      if (o.duplicate) this.duplicates++;
      else this.accepted++;
    } else if (this.rejected.length < MAX_REJECTIONS_LISTED) {
      this.rejected.push(line === undefined ? { index, reason: o.reason, message: o.message } : { index, line, reason: o.reason, message: o.message });
    } else {
      this.rejected_truncated++;
    }
  }

  get rejectedTotal(): number {
    return this.rejected.length + this.rejected_truncated;
  }

  toJSON(): IngestResponse {
    return { accepted: this.accepted, duplicates: this.duplicates, rejected: this.rejected, rejected_truncated: this.rejected_truncated };
  }
}

async function ingestJson(pipeline: Pipeline, text: string, tally: Tally): Promise<void> {
  let parsed: unknown;
  let parsedOk = false;
  try {
    parsed = JSON.parse(text);
    parsedOk = true;
  } catch {
    // Fall through: split the array and parse element by element, so one bad event is rejected alone.
  }
  if (parsedOk) {
    if (Array.isArray(parsed)) {
      const slice = new Slice();
      for (let i = 0; i < parsed.length; i++) {
        tally.add(pipeline.ingestObject(parsed[i], 'http'), i);
        if (slice.due()) await slice.pause();
      }
      return;
    }
    if (parsed !== null && typeof parsed === 'object') {
      tally.add(pipeline.ingestObject(parsed, 'http'), 0); // one event object: a batch of one
      return;
    }
    throw new HttpError(400, 'invalid_body', `expected a JSON array of events ${describePosition(text, text.search(/\S/))}, got ${parsed === null ? 'null' : typeof parsed}`, {
      position: Math.max(0, text.search(/\S/)),
    });
  }
  const first = text.search(/\S/);
  if (first >= 0 && text.charCodeAt(first) === 0x7b) {
    // A single (malformed) event object: reject it as event 0 with the adapter's reason.
    tally.add(pipeline.ingestLine(text.trim(), 'http'), 0);
    return;
  }
  const split = splitJsonArray(text);
  if (!split.ok) {
    throw new HttpError(400, 'invalid_body', `${split.message} ${describePosition(text, split.position)}`, { position: split.position });
  }
  const els = split.elements;
  const slice = new Slice();
  for (let i = 0; i < els.length; i++) {
    tally.add(pipeline.ingestLine(text.slice(els[i][0], els[i][1]), 'http'), i);
    if (slice.due()) await slice.pause();
  }
}

function hasContent(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return true;
  }
  return false;
}

async function ingestNdjson(pipeline: Pipeline, text: string, tally: Tally): Promise<void> {
  let index = 0;
  const slice = new Slice();
  for (let start = 0; start < text.length; index++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    // Blank lines are skipped, neither counted nor rejected (but they keep line numbers right).
    if (hasContent(text, start, end)) {
      tally.add(pipeline.ingestLine(text.slice(start, end), 'http'), index, index + 1);
      if (slice.due()) await slice.pause();
    }
    start = next;
  }
}

/** The POST /v1/events handler; `limit` bounds the body (wire and decompressed). */
export function eventsHandler(pipeline: Pipeline, limit: number, logger: pino.Logger): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    let kind: BodyKind;
    let text: string;
    try {
      const coding = contentCoding(req.headers['content-encoding']);
      kind = bodyKind(req.headers['content-type']);
      const buf = await readBody(req, limit, coding);
      text = buf.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM
    } catch (e) {
      if (e instanceof HttpError) {
        // The unread rest of the body is drained (bounded) rather than the socket closed: closing
        // with unread data makes TCP reset the connection and the client never sees the 413.
        discardBody(req, limit);
        sendError(res, e);
        return;
      }
      throw e;
    }
    const tally = new Tally();
    try {
      if (kind === 'json') await ingestJson(pipeline, text, tally);
      else await ingestNdjson(pipeline, text, tally);
    } catch (e) {
      if (e instanceof HttpError) {
        sendError(res, e);
        return;
      }
      throw e;
    }
    logger.debug({ accepted: tally.accepted, duplicates: tally.duplicates, rejected: tally.rejectedTotal }, 'ingested HTTP batch');
    if (tally.accepted === 0 && tally.duplicates === 0 && tally.rejectedTotal > 0) {
      // Nothing in the body was usable: say so with a 4xx so a client does not mistake it for success.
      res.status(400).json({ error: 'no_valid_events', message: `none of the ${tally.rejectedTotal} events could be ingested`, ...tally.toJSON() });
      return;
    }
    res.status(200).json(tally.toJSON());
  };
}
