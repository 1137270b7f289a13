// Reading decoded OTLP values: attribute lists as plain objects (the shape genAiAttributesToRecord
// takes from JSON log lines), 64-bit integers as numbers, and nanosecond timestamps as milliseconds.
import type { JsonObject } from '../../adapters/fields.js';
import type { AnyValue, Int64, KeyValue } from './schema.js';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A 64-bit integer as a number. Token counts and call counts stay far below 2^53; nanosecond
 * timestamps do not, but a double still holds them to within a microsecond, and we keep milliseconds.
 */
export function toNumber(v: Int64 | null | undefined): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v === '' ? 0 : Number(v);
  return v.toNumber();
}

/**
 * One attribute value. Only the member actually set counts: a decoded message reads proto3
 * defaults ("" / 0 / false) through its prototype for the members that are not, hence hasOwn.
 * int64 values become numbers, so http.response.status_code compares as a number and token counts
 * pass the adapter's integer check. Bytes values are not declared in the schema and read as absent.
 */
export function anyValue(v: AnyValue | null | undefined, depth = 0): unknown {
  if (v === undefined || v === null) return undefined;
  if (hasOwn.call(v, 'stringValue')) return v.stringValue;
  if (hasOwn.call(v, 'intValue')) return toNumber(v.intValue);
  if (hasOwn.call(v, 'doubleValue')) return v.doubleValue;
  if (hasOwn.call(v, 'boolValue')) return v.boolValue;
  // Nested values: GenAI attributes are scalars, but arrays (gen_ai.response.finish_reasons) exist.
  // The depth bound keeps a hostile, deeply nested body from recursing without limit.
  if (depth >= 8) return undefined;
  if (hasOwn.call(v, 'arrayValue')) return (v.arrayValue?.values ?? []).map((x) => anyValue(x, depth + 1));
  if (hasOwn.call(v, 'kvlistValue')) return attributesToObject(v.kvlistValue?.values, depth + 1);
  return undefined;
}

/** An attribute list as an object; a key repeated in the list keeps its last value. */
export function attributesToObject(list: KeyValue[] | null | undefined, depth = 0): JsonObject {
  const out: JsonObject = {};
  if (!list) return out;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    const key = kv.key;
    if (key === undefined || key === '') continue;
    const value = anyValue(kv.value, depth);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * A stable key for an attribute set: sorted `key=value` pairs, so the same attributes listed in
 * another order (SDKs do not promise an order) name the same stream.
 */
export function attributesKey(attrs: JsonObject, skip?: string): string {
  const keys = Object.keys(attrs).sort();
  let s = '';
  for (const k of keys) {
    if (k === skip) continue;
    const v = attrs[k];
    s += `${k}\u0002${typeof v === 'string' ? v : JSON.stringify(v)}\u0003`;
  }
  return s;
}

// 1e11 ms is 1973, 1e14 ms the year 5138: outside that a timestamp is not epoch nanoseconds.
const MIN_MS = 1e11;
const MAX_MS = 1e14;

/** Epoch nanoseconds as epoch milliseconds, or undefined when absent (0) or implausible. */
export function nanosToMs(v: Int64 | null | undefined): number | undefined {
  const ms = Math.round(toNumber(v) / 1e6);
  return ms >= MIN_MS && ms < MAX_MS ? ms : undefined;
}
