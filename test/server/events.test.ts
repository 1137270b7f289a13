// POST /v1/events against a real server on an ephemeral port and the real pipeline and catalog:
// what the response says is checked against what /metrics then shows.
import { gzipSync, deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REJECTIONS_LISTED } from '../../exporter/src/sources/http/events.js';
import { event, postEvents, startExporter, sum, type Harness } from './helpers.js';

const JSON_CT = { 'content-type': 'application/json' };
const NDJSON_CT = { 'content-type': 'application/x-ndjson' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function counted(): Promise<{ requests: number; input: number; output: number; httpLines: number }> {
  const s = await h!.samples();
  return {
    requests: sum(s, 'ai_requests_total'),
    input: sum(s, 'ai_tokens_input_total'),
    output: sum(s, 'ai_tokens_output_total'),
    httpLines: sum(s, 'ai_exporter_lines_total', { source: 'http' }),
  };
}

describe('POST /v1/events: JSON array', () => {
  it('counts every good event and lists each bad one by 0-based index and reason', async () => {
    h = await startExporter();
    const batch = [
      event(0),
      { hello: 'world' }, // unknown_format
      event(1),
      event(2, { timestamp: 'yesterday-ish' }), // invalid_field
      42, // not_an_object
      event(3),
      event(4, { provider: undefined }), // missing_field
      event(5),
    ];
    const res = await postEvents(h.url, JSON.stringify(batch), JSON_CT);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body.accepted).toBe(4);
    expect(body.duplicates).toBe(0);
    expect(body.rejected_truncated).toBe(0);
    expect(body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [1, 'unknown_format'],
      [3, 'invalid_field'],
      [4, 'not_an_object'],
      [6, 'missing_field'],
    ]);
    expect(body.rejected[1].message).toContain('timestamp');
    expect(body.rejected[0].line).toBeUndefined();

    const c = await counted();
    expect(c.requests).toBe(4);
    expect(c.input).toBe(100 + 101 + 103 + 105);
    expect(c.output).toBe(10 + 11 + 13 + 15);
    expect(c.httpLines).toBe(8);
    const s = await h.samples();
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'http' })).toBe(4);
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'http', reason: 'unknown_format' })).toBe(1);
  });

  it('rejects a syntactically broken element alone and keeps the rest of the array', async () => {
    h = await startExporter();
    const body = `[\n ${JSON.stringify(event(0))},\n {"model": "gpt-4o", "input_tokens": },\n ${JSON.stringify(event(1))} ,\n {"a": "unterminated}"},\n${JSON.stringify(event(2))}]`;
    const res = await postEvents(h.url, body, JSON_CT);
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.accepted).toBe(3);
    expect(out.rejected).toHaveLength(2);
    expect(out.rejected[0]).toMatchObject({ index: 1, reason: 'invalid_json' });
    expect(out.rejected[1]).toMatchObject({ index: 3 });
    const c = await counted();
    expect(c.requests).toBe(3);
    expect(c.input).toBe(100 + 101 + 102);
  });

  it('answers 400 naming the position when the array itself is broken, and counts nothing', async () => {
    h = await startExporter();
    const good = JSON.stringify(event(0));
    for (const [body, position] of [
      [`[${good}, ${good}`, good.length * 2 + 3], // unterminated array: position is the end of the body
      [`[${good}] trailing`, good.length + 3],
      [`  nope`, 2],
      [`"a string"`, 0],
    ] as Array<[string, number]>) {
      const res = await postEvents(h.url, body, JSON_CT);
      expect(res.status, body).toBe(400);
      const out = await res.json();
      expect(out.error).toBe('invalid_body');
      expect(out.position, body).toBe(position);
      expect(out.message).toContain(`position ${position}`);
    }
    expect((await counted()).requests).toBe(0);
  });

  it('answers 400 with the list when no event in the body is usable, 200 for an empty array', async () => {
    h = await startExporter();
    let res = await postEvents(h.url, JSON.stringify([{ a: 1 }, event(0, { output_tokens: -1 })]), JSON_CT);
    expect(res.status).toBe(400);
    const out = await res.json();
    expect(out).toMatchObject({ error: 'no_valid_events', accepted: 0, duplicates: 0 });
    expect(out.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1]);

    res = await postEvents(h.url, '[]', JSON_CT);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 0, rejected: [], rejected_truncated: 0 });
    expect((await counted()).requests).toBe(0);
  });

  it('accepts a single event object as a batch of one', async () => {
    h = await startExporter();
    const res = await postEvents(h.url, JSON.stringify(event(7)), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(200);
    expect((await res.json()).accepted).toBe(1);
    expect((await counted()).input).toBe(107);
  });

  it('reports duplicates (same request_id) without counting them twice', async () => {
    h = await startExporter();
    const batch = [event(0, { request_id: 'req-1' }), event(0, { request_id: 'req-1' }), event(1, { request_id: 'req-2' })];
    const out = await (await postEvents(h.url, JSON.stringify(batch), JSON_CT)).json();
    expect(out).toMatchObject({ accepted: 2, duplicates: 1, rejected: [] });
    // A retried batch is all duplicates: still a 200.
    const again = await postEvents(h.url, JSON.stringify(batch), JSON_CT);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 3 });
    expect((await counted()).requests).toBe(2);
  });

  it(`lists at most ${MAX_REJECTIONS_LISTED} rejections and counts the rest`, async () => {
    h = await startExporter();
    const batch: unknown[] = [event(0)];
    for (let i = 0; i < MAX_REJECTIONS_LISTED + 234; i++) batch.push({ junk: i });
    const out = await (await postEvents(h.url, JSON.stringify(batch), JSON_CT)).json();
    expect(out.accepted).toBe(1);
    expect(out.rejected).toHaveLength(MAX_REJECTIONS_LISTED);
    expect(out.rejected_truncated).toBe(234);
    expect(out.rejected[0].index).toBe(1);
    expect(out.rejected[MAX_REJECTIONS_LISTED - 1].index).toBe(MAX_REJECTIONS_LISTED);
    const s = await h.samples();
    expect(sum(s, 'ai_exporter_rejected_lines_total', { source: 'http' })).toBe(MAX_REJECTIONS_LISTED + 234);
  });
});

describe('POST /v1/events: NDJSON', () => {
  it('counts every good line and names bad ones by 1-based line number; blank lines are skipped', async () => {
    h = await startExporter();
    const lines = [
      JSON.stringify(event(0)),
      '',
      '{"truncated": ',
      JSON.stringify(event(1)),
      '   ',
      '[1,2,3]',
      JSON.stringify(event(2)),
    ];
    const res = await postEvents(h.url, `${lines.join('\r\n')}\n`, NDJSON_CT);
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.accepted).toBe(3);
    expect(out.rejected).toEqual([
      expect.objectContaining({ index: 2, line: 3, reason: 'invalid_json' }),
      expect.objectContaining({ index: 5, line: 6, reason: 'not_an_object' }),
    ]);
    const c = await counted();
    expect(c.requests).toBe(3);
    expect(c.input).toBe(100 + 101 + 102);
    expect(c.httpLines).toBe(5); // blank lines are not events
  });

  it('accepts application/jsonl and text/plain, and a last line without a newline', async () => {
    h = await startExporter();
    for (const [i, ct] of ['application/jsonl', 'text/plain; charset=utf-8', 'application/ndjson'].entries()) {
      const res = await postEvents(h.url, `${JSON.stringify(event(i))}\n${JSON.stringify(event(i + 10))}`, { 'content-type': ct });
      expect(res.status, ct).toBe(200);
      expect((await res.json()).accepted, ct).toBe(2);
    }
    expect((await counted()).requests).toBe(6);
  });

  it('treats a JSON array sent as NDJSON as one bad line', async () => {
    h = await startExporter();
    const res = await postEvents(h.url, JSON.stringify([event(0)]), NDJSON_CT);
    expect(res.status).toBe(400);
    expect((await res.json()).rejected[0]).toMatchObject({ index: 0, line: 1, reason: 'not_an_object' });
  });
});

describe('POST /v1/events: compressed bodies and limits', () => {
  it('accepts gzip- and deflate-encoded bodies', async () => {
    h = await startExporter();
    const nd = Array.from({ length: 50 }, (_, i) => JSON.stringify(event(i))).join('\n');
    let res = await postEvents(h.url, gzipSync(nd), { ...NDJSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect((await res.json()).accepted).toBe(50);
    res = await postEvents(h.url, deflateSync(JSON.stringify([event(100), event(101)])), { ...JSON_CT, 'content-encoding': 'deflate' });
    expect(res.status).toBe(200);
    expect((await res.json()).accepted).toBe(2);
    const c = await counted();
    expect(c.requests).toBe(52);
    expect(c.input).toBe(50 * 100 + (49 * 50) / 2 + 200 + 201);
  });

  it('answers 400 for corrupt gzip data', async () => {
    h = await startExporter();
    const gz = gzipSync(JSON.stringify([event(0)]));
    gz[gz.length - 6] ^= 0xff; // break the CRC
    const res = await postEvents(h.url, gz, { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_body');
    expect((await counted()).requests).toBe(0);
  });

  it('stops a gzip bomb at the decompressed limit: 413 and nothing counted', async () => {
    const limit = 1024 * 1024;
    h = await startExporter({ bodyLimitBytes: limit });
    // ~40 MiB of perfectly good events that gzip to well under the limit on the wire.
    const line = `${JSON.stringify(event(0))}\n`;
    const bomb = gzipSync(line.repeat(Math.ceil((40 * 1024 * 1024) / line.length)), { level: 9 });
    expect(bomb.length).toBeLessThan(limit);
    const res = await postEvents(h.url, bomb, { ...NDJSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    const out = await res.json();
    expect(out).toMatchObject({ error: 'payload_too_large', limit_bytes: limit });
    expect(out.message).toContain('decompressed');
    expect(out.message).toContain(String(limit));
    const c = await counted();
    expect(c.requests).toBe(0);
    expect(c.httpLines).toBe(0);
    // The connection is still usable and the server still ingests.
    const ok = await postEvents(h.url, JSON.stringify([event(1)]), JSON_CT);
    expect(ok.status).toBe(200);
  });

  it('answers 413 for an oversize body, declared or chunked, and counts nothing', async () => {
    const limit = 64 * 1024;
    h = await startExporter({ bodyLimitBytes: limit });
    const line = `${JSON.stringify(event(0))}\n`;
    const big = line.repeat(Math.ceil((limit * 1.5) / line.length));
    // With Content-Length.
    let res = await postEvents(h.url, big, NDJSON_CT);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large', limit_bytes: limit });
    // Chunked: no Content-Length, the limit is found while reading.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < bytes.length; i += 8192) ctl.enqueue(bytes.subarray(i, i + 8192));
        ctl.close();
      },
    });
    res = await fetch(`${h.url}/v1/events`, { method: 'POST', headers: NDJSON_CT, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).message).toContain(`${limit} bytes`);
    // Far over the limit: the server stops reading after a bounded drain, and the client still gets its 413.
    res = await postEvents(h.url, line.repeat(Math.ceil((limit * 40) / line.length)), NDJSON_CT);
    expect(res.status).toBe(413);
    expect((await counted()).requests).toBe(0);
    // Just under the limit is fine.
    const fits = line.repeat(Math.floor(limit / line.length));
    res = await postEvents(h.url, fits, NDJSON_CT);
    expect(res.status).toBe(200);
    expect((await res.json()).accepted).toBe(Math.floor(limit / line.length));
  });
});

describe('POST /v1/events: auth and media types', () => {
  it('requires the bearer token when one is configured', async () => {
    h = await startExporter({ ingestToken: 's3cret-token' });
    const body = JSON.stringify([event(0)]);
    let res = await postEvents(h.url, body, JSON_CT);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tokenscope"/);
    expect((await res.json()).error).toBe('unauthorized');

    res = await postEvents(h.url, body, { ...JSON_CT, authorization: 'Bearer s3cret-tokeN' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    res = await postEvents(h.url, body, { ...JSON_CT, authorization: 'Basic czNjcmV0LXRva2Vu' });
    expect(res.status).toBe(401);
    res = await postEvents(h.url, body, { ...JSON_CT, authorization: 'Bearer s3cret-token-and-more' });
    expect(res.status).toBe(401);
    // A large batch with a wrong token is refused cleanly too, without being read.
    res = await postEvents(h.url, JSON.stringify(Array.from({ length: 20_000 }, (_, i) => event(i))), { ...JSON_CT, authorization: 'Bearer nope' });
    expect(res.status).toBe(401);
    expect((await counted()).requests).toBe(0);

    res = await postEvents(h.url, body, { ...JSON_CT, authorization: 'Bearer s3cret-token' });
    expect(res.status).toBe(200);
    res = await postEvents(h.url, body.replace('"chat"', '"other"'), { ...JSON_CT, authorization: 'bearer s3cret-token' });
    expect(res.status).toBe(200);
    // /metrics stays open to the scraper.
    expect((await counted()).requests).toBe(2);
  });

  it('needs no token when none is configured', async () => {
    h = await startExporter();
    expect((await postEvents(h.url, JSON.stringify([event(0)]), JSON_CT)).status).toBe(200);
  });

  it('answers 415 for an unsupported Content-Type, charset or Content-Encoding', async () => {
    h = await startExporter();
    const body = JSON.stringify([event(0)]);
    for (const headers of [
      { 'content-type': 'text/csv' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=utf-16' },
      { ...JSON_CT, 'content-encoding': 'br' },
    ]) {
      const res = await postEvents(h.url, body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect((await res.json()).error).toBe('unsupported_media_type');
    }
    // No Content-Type at all (a Blob without type sends none).
    const res = await fetch(`${h.url}/v1/events`, { method: 'POST', body: new Blob([body]) });
    expect(res.status).toBe(415);
    expect((await counted()).requests).toBe(0);
  });
});
