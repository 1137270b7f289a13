// A short, stable fingerprint of a catalog. The rules and dashboards are built from the catalog and
// the exporter reads it again at run time; comparing fingerprints (ai_catalog_info against the one
// baked into the rules and dashboards) shows when they were built from different files.
//
// It hashes the parsed, defaulted catalog, not the file: YAML formatting, comments, key order, a
// default spelled out or left implicit, 0.20 or 0.2 all give the same fingerprint; any change
// in content (a price, a budget, a model) gives another.
import { createHash } from 'node:crypto';
import type { Catalog } from './schema.js';

/** Hex characters kept: 48 bits, plenty to tell a handful of catalog versions apart, short enough to read. */
export const FINGERPRINT_LENGTH = 12;

/**
 * JSON with object keys sorted at every level and undefined members left out (as JSON.stringify
 * does), so equal values always give equal text. Arrays keep their order: it is content.
 */
export function canonicalJson(value: unknown, path = '(root)'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: expected a finite number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v === undefined ? null : v, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new TypeError(`${path}: expected JSON data, got a ${typeof value}`);
}

/** sha256 of the canonical JSON of the parsed catalog, first FINGERPRINT_LENGTH hex characters. */
export function catalogFingerprint(catalog: Catalog): string {
  return createHash('sha256').update(canonicalJson(catalog)).digest('hex').slice(0, FINGERPRINT_LENGTH);
}
