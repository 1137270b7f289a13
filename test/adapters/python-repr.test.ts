// The strict reader of LiteLLM's Python-repr usage dicts (exporter/src/adapters/python-repr.ts):
// the subset a usage dict uses is read, anything else makes the whole text unreadable.
import { describe, expect, it } from 'vitest';
import { parsePythonDict } from '../../exporter/src/adapters/python-repr.js';

describe('parsePythonDict', () => {
  it('reads dicts of ints, floats, strings, None, True and False, nested', () => {
    expect(parsePythonDict("{'a': 1, \"b\": {'c': None, 'd': 'x\\'y', 'e': 0.5, 'f': -3, 'g': 1e-05}, 'h': True, 'i': False, 'j': {}}")).toEqual({
      a: 1,
      b: { c: null, d: "x'y", e: 0.5, f: -3, g: 1e-5 },
      h: true,
      i: false,
      j: {},
    });
  });

  it('reads escapes as Python writes them', () => {
    expect(parsePythonDict("{'k': 'a\\\\b\\n\\x41\\u00e9\\U0001f600\"'}")).toEqual({ k: 'a\\b\nA\u00e9\u{1f600}"' });
  });

  it('reads a real LiteLLM usage object', () => {
    const text =
      "{'completion_tokens': 156, 'prompt_tokens': 1334, 'total_tokens': 1490, 'completion_tokens_details': {'accepted_prediction_tokens': 0, 'audio_tokens': 0, 'reasoning_tokens': 66, 'rejected_prediction_tokens': 0, 'text_tokens': None, 'image_tokens': None, 'video_tokens': None}, 'prompt_tokens_details': {'audio_tokens': 0, 'cached_tokens': 1152, 'text_tokens': None, 'image_tokens': None, 'video_tokens': None, 'initial_prompt_tokens': None}, 'cost': 0.0012033999999999999}";
    const d = parsePythonDict(text)!;
    expect((d.completion_tokens_details as Record<string, unknown>).reasoning_tokens).toBe(66);
    expect((d.prompt_tokens_details as Record<string, unknown>).cached_tokens).toBe(1152);
  });

  it.each([
    ['a list', "{'a': [1, 2]}"],
    ['a tuple', "{'a': (1, 2)}"],
    ['a set', "{'a': {1, 2}}"],
    ['an object repr', "{'a': Usage(prompt_tokens=1)}"],
    ['a call', "{'a': __import__('os').system('true')}"],
    ['a name', "{'a': x}"],
    ['bytes', "{'a': b'x'}"],
    ['a non-string key', '{1: 2}'],
    ['a repeated key', "{'a': 1, 'a': 2}"],
    ['inf', "{'a': inf}"],
    ['nan', "{'a': nan}"],
    ['a hex int', "{'a': 0x10}"],
    ['a leading zero', "{'a': 01}"],
    ['a trailing comma', "{'a': 1,}"],
    ['text after the dict', "{'a': 1} + 1"],
    ['an unterminated string', "{'a': 'x}"],
    ['an unknown escape', "{'a': '\\q'}"],
    ['not a dict', "'a'"],
    ['JSON null', '{"a": null}'],
    ['empty', ''],
  ])('rejects %s', (_what, text) => {
    expect(parsePythonDict(text)).toBeUndefined();
  });

  it('limits nesting and length', () => {
    expect(parsePythonDict(`${"{'a': ".repeat(8)}1${'}'.repeat(8)}`)).toBeDefined();
    expect(parsePythonDict(`${"{'a': ".repeat(9)}1${'}'.repeat(9)}`)).toBeUndefined();
    expect(parsePythonDict(`{'a': '${'x'.repeat(70_000)}'}`)).toBeUndefined();
  });

  it('keeps "__proto__" an ordinary key', () => {
    const d = parsePythonDict("{'__proto__': {'polluted': 1}}")!;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.keys(d)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
