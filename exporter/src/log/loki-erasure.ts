// `tokenscope pseudonym <id>...`: the keyed pseudonym a user or session id has in the request log
// (and so in Loki), to answer a GDPR access or erasure request without ever logging the id itself.
// docs/loki.md shows the Loki delete request built from it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pseudonymize } from './pseudonym.js';

/** The LogQL selector of every Loki line that carries this pseudonym (user or session field). */
export function erasureQuery(pseudonym: string, app = 'tokenscope'): string {
  if (!/^[0-9a-f]{16}$/.test(pseudonym)) throw new Error(`not a tokenscope pseudonym: "${pseudonym}"`);
  return `{app="${app}"} |= "${pseudonym}"`;
}

/**
 * Loki's delete API takes RFC 3339 or exactly ten digits of unix seconds: `start=0` is refused
 * with a 400 (checked against Loki 3.7), so times are written as RFC 3339 without fractions.
 */
const rfc3339 = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** URL of Loki's delete request (POST) for the lines carrying the pseudonym since `startS`. */
export function lokiDeleteUrl(lokiUrl: string, pseudonym: string, startS: number, endS?: number): string {
  const u = new URL('/loki/api/v1/delete', lokiUrl);
  u.searchParams.set('query', erasureQuery(pseudonym));
  u.searchParams.set('start', rfc3339(Math.floor(startS)));
  if (endS !== undefined) u.searchParams.set('end', rfc3339(Math.ceil(endS)));
  return u.toString();
}

export function registerPseudonymCommand(program: Command): void {
  program
    .command('pseudonym')
    .description('print the pseudonym of user/session ids as the request log and Loki store them')
    .option('--hash-key-file <file>', 'the exporter\'s pseudonymisation key (or env TOKENSCOPE_HASH_KEY)')
    .option('--loki-url <url>', 'also print the Loki delete request for each id (e.g. http://127.0.0.1:3100)')
    .argument('<ids...>', 'user or session ids, in clear')
    .action((ids: string[], o: { hashKeyFile?: string; lokiUrl?: string }) => {
      const key = o.hashKeyFile ? readFileSync(o.hashKeyFile, 'utf8').trim() : process.env.TOKENSCOPE_HASH_KEY?.trim();
      if (!key) throw new Error('no key: pass --hash-key-file or set TOKENSCOPE_HASH_KEY (the same key the exporter uses)');
      for (const id of ids) {
        const p = pseudonymize(key, id);
        process.stdout.write(`${p}\n`);
        // Retention bounds how far back lines exist; the epoch covers all of them.
        if (o.lokiUrl) process.stdout.write(`  curl -sS -X POST '${lokiDeleteUrl(o.lokiUrl, p, 0)}'\n`);
      }
    });
}
