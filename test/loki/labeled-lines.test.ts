// The request log hands the Loki shipper each line with its stream label values taken from the
// record (writeRecord), directly or held beside the line by the checkpoint gate, so the shipper
// never parses a line it was just given; bare lines (other log lines, other writers) are still
// parsed, and the label caps apply either way. Delivered through a loopback Loki receiver.
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../exporter/src/ingest/pipeline.js';
import { CheckpointGate } from '../../exporter/src/log/checkpoint-gate.js';
import type { LabeledTarget, LineLabels } from '../../exporter/src/log/labeled-line.js';
import { LokiShipper } from '../../exporter/src/log/loki-push.js';
import { createRequestLog } from '../../exporter/src/log/request-log.js';
import { realCatalog } from '../server/helpers.js';
import { makeTruths, render } from '../support/traffic.js';
import { FakeLoki } from './support/fake-loki.js';

const KEY = 'labeled-lines-test-key';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

let loki: FakeLoki | undefined;
let shipper: LokiShipper | undefined;
afterEach(async () => {
  await shipper?.close(200);
  await loki?.close();
  shipper = loki = undefined;
});

function lines(n: number, seed = 3): string[] {
  return makeTruths(n, { seed, startMs: T0, spanMs: 60_000, errorRate: 0.3 }).map((t) => render(t, 'canonical'));
}

/** A labelled destination that records how each line arrived. */
function recorder(labelFields = ['provider', 'status']) {
  const records: Array<{ labels: LineLabels; line: string }> = [];
  const bare: string[] = [];
  const target: LabeledTarget = {
    labelFields,
    writeRecord: (labels, line) => void records.push({ labels, line }),
    write: (chunk) => void bare.push(chunk),
  };
  return { target, records, bare };
}

describe('request log -> labelled destination', () => {
  it('passes the label fields of each record with its line, and nothing as a bare line', () => {
    const r = recorder(['provider', 'status', 'model']);
    const p = new Pipeline(realCatalog(), { sinks: [createRequestLog({ hashKey: KEY, destination: r.target as never })] });
    for (const l of lines(100)) expect(p.ingestLine(l, 'http').ok).toBe(true);
    expect(r.bare).toEqual([]);
    expect(r.records).toHaveLength(100);
    const statuses = new Set<string>();
    for (const { labels, line } of r.records) {
      const rec = JSON.parse(line);
      expect(line.endsWith('\n')).toBe(true);
      expect(labels).toEqual({ provider: rec.provider, status: rec.status, model: rec.model });
      statuses.add(rec.status);
    }
    expect([...statuses].sort()).toEqual(['error', 'success']);
  });

  it('sends other lines of the same logger bare, and labels never stick to a later line', () => {
    const r = recorder();
    const log = createRequestLog({ hashKey: KEY, destination: r.target as never, level: 'warn' });
    const p = new Pipeline(realCatalog(), { sinks: [log] });
    // Below the logger's level: the request line is not written at all...
    expect(p.ingestLine(lines(1)[0], 'http').ok).toBe(true);
    expect(r.records).toEqual([]);
    // ...and the next line written is bare, not given that record's labels.
    log.logger.warn({ provider: 'from-the-line' }, 'something else');
    expect(r.records).toEqual([]);
    expect(r.bare).toHaveLength(1);
    expect(JSON.parse(r.bare[0])).toMatchObject({ provider: 'from-the-line', msg: 'something else' });
  });
});

describe('LokiShipper.writeRecord', () => {
  it('labels a line with the values it is given, capped and folded like parsed ones; bare lines still parsed', async () => {
    loki = await FakeLoki.start();
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000, maxLabelValues: 2 });
    // The line says otherwise on purpose: the labels come from the record, not from parsing.
    for (const provider of ['a', 'b', 'c']) shipper.writeRecord({ provider, status: 'success' }, `{"provider":"line-${provider}"}\n`);
    shipper.writeRecord({ provider: 'a' }, 'no status given');
    shipper.write('{"provider":"b","status":"error"}\n');
    shipper.write('{"provider":"z","status":"error"}\nnot json\n');
    await shipper.flush();
    expect(loki.errors).toEqual([]);
    const got = loki.lines().map((l) => [l.line, l.labels.provider, l.labels.status]);
    expect(got.sort()).toEqual(
      [
        ['{"provider":"line-a"}', 'a', 'success'],
        ['{"provider":"line-b"}', 'b', 'success'],
        ['{"provider":"line-c"}', 'other', 'success'],
        ['no status given', 'a', 'unknown'],
        // status already has two values (success, unknown): error folds into "other".
        ['{"provider":"b","status":"error"}', 'b', 'other'],
        ['{"provider":"z","status":"error"}', 'other', 'other'],
        ['not json', 'other', 'unknown'],
      ].sort(),
    );
  });
});

describe('checkpoint gate -> Loki shipper', () => {
  it('holds labelled lines until release, then ships each once, in order, with its record labels', async () => {
    loki = await FakeLoki.start();
    shipper = new LokiShipper({ url: loki.url, flushIntervalMs: 60_000 });
    const gate = new CheckpointGate();
    const stream = gate.stream(shipper);
    expect(stream.labelFields).toEqual(['provider', 'status']);
    const log = createRequestLog({ hashKey: KEY, destination: stream });
    const p = new Pipeline(realCatalog(), { sinks: [log] });
    const input = lines(300, 5);
    for (const l of input.slice(0, 200)) p.ingestLine(l, 'http');
    log.logger.warn({ provider: 'bare', status: 'error' }, 'not a request line');
    expect(shipper.snapshot().queued).toBe(0);
    expect(gate.held).toBeGreaterThan(0);

    const released = gate.release();
    expect(released).toBeGreaterThan(200 * 100);
    // Counted after the checkpoint: held for the next one, not shipped with this release.
    for (const l of input.slice(200)) p.ingestLine(l, 'http');
    await gate.drained();
    await shipper.flush();
    const got = loki.lines();
    expect(got).toHaveLength(201);
    const ids: number[] = [];
    for (const { labels, line } of got) {
      const rec = JSON.parse(line);
      expect(labels).toEqual({ app: 'tokenscope', provider: rec.provider, status: rec.status });
      if (rec.msg === 'llm_request') ids.push(Number(rec.request_id.slice('req-5-'.length)));
    }
    expect(ids.sort((a, b) => a - b)).toEqual([...Array(200).keys()]);
    expect(got.filter((l) => l.labels.provider === 'bare')).toHaveLength(1);

    gate.release();
    await gate.drained();
    await shipper.flush();
    expect(loki.lines()).toHaveLength(301);
  });
});
