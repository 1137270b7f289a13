// `--store`: which request store `tokenscope serve` opens. `sqlite` (the default) is a file in the
// data directory with no set-up; `sqlite:/path/file.db` puts it elsewhere; a postgres:// or
// postgresql:// URL shares one database between replicas; `none` keeps no per-request rows.
import { isAbsolute, join, resolve } from 'node:path';
import type { RequestStore } from './types.js';

export type StoreSpec = { kind: 'none' } | { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export const SQLITE_FILE = 'requests.db';
/** Default retention: 400 days covers a year of month-over-month and year-over-year comparisons plus a month of slack. */
export const DEFAULT_RETENTION_DAYS = 400;

/**
 * The store a `--store` value names. `dataDir` is where the default SQLite file lives; undefined
 * (no durable state) means a bare `sqlite` has nowhere to go and is an error.
 */
export function parseStoreSpec(spec: string | undefined, dataDir: string | undefined): StoreSpec {
  const s = spec?.trim();
  if (s === undefined || s === '' || s === 'sqlite') {
    if (dataDir === undefined) {
      if (s === 'sqlite') throw new Error('--store sqlite needs a data directory: drop --no-state, or give the file with --store sqlite:/path/requests.db');
      return { kind: 'none' };
    }
    return { kind: 'sqlite', path: join(dataDir, SQLITE_FILE) };
  }
  if (s === 'none') return { kind: 'none' };
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '') throw new Error('--store: sqlite: needs a file, e.g. sqlite:/var/lib/tokenscope/requests.db');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  if (s.startsWith('postgres://') || s.startsWith('postgresql://')) {
    try {
      new URL(s);
    } catch {
      // Never echo the value: a connection URL carries a password.
      throw new Error('--store: not a valid PostgreSQL URL (expected postgres://user:password@host:5432/database)');
    }
    return { kind: 'postgres', url: s };
  }
  throw new Error('--store must be sqlite, sqlite:/path/file.db, postgres://..., postgresql://... or none');
}

/** A description of the store for logs: never the URL's password. */
export function describeStore(spec: StoreSpec): Record<string, string> {
  if (spec.kind === 'sqlite') return { store: 'sqlite', file: spec.path };
  if (spec.kind === 'postgres') {
    const u = new URL(spec.url);
    return { store: 'postgres', host: u.host, database: u.pathname.replace(/^\//, '') };
  }
  return { store: 'none' };
}

export function parseRetentionDays(v: unknown): number {
  if (v === undefined) return DEFAULT_RETENTION_DAYS;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < 0) throw new Error('--store-retention-days must be a whole number of days (0 keeps rows forever)');
  return n;
}

/** Opens the store (and applies its migrations); the backends are imported only when used. */
export async function openRequestStore(
  spec: StoreSpec,
  onError?: (message: string, details: Record<string, unknown>) => void,
  opts: { insertThread?: boolean } = {},
): Promise<RequestStore | undefined> {
  if (spec.kind === 'none') return undefined;
  if (spec.kind === 'sqlite') {
    const { SqliteRequestStore } = await import('./sqlite.js');
    const store = new SqliteRequestStore(spec.path, { insertThread: opts.insertThread ?? true });
    // Before any checkpoint can write synchronously: a worker cannot start while its parent blocks.
    try {
      await store.ready();
    } catch (e) {
      await store.close().catch(() => {});
      throw e;
    }
    return store;
  }
  const { PostgresRequestStore } = await import('./postgres.js');
  return PostgresRequestStore.open(spec.url, { onError, insertThread: opts.insertThread ?? true });
}
