// User and session ids never reach the request log in clear. They are replaced by a keyed hash
// (HMAC-SHA256): the same id always maps to the same pseudonym, so a GDPR access or erasure
// request can be answered by hashing the subject's id with the key, but without the key nobody
// can reverse a pseudonym by hashing guessed ids (a plain SHA-256 of an email address can).
import { createHmac } from 'node:crypto';

/** Hex characters kept: 64 bits, collision-free in practice for per-tenant user counts. */
export const PSEUDONYM_LENGTH = 16;

/** HMAC-SHA256(key, id) as lower-case hex, truncated to 16 characters. */
export function pseudonymize(key: string | Buffer, id: string): string {
  if (key.length === 0) throw new Error('pseudonymize: the hash key must not be empty');
  return createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, PSEUDONYM_LENGTH);
}

/**
 * pseudonymize() with a bounded memo: the same few thousand active users recur on every request,
 * and an HMAC costs more than the rest of the log line. The memo is dropped wholesale when full.
 */
export function pseudonymizer(key: string | Buffer, maxEntries = 10_000): (id: string) => string {
  if (key.length === 0) throw new Error('pseudonymizer: the hash key must not be empty');
  const memo = new Map<string, string>();
  return (id: string): string => {
    let p = memo.get(id);
    if (p === undefined) {
      p = pseudonymize(key, id);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(id, p);
    }
    return p;
  };
}
