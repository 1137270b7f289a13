// `tokenscope prices update --out FILE`: downloads genai-prices' data.json (the file the library's
// own auto-update reads) for --prices-file, on a machine with internet access. The download is
// checked like --prices-file checks it before anything is written, and replaces FILE atomically.
// This module is loaded for every command, so the checks are imported only when the command runs.
import { renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

/** @pydantic/genai-prices' REMOTE_DATA_JSON_URL (a test keeps the two equal). */
export const DEFAULT_PRICES_URL = 'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

export interface PricesUpdateOptions {
  out: string;
  url: string;
  /** Seconds. */
  timeout: number;
}

/** The URL for messages, without credentials or query (a mirror's token must not end up in logs). */
function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

async function readCapped(res: Response, max: number, where: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) throw new Error(`prices update: ${where} sent ${declared} bytes, more than the ${max / 1024 / 1024} MiB allowed`);
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > max) throw new Error(`prices update: ${where} sent more than the ${max / 1024 / 1024} MiB allowed`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

export async function runPricesUpdate(opts: PricesUpdateOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new Error('prices update: --url is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`prices update: --url must be http or https, got ${url.protocol}`);
  const where = shown(url);
  const { checkPriceData, MAX_PRICE_FILE_BYTES, PriceDataError } = await import('../pricing/price-data.js');
  const { createHash } = await import('node:crypto');

  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeout * 1000), headers: { accept: 'application/json' }, redirect: 'follow' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') throw new Error(`prices update: ${where} did not answer within ${opts.timeout}s`);
    throw new Error(`prices update: cannot fetch ${where} (${err.cause?.code ?? err.cause?.message ?? err.message})`);
  }
  if (!res.ok) throw new Error(`prices update: ${where} answered HTTP ${res.status}; nothing written`);
  let body: Buffer;
  try {
    body = await readCapped(res, MAX_PRICE_FILE_BYTES, where);
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') throw new Error(`prices update: ${where} did not finish sending within ${opts.timeout}s`);
    throw e;
  }
  let summary: { providers: number; models: number; unknown: string[] };
  try {
    const { data, unknownPriceKeys } = checkPriceData(body.toString('utf8').replace(/^\uFEFF/, ''));
    summary = { providers: data.length, models: data.reduce((n, p) => n + p.models.length, 0), unknown: unknownPriceKeys };
  } catch (e) {
    if (e instanceof PriceDataError) throw new Error(`prices update: the data from ${where} is not usable, nothing written: ${e.message}`);
    throw e;
  }

  // Same directory, then rename: a reader (a restarting exporter) sees the old file or the new one.
  const tmp = `${opts.out}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, body);
    // The file's mtime is the data's date for --prices-max-age-days: the server's, if it says.
    const lastModified = Date.parse(res.headers.get('last-modified') ?? '');
    if (Number.isFinite(lastModified)) utimesSync(tmp, new Date(), new Date(lastModified));
    renameSync(tmp, opts.out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`prices update: cannot write ${opts.out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const version = `sha256:${createHash('sha256').update(body).digest('hex').slice(0, 12)}`;
  process.stdout.write(`wrote ${opts.out}: ${summary.providers} providers, ${summary.models} models (${version}) from ${where}\n`);
  if (summary.unknown.length) {
    process.stderr.write(`warning: the installed genai-prices does not know the price keys ${summary.unknown.join(', ')}; those prices will be ignored\n`);
  }
}

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < Infinity)) throw new InvalidArgumentError(`--timeout must be a positive number of seconds, got "${v}"`);
  return n;
}

export function registerPricesCommand(program: Command): void {
  const prices = program.command('prices').description('price data for --prices-file (genai-prices data.json)');
  prices
    .command('update')
    .description('download the newest genai-prices data.json (needs internet access), checked, to use with --prices-file')
    .requiredOption('--out <file>', 'where to write it (replaced atomically)')
    .option('--url <url>', 'where to download from (a mirror, or a local copy for tests)', DEFAULT_PRICES_URL)
    .option('--timeout <seconds>', 'give up after this long', positiveSeconds, 60)
    .action(async (opts: PricesUpdateOptions) => runPricesUpdate(opts));
}
