// A strict reader for the Python `repr()` of a usage dict, as LiteLLM's OpenTelemetry callback
// writes it into string attributes (`metadata.usage_object`):
//
//   {'completion_tokens': 153, 'prompt_tokens_details': {'cached_tokens': 1152, 'audio_tokens': None}, 'cost': 0.0012}
//
// Only the subset such a dict uses is accepted: dicts with string keys, and as values nested dicts,
// strings, integers, floats, None, True and False. Anything else — lists, tuples, sets, object
// reprs such as `Usage(...)`, bytes, expressions, trailing text — makes the whole value unreadable
// (undefined), and the caller goes without the details. Nothing is ever evaluated.
import type { JsonObject } from './fields.js';

type Value = JsonObject | string | number | boolean | null;

/** Longest text read; a usage dict is a few hundred characters. */
const MAX_LENGTH = 64 * 1024;
const MAX_DEPTH = 8;

class Unreadable extends Error {}

/** The dict a Python repr describes, or undefined when it is not one (or not in the subset). */
export function parsePythonDict(text: string): JsonObject | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const p = new Reader(text);
  try {
    p.space();
    if (text[p.i] !== '{') return undefined;
    const v = p.value(0) as JsonObject;
    p.space();
    return p.i === text.length ? v : undefined;
  } catch (e) {
    if (e instanceof Unreadable) return undefined;
    throw e;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t' };
const HEX_WIDTH: Record<string, number> = { x: 2, u: 4, U: 8 };

class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  space(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\n')) this.i++;
  }

  value(depth: number): Value {
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth + 1);
    if (c === "'" || c === '"') return this.string();
    if (this.word('None')) return null;
    if (this.word('True')) return true;
    if (this.word('False')) return false;
    return this.number();
  }

  private dict(depth: number): JsonObject {
    if (depth > MAX_DEPTH) throw new Unreadable();
    const out: JsonObject = {};
    this.i++; // {
    this.space();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      const q = this.s[this.i];
      if (q !== "'" && q !== '"') throw new Unreadable();
      const key = this.string();
      this.space();
      if (this.s[this.i++] !== ':') throw new Unreadable();
      this.space();
      // A repeated key cannot come from repr(); refuse it rather than pick one.
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new Unreadable();
      // defineProperty: a key such as "__proto__" stays an ordinary key.
      Object.defineProperty(out, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
      this.space();
      const sep = this.s[this.i++];
      if (sep === '}') return out;
      if (sep !== ',') throw new Unreadable();
      this.space();
    }
  }

  private string(): string {
    const quote = this.s[this.i++];
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) throw new Unreadable();
      const c = this.s[this.i++];
      if (c === quote) return out;
      if (c === '\n') throw new Unreadable();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e !== undefined && ESCAPES[e] !== undefined) out += ESCAPES[e];
      else if (e !== undefined && HEX_WIDTH[e] !== undefined) {
        const digits = this.s.slice(this.i, this.i + HEX_WIDTH[e]);
        if (digits.length !== HEX_WIDTH[e] || !/^[0-9a-fA-F]+$/.test(digits)) throw new Unreadable();
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff) throw new Unreadable();
        out += String.fromCodePoint(cp);
        this.i += HEX_WIDTH[e];
      } else throw new Unreadable();
    }
  }

  private word(w: string): boolean {
    if (!this.s.startsWith(w, this.i)) return false;
    const next = this.s[this.i + w.length];
    if (next !== undefined && /[A-Za-z0-9_]/.test(next)) return false;
    this.i += w.length;
    return true;
  }

  private number(): number {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) throw new Unreadable();
    const next = this.s[this.i + m[0].length];
    if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) throw new Unreadable();
    this.i += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) throw new Unreadable();
    return n;
  }
}
