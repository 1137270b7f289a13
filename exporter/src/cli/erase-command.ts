// `tokenscope erase --user ID`: a GDPR erasure. The id is pseudonymised with the exporter's key
// (the store and the request log only ever hold the pseudonym), the user's rows are deleted from
// the request store, and the Loki delete request for the same pseudonym is printed: Loki deletes
// asynchronously through its compactor, so that step is the operator's to run and confirm.
import type { Command } from 'commander';
import { lokiDeleteUrl } from '../log/loki-erasure.js';
import { pseudonymize } from '../log/pseudonym.js';
import { describeStore, openRequestStore, parseStoreSpec } from '../request-store/open.js';
import { configuredHashKey, dataDirHashKey, HASH_KEY_ENV, HASH_KEY_FILE } from './hash-key.js';
import { defaultDataDir } from './state-location.js';

export interface EraseOptions {
  user: string;
  store?: string;
  dataDir?: string;
  hashKeyFile?: string;
  lokiUrl?: string;
}

export async function runErase(o: EraseOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  if (typeof o.user !== 'string' || o.user.trim() === '') throw new Error('--user must be a non-empty user id');
  const dataDir = o.dataDir ?? defaultDataDir();
  const key = configuredHashKey(o.hashKeyFile)?.key ?? dataDirHashKey(dataDir);
  if (!key) {
    throw new Error(
      `no pseudonymisation key: pass --hash-key-file or set ${HASH_KEY_ENV} (the key the exporter uses), ` +
        `or --data-dir with the exporter's data directory (its ${HASH_KEY_FILE}); without the key the user's rows cannot be found`,
    );
  }
  const pseudonym = pseudonymize(key, o.user);
  out(`user pseudonym: ${pseudonym}\n`);
  const spec = parseStoreSpec(o.store, dataDir);
  const store = await openRequestStore(spec, undefined, { insertThread: false });
  if (!store) {
    out('request store: none (--store none); nothing deleted\n');
  } else {
    try {
      const n = await store.eraseUser(pseudonym);
      const d = describeStore(spec);
      out(`request store (${d.store} ${d.file ?? `${d.host}/${d.database}`}): deleted ${n} row${n === 1 ? '' : 's'}\n`);
    } finally {
      await store.close();
    }
  }
  out('Prometheus: holds no user ids (aggregates only); nothing to erase there\n');
  // Loki keeps the request log lines, which carry the same pseudonym in their user field.
  const url = lokiDeleteUrl(o.lokiUrl ?? 'http://LOKI_HOST:3100', pseudonym, 0);
  out(`Loki: delete the request log lines (needs the compactor's deletion API, docs/loki.md):\n  curl -sS -X POST '${url}'\n`);
}

export function registerEraseCommand(program: Command): void {
  program
    .command('erase')
    .description("delete a user's stored requests (GDPR erasure) and print the matching Loki delete request")
    .requiredOption('--user <id>', 'the user id, in clear (it is pseudonymised with the key, never stored)')
    .option('--store <spec>', 'the request store serve uses: sqlite (requests.db in --data-dir), sqlite:/path/file.db, postgres://..., none')
    .option('--data-dir <dir>', "serve's data directory (default: as serve): the SQLite store and the generated key")
    .option('--hash-key-file <file>', `the exporter's pseudonymisation key (or env ${HASH_KEY_ENV}; default: ${HASH_KEY_FILE} in --data-dir)`)
    .option('--loki-url <url>', 'Loki base URL for the printed delete request (e.g. http://127.0.0.1:3100)')
    .action(async (o: EraseOptions) => runErase(o));
}
