// The key behind user, session and API key pseudonyms (log/pseudonym.ts). The request store keeps
// pseudonyms for good, so they must not change on restart: without a configured key
// (--hash-key-file, TOKENSCOPE_HASH_KEY) serve generates one once and keeps it in the data
// directory (mode 0600); `tokenscope erase` and `pseudonym` find it there too.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HASH_KEY_FILE = 'hash.key';
export const HASH_KEY_ENV = 'TOKENSCOPE_HASH_KEY';

export type KeySource = 'file' | 'env' | 'data-dir' | 'generated' | 'ephemeral';

/** The configured key: --hash-key-file, else TOKENSCOPE_HASH_KEY; undefined when neither is set. */
export function configuredHashKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): { key: string; source: KeySource } | undefined {
  if (file) {
    const key = readFileSync(file, 'utf8').trim();
    if (!key) throw new Error('--hash-key-file: the file is empty');
    return { key, source: 'file' };
  }
  const v = env[HASH_KEY_ENV]?.trim();
  return v ? { key: v, source: 'env' } : undefined;
}

/** The key kept in `dataDir`, if one was generated there before. */
export function dataDirHashKey(dataDir: string): string | undefined {
  const path = join(dataDir, HASH_KEY_FILE);
  if (!existsSync(path)) return undefined;
  const key = readFileSync(path, 'utf8').trim();
  if (!key) throw new Error(`${path} is empty: remove it to generate a new key (pseudonyms stored so far would no longer match), or restore it`);
  return key;
}

/**
 * The key serve uses: the configured one, else the one in the data directory (generated and
 * written there on first use), else, without a data directory, a key for this process only.
 */
export function resolveHashKey(opts: { hashKeyFile?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): { key: string; source: KeySource } {
  const configured = configuredHashKey(opts.hashKeyFile, env);
  if (configured) return configured;
  if (opts.dataDir === undefined) return { key: randomBytes(32).toString('hex'), source: 'ephemeral' };
  const kept = dataDirHashKey(opts.dataDir);
  if (kept) return { key: kept, source: 'data-dir' };
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  const path = join(opts.dataDir, HASH_KEY_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${key}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // mode applies only when the file is created; a leftover tmp keeps its own
  try {
    // link() fails if the file exists: two processes starting at once on one data directory
    // agree on whichever key landed first, and nobody sees a half-written file.
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return { key: dataDirHashKey(opts.dataDir)!, source: 'data-dir' };
  } finally {
    rmSync(tmp, { force: true });
  }
  return { key, source: 'generated' };
}
