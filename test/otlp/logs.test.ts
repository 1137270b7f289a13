// POST /v1/logs (OpenLIT and others send GenAI events as OTLP logs): read in both encodings,
// answered 200, and counted in ai_exporter_otlp_ignored_log_records_total, never as requests (the
// calls they describe are counted from their spans). The schema is checked against the official
// OpenTelemetry JS serializers.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { attributesToObject } from '../../exporter/src/sources/otlp/attributes.js';
import { decodeRequest, decodeResponse, type Encoding } from '../../exporter/src/sources/otlp/schema.js';
import { startExporter, sum, type Harness } from '../server/helpers.js';
import { attrs, toProtobuf } from './otlp-json.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TYPE: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

function logs(records: unknown[]) {
  return { resourceLogs: [{ resource: { attributes: attrs({ 'service.name': 'chat-api' }) }, scopeLogs: [{ scope: { name: 'openlit' }, logRecords: records }] }] };
}

const USAGE = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 };

describe.each<Encoding>(['protobuf', 'json'])('POST /v1/logs, %s', (enc) => {
  it('answers 200 and counts every record as ignored, GenAI events apart', async () => {
    harness = await startExporter();
    const req = logs([
      { timeUnixNano: '1750000000000000000', eventName: 'gen_ai.client.inference.operation.details', attributes: attrs(USAGE) },
      { timeUnixNano: '1750000000000000000', attributes: attrs({ 'event.name': 'gen_ai.user.message' }), body: { stringValue: 'SECRET prompt' } },
      { timeUnixNano: '1750000000000000000', severityText: 'INFO', body: { stringValue: 'GET /chat 200' } },
    ]);
    const body = enc === 'protobuf' ? new Uint8Array(toProtobuf('logs', req)) : JSON.stringify(req);
    const r = await fetch(`${harness.url}/v1/logs`, { method: 'POST', headers: { 'Content-Type': TYPE[enc] }, body });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain(TYPE[enc]);
    expect(decodeResponse('logs', new Uint8Array(await r.arrayBuffer()), enc)).toEqual({});
    const s = await harness.samples();
    expect(sum(s, 'ai_exporter_otlp_ignored_log_records_total', { reason: 'genai_event' })).toBe(2);
    expect(sum(s, 'ai_exporter_otlp_ignored_log_records_total', { reason: 'not_genai' })).toBe(1);
    expect(sum(s, 'ai_requests_total')).toBe(0);
    expect(sum(s, 'ai_exporter_lines_total', { source: 'otlp' })).toBe(0);
  });

  it('a malformed body is a 400, as for the other signals', async () => {
    harness = await startExporter();
    const body = enc === 'protobuf' ? new Uint8Array([0x0a, 0xff, 0xff]) : '{"resourceLogs": 5}';
    const r = await fetch(`${harness.url}/v1/logs`, { method: 'POST', headers: { 'Content-Type': TYPE[enc] }, body });
    expect(r.status).toBe(400);
  });
});

describe('the logs schema agrees with the OpenTelemetry JS serializers', () => {
  it.each<Encoding>(['protobuf', 'json'])('%s', (enc) => {
    // The records as the SDK hands them to its processors (what an OTLP log exporter serializes).
    const records: ReadableLogRecord[] = [];
    const collect: LogRecordProcessor = { onEmit: (r) => records.push(r), forceFlush: async () => {}, shutdown: async () => {} };
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'svc' }), processors: [collect] });
    provider.getLogger('openlit').emit({
      eventName: 'gen_ai.client.inference.operation.details',
      timestamp: 1_750_000_000_123,
      severityNumber: SeverityNumber.INFO,
      attributes: USAGE,
      body: 'not read',
    });
    const wire = (enc === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer).serializeRequest(records)!;
    const req = decodeRequest('logs', Buffer.from(wire), enc);
    const lr = req.resourceLogs![0].scopeLogs![0].logRecords![0];
    expect(lr.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(attributesToObject(lr.attributes)).toEqual(USAGE);
    expect(attributesToObject(req.resourceLogs![0].resource?.attributes)['service.name']).toBe('svc');
    expect(String(lr.timeUnixNano)).toBe('1750000000123000000');
  });
});
