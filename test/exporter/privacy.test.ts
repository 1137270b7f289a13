// What people put in requests must not come out of the exporter: a content filter's message that
// quotes the prompt and an e-mail address, and rejected lines holding a numeric user id or an
// address in a bad field, are absent from the request log, stderr, HTTP responses and /metrics.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, sum } from '../support/exposition.js';
import { freePort, waitFor } from '../support/ports.js';
import { CLI, startProcess } from '../support/processes.js';

const SECRETS = ['alice.smith@example.com', 'where does she live', 'bob@example.org', 'the secret launch plan', '4242424242', 'carol@example.net', 'dave@example.com', 'sk-proj-'];

const base = { timestamp: '2025-06-01T12:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 50, output_tokens: 0 };
const LINES = [
  // Accepted failures whose messages quote the prompt.
  JSON.stringify({
    ...base, type: 'request', status: 'error', status_code: 400,
    error: { type: 'content_filter', code: 'content_policy_violation', message: 'Your prompt "where does she live, alice.smith@example.com?" was flagged by the safety system. Key used: sk-proj-abcdefghijklmnop1234' },
  }),
  JSON.stringify({
    call_type: 'completion', custom_llm_provider: 'anthropic', model: 'claude-sonnet-4-20250514', startTime: 1748779200, status: 'failure',
    error_information: { error_class: 'ContentPolicyViolationError', error_code: '400' },
    error_str: "litellm.ContentPolicyViolationError: the request 'the secret launch plan for bob@example.org' violates the usage policy",
  }),
  // Rejected lines.
  JSON.stringify({ ...base, user_id: 4242424242 }),
  JSON.stringify({ ...base, team: ['carol@example.net'] }),
  '{"timestamp": "2025-06-01T12:00:00Z", "note": dave@example.com wrote this}',
];

function expectClean(where: string, text: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${where} contains "${s}"`).toBe(false);
}

describe('privacy of what the exporter writes', () => {
  it('serve: request log, stderr and /metrics carry no prompt text, e-mail address, key or rejected value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-privacy-'));
    writeFileSync(join(dir, 'requests.jsonl'), LINES.join('\n') + '\n');
    writeFileSync(join(dir, 'hash.key'), 'k'.repeat(32));
    const port = await freePort();
    const proc = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--files', join(dir, '*.jsonl'), '--data-dir', join(dir, 'state'), '--hash-key-file', join(dir, 'hash.key'), '--state-file', join(dir, 'state.json')]);
    let metrics = '';
    let http = '';
    try {
      metrics = await waitFor('all lines read', async () => {
        const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return sum(parseExposition(t), 'ai_exporter_lines_total', { source: 'file' }) === LINES.length ? t : undefined;
      }, 30_000, 50);
      const x = parseExposition(metrics);
      expect(sum(x, 'ai_requests_total', { status: 'error' })).toBe(2);
      expect(sum(x, 'ai_request_errors_total', { error_type: 'content_filter' })).toBe(2);
      expect(sum(x, 'ai_exporter_rejected_lines_total', { source: 'file' })).toBe(3);
      // The same bad events over HTTP: the rejection list names fields, not values.
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: LINES.slice(2).join('\n') });
      http = await res.text();
      expect(res.status).toBe(400);
      expect(http).toMatch(/user_id: expected a string, got a number/);
      await waitFor('request log written', async () => proc.output().split('\n').filter((l) => l.includes('"llm_request"')).length === 2, 10_000, 50);
    } finally {
      await proc.stop();
    }
    const output = proc.output();
    expectClean('the request log and stderr', output);
    expectClean('/metrics', metrics);
    expectClean('the HTTP response', http);
    // The request log keeps a summary: the message with the quoted text and addresses replaced.
    const logged = output.split('\n').filter((l) => l.includes('"llm_request"')).map((l) => JSON.parse(l) as { error_type: string; error_message: string });
    expect(logged.map((l) => l.error_type)).toEqual(['content_filter', 'content_filter']);
    expect(logged[0].error_message).toBe('Your prompt [quoted] was flagged by the safety system. Key used: [secret]');
    expect(logged[1].error_message).toBe('litellm.ContentPolicyViolationError: the request [quoted] violates the usage policy');
    // Rejections are still reported, by line, field and reason.
    expect(output).toMatch(/"reason":"invalid_field".*user_id: expected a string, got a number/);
  }, 60_000);

  it('ingest --once: stderr names the field and reason of each rejected line, never its value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-privacy-'));
    const file = join(dir, 'requests.jsonl');
    writeFileSync(file, LINES.join('\n') + '\n');
    const r = spawnSync(process.execPath, [CLI, 'ingest', '--once', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expectClean('stderr', r.stderr);
    expectClean('the exposition', r.stdout);
    expect(r.stderr).toContain(`${file}:3: invalid_field: user_id: expected a string, got a number`);
    expect(r.stderr).toContain(`${file}:4: invalid_field: team: expected a string, got an array`);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: invalid_json: not valid JSON`));
  });
});
