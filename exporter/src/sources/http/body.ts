// Reading and splitting POST /v1/events bodies. The raw body is read by hand (not express.json())
// so that one bad event rejects that event, not the batch, and so that the size limit applies to
// the decompressed body as well as to the bytes on the wire (a 50 KB gzip of zeros inflates to
// 50 MB: a zip bomb is stopped after `limit` decompressed bytes, never buffered whole).
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/** An HTTP error with a JSON body `{error, message, ...extra}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.extra };
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export function tooLarge(limit: number, what: 'request body' | 'decompressed request body'): HttpError {
  return new HttpError(413, 'payload_too_large', `${what} exceeds the limit of ${limit} bytes (${formatBytes(limit)}); split the batch`, {
    limit_bytes: limit,
  });
}

export type ContentCoding = 'identity' | 'gzip' | 'deflate';

/** The body's Content-Encoding; anything else is 415 (RFC 7694). */
export function contentCoding(header: string | undefined): ContentCoding {
  const v = (header ?? '').trim().toLowerCase();
  if (v === '' || v === 'identity') return 'identity';
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate') return 'deflate';
  throw new HttpError(415, 'unsupported_media_type', `unsupported Content-Encoding "${v}"; use gzip, deflate or none`, {}, { 'Accept-Encoding': 'gzip, deflate' });
}

export type BodyKind = 'json' | 'ndjson';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines', 'text/plain']);
const ACCEPTED_TYPES = 'application/json (an array of events), application/x-ndjson, application/jsonl or text/plain (one event per line)';

/** The body's media type: a JSON array, or newline-delimited JSON. Anything else is 415. */
export function bodyKind(header: string | undefined): BodyKind {
  if (!header) throw new HttpError(415, 'unsupported_media_type', `missing Content-Type; expected ${ACCEPTED_TYPES}`);
  const [type, ...params] = header.split(';');
  const media = type.trim().toLowerCase();
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset') {
      const cs = (v ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
      if (cs !== 'utf-8' && cs !== 'utf8') throw new HttpError(415, 'unsupported_media_type', `unsupported charset "${cs}"; bodies must be UTF-8`);
    }
  }
  if (media === 'application/json') return 'json';
  if (NDJSON_TYPES.has(media)) return 'ndjson';
  throw new HttpError(415, 'unsupported_media_type', `unsupported Content-Type "${media}"; expected ${ACCEPTED_TYPES}`);
}

/**
 * Reads and discards what is left of a request body we will not use, so the response can be read
 * by the client and the connection reused, up to `maxBytes`; past that the socket is closed.
 */
const discarding = new WeakSet<IncomingMessage>();

export function discardBody(req: IncomingMessage, maxBytes: number): void {
  if (req.complete || req.destroyed || discarding.has(req)) return;
  discarding.add(req);
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
    if (n > maxBytes) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}

/**
 * The request body, decompressed, as one Buffer. Rejects with 413 when the bytes on the wire or
 * the decompressed bytes pass `limit`, and with 400 when the compressed data is corrupt. On
 * rejection the rest of the body is drained (bounded) by discardBody.
 */
export function readBody(req: IncomingMessage, limit: number, coding: ContentCoding): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discardBody(req, limit);
      reject(tooLarge(limit, 'request body'));
      return;
    }
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    const inflater: Gunzip | Inflate | undefined = coding === 'gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : undefined;

    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (inflater) {
        inflater.removeAllListeners('data');
        inflater.on('error', () => {});
        inflater.destroy();
      }
      chunks.length = 0;
      discardBody(req, limit);
      reject(e);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const out = (c: Buffer) => {
      if (settled) return;
      size += c.length;
      if (size > limit) {
        fail(tooLarge(limit, inflater ? 'decompressed request body' : 'request body'));
        return;
      }
      chunks.push(c);
    };
    function onData(c: Buffer) {
      wire += c.length;
      if (wire > limit) {
        fail(tooLarge(limit, 'request body'));
        return;
      }
      if (inflater) inflater.write(c);
      else out(c);
    }
    function onEnd() {
      if (inflater) inflater.end();
      else done();
    }
    function onError(e: Error) {
      fail(new HttpError(400, 'invalid_body', `error while reading the request body: ${e.message}`));
    }
    function onAborted() {
      fail(new HttpError(400, 'invalid_body', 'the client aborted the request body'));
    }
    if (inflater) {
      inflater.on('data', out);
      inflater.on('end', done);
      inflater.on('error', (e) => fail(new HttpError(400, 'invalid_body', `request body is not valid ${coding} data: ${e.message}`)));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** "at position 12 (line 1, column 13)": position is a 0-based character offset in the decoded body. */
export function describePosition(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `at position ${position} (line ${line}, column ${position - lineStart + 1})`;
}

export type ArraySplit =
  | { ok: true; elements: Array<[start: number, end: number]> }
  | { ok: false; position: number; message: string };

/**
 * Splits a JSON array into its top-level elements without parsing them, for a body that
 * JSON.parse refused as a whole: each element is then parsed on its own, so a malformed event is
 * rejected alone. Fails (with the position) only when the array itself is broken: no opening
 * "[", an unterminated array or string, or data after the closing "]".
 */
export function splitJsonArray(text: string): ArraySplit {
  const n = text.length;
  let i = skipWs(text, 0);
  if (i >= n) return { ok: false, position: i, message: 'empty body: expected a JSON array of events' };
  if (text.charCodeAt(i) !== 0x5b) return { ok: false, position: i, message: 'expected "[" to open a JSON array of events' };
  i = skipWs(text, i + 1);
  const elements: Array<[number, number]> = [];
  if (text.charCodeAt(i) === 0x5d) {
    i++;
  } else {
    for (;;) {
      const start = i;
      let depth = 0;
      let inString = false;
      let stringStart = -1;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
          if (c === 0x5c) i++;
          else if (c === 0x22) inString = false;
          continue;
        }
        if (c === 0x22) {
          inString = true;
          stringStart = i;
        } else if (c === 0x7b || c === 0x5b) {
          depth++;
        } else if (c === 0x7d || c === 0x5d) {
          if (depth > 0) depth--;
          else if (c === 0x5d) break; // the array's closing bracket; a stray "}" stays in (and spoils) its element
        } else if (c === 0x2c && depth === 0) {
          break;
        }
      }
      if (i >= n) {
        return inString
          ? { ok: false, position: stringStart, message: 'unterminated string in the JSON array' }
          : { ok: false, position: n, message: 'unexpected end of body: the JSON array is not closed with "]"' };
      }
      let end = i;
      while (end > start && isWs(text.charCodeAt(end - 1))) end--;
      elements.push([start, end]);
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        break;
      }
      i = skipWs(text, i + 1);
    }
  }
  const rest = skipWs(text, i);
  if (rest < n) return { ok: false, position: rest, message: 'unexpected data after the closing "]" of the JSON array' };
  return { ok: true, elements };
}
