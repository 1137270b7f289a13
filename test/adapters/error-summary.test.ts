// The request log's error_message is a scrubbed, bounded summary of the provider's message.
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_SUMMARY, summarizeErrorMessage as summary } from '../../exporter/src/adapters/error-summary.js';

describe('error message summaries', () => {
  it.each([
    ['plain provider messages are kept', "This model's maximum context length is 128000 tokens. Please reduce the length.", "This model's maximum context length is 128000 tokens. Please reduce the length."],
    ['double-quoted prompt text', 'Your prompt "tell me where she lives" was flagged', 'Your prompt [quoted] was flagged'],
    ['single-quoted prompt text, apostrophes kept', "it can't run 'my secret question' here", "it can't run [quoted] here"],
    ['curly quotes and guillemets', 'blocked “one” ‘two’ «three»', 'blocked [quoted] [quoted] [quoted]'],
    ['an unterminated quote hides the rest', 'flagged: "the prompt goes on and on', 'flagged: [quoted]'],
    ['e-mail addresses', 'contact alice.smith@example.com for access', 'contact [email] for access'],
    ['URLs', 'see https://platform.example.com/docs?token=abc and www.example.org/x', 'see [url] and [url]'],
    ['API keys', 'Incorrect API key provided: sk-proj-abcdefghijklmnop1234.', 'Incorrect API key provided: [secret].'],
    ['bearer tokens', 'sent Bearer abc.def.ghi to the gateway', 'sent Bearer [secret] to the gateway'],
    ['key=value secrets', 'bad api_key=hunter2hunter2 in query', 'bad api_key=[secret] in query'],
    ['long hex and base64 runs', 'hash 0123456789abcdef0123456789abcdef01 token QWxhZGRpbjpvcGVuIHNlc2FtZQ0123456789xyz', 'hash [secret] token [secret]'],
    ['long digit runs', 'call +1 415 555 0100 from 10.0.0.12', 'call [number] from [number]'],
    ['control characters', 'line one\nline two\ttabbed', 'line one line two tabbed'],
  ])('%s', (_what, input, want) => {
    expect(summary(input)).toBe(want);
  });

  it('is at most 200 characters and never ends in half a placeholder', () => {
    const long = `${'word '.repeat(38)}"quoted text" and more ${'x'.repeat(5000)}`;
    const s = summary(long)!;
    expect(s.length).toBeLessThanOrEqual(MAX_ERROR_SUMMARY);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toMatch(/\[[a-z]*…$/);
  });

  it('scrubs before cutting, so a secret split by the cut leaves no fragment', () => {
    const s = summary(`${'"q" '.repeat(600)}sk-proj-abcdefghijklmnopqrstuvwxyz`)!;
    expect(s).not.toMatch(/sk-|abcdef/);
  });

  it('absent or empty messages stay absent', () => {
    expect(summary(undefined)).toBeUndefined();
    expect(summary('   ')).toBeUndefined();
  });
});
