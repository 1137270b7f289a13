// Which price data @pydantic/genai-prices prices with: the data bundled with the installed library,
// or a newer copy of the library's own data.json given with --prices-file (docs/exporter.md, "Price
// data"). The file is handed to the library through its own updatePrices/setProviderData; this
// module only checks the outer shape first, so a bad file fails with a message naming where it is
// wrong (never quoting the file), then lets the library price every model in it once to catch what
// only the library can judge (price keys, tiers, constraints).
//
// The checks of a file's content are in price-data-check.ts.
//
// The library keeps its data in one module-wide slot, so this module does too: activePriceData()
// describes what is loaded, and priceDataGeneration() changes on every load so a Pricer that
// memoised models under the old data drops them.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { findProvider, updatePrices } from '@pydantic/genai-prices';
import { defaultClock } from '../clock.js';
import { checkPriceData, libraryReason, PriceDataError } from './price-data-check.js';

export { checkPriceData, PriceDataError } from './price-data-check.js';

export interface PriceDataInfo {
  source: 'bundled' | 'file';
  /** bundled: the genai-prices version; file: `sha256:` and the first 12 hex digits of the file's hash. */
  version: string;
  /**
   * The date the data is taken to be from, in ms (NaN if unknown). The data carries no date of its
   * own: for bundled data it is the release date of that genai-prices version, for a file its mtime
   * (`tokenscope prices update` sets it to the server's Last-Modified when there is one).
   */
  timestampMs: number;
  /** The file, for messages (source "file" only). */
  file?: string;
  /** Providers and models in the file (0 for bundled data). */
  providers: number;
  models: number;
  /** Older than this many days counts as stale (--prices-max-age-days); 0 = not checked. */
  maxAgeDays: number;
}

/**
 * Release dates of genai-prices versions (npm publish time), for the age of the bundled data. A test
 * fails when the installed version is missing, so a dependency bump adds its date here.
 */
export const BUNDLED_RELEASE_DATES: Readonly<Record<string, string>> = {
  '0.1.7': '2026-09-16',
  '0.1.8': '2026-09-23',
};

/** Largest prices file read (the upstream data.json is about 1 MB). */
export const MAX_PRICE_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

function libraryVersion(): string {
  try {
    // The package exports no package.json; walk up from its entry point to find it.
    let dir = dirname(createRequire(import.meta.url).resolve('@pydantic/genai-prices'));
    for (let i = 0; i < 5; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@pydantic/genai-prices' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        /* not here */
      }
      dir = dirname(dir);
    }
  } catch {
    /* unresolvable, e.g. bundled into one file */
  }
  return 'unknown';
}

export const GENAI_PRICES_VERSION: string = libraryVersion();

function bundledInfo(): PriceDataInfo {
  const date = BUNDLED_RELEASE_DATES[GENAI_PRICES_VERSION];
  return {
    source: 'bundled',
    version: GENAI_PRICES_VERSION,
    timestampMs: date ? Date.parse(`${date}T00:00:00Z`) : NaN,
    providers: 0,
    models: 0,
    maxAgeDays: DEFAULT_MAX_AGE_DAYS,
  };
}

let active: PriceDataInfo = bundledInfo();
let generation = 0;

/** What genai-prices currently prices with. */
export function activePriceData(): PriceDataInfo {
  return { ...active };
}

/** Changes whenever price data is loaded; a Pricer compares it to know its memoised models are stale. */
export function priceDataGeneration(): number {
  return generation;
}

/** Days since the data's date (fractional; NaN if the date is unknown). */
export function priceDataAgeDays(info: Pick<PriceDataInfo, 'timestampMs'>, nowMs: number = defaultClock().now()): number {
  return (nowMs - info.timestampMs) / DAY_MS;
}

/** True when the data is older than its maxAgeDays; never for an unknown date or maxAgeDays 0 (off). */
export function isStale(info: Pick<PriceDataInfo, 'timestampMs' | 'maxAgeDays'>, nowMs: number = defaultClock().now()): boolean {
  return info.maxAgeDays > 0 && priceDataAgeDays(info, nowMs) > info.maxAgeDays;
}

/** The warning for stale data, or null when it is fresh enough (or its age unknown, or the check off). */
export function stalenessWarning(info: PriceDataInfo, nowMs: number = defaultClock().now()): string | null {
  if (!isStale(info, nowMs)) return null;
  const days = Math.floor(priceDataAgeDays(info, nowMs));
  const what = info.source === 'file' ? `prices file ${info.file}` : `bundled @pydantic/genai-prices ${info.version} data`;
  return (
    `price data is ${days} days old (${what}, dated ${new Date(info.timestampMs).toISOString().slice(0, 10)}; ` +
    `--prices-max-age-days ${info.maxAgeDays}): prices may be out of date; fetch newer data with \`tokenscope prices update --out FILE\` and pass --prices-file FILE`
  );
}

export interface LoadedPriceData {
  info: PriceDataInfo;
  /** Things worth a warning that do not stop the exporter. */
  warnings: string[];
}

export interface LoadOptions {
  /** --prices-max-age-days: older data is warned about and ai_exporter_price_data_stale is 1; 0 = off. Default 90. */
  maxAgeDays?: number;
  /** The catalog's providers' pricing_id, checked against the file (a missing one leaves its models unpriced). */
  pricingIds?: Iterable<string>;
  nowMs?: number;
}

/**
 * Loads a genai-prices data.json and makes the library price with it (through updatePrices), or,
 * without a file, keeps the bundled data; either way sets the staleness threshold and returns the
 * warnings to log (stale data, unknown price keys, catalog providers missing from the file). Call
 * it before building a Pipeline; a Pricer built earlier drops what it memoised on its next lookup.
 */
export function loadPriceData(file: string | undefined, opts: LoadOptions = {}): LoadedPriceData {
  const maxAgeDays = opts.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
  if (!(Number.isFinite(maxAgeDays) && maxAgeDays >= 0)) throw new PriceDataError('--prices-max-age-days must be a non-negative number of days');
  const warnings: string[] = [];
  const done = (): LoadedPriceData => {
    active = { ...active, maxAgeDays };
    const stale = stalenessWarning(active, opts.nowMs);
    if (stale) warnings.push(stale);
    return { info: activePriceData(), warnings };
  };
  if (file === undefined) return done();
  const fail = (problem: string): never => {
    throw new PriceDataError(`prices file ${file}: ${problem}`);
  };
  let buf: Buffer;
  let mtimeMs: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) fail('not a regular file');
    if (st.size > MAX_PRICE_FILE_BYTES) fail(`larger than ${MAX_PRICE_FILE_BYTES / 1024 / 1024} MiB`);
    mtimeMs = Math.floor(st.mtimeMs);
    buf = readFileSync(file);
  } catch (e) {
    if (e instanceof PriceDataError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message);
    return fail(`cannot read it (${why})`);
  }
  let checked: ReturnType<typeof checkPriceData>;
  try {
    checked = checkPriceData(buf.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof PriceDataError) return fail(e.message);
    throw e;
  }
  const { data, unknownPriceKeys } = checked;
  try {
    // The library's own way in: setProviderData with a Provider[] replaces its data synchronously
    // (and throws, keeping the old data, if it rejects it).
    updatePrices(({ setProviderData }) => setProviderData(data));
  } catch (e) {
    fail(`genai-prices rejected the data: ${libraryReason(e)}`);
  }
  const models = data.reduce((n, p) => n + p.models.length, 0);
  active = {
    source: 'file',
    version: `sha256:${createHash('sha256').update(buf).digest('hex').slice(0, 12)}`,
    timestampMs: mtimeMs,
    file,
    providers: data.length,
    models,
    maxAgeDays,
  };
  generation++;
  if (unknownPriceKeys.length) {
    warnings.push(
      `prices file ${file}: genai-prices ${GENAI_PRICES_VERSION} does not know the price keys ${unknownPriceKeys.join(', ')}; ` +
        'those prices are ignored (a newer @pydantic/genai-prices knows them)',
    );
  }
  // Looked up as the Pricer will (by id, then provider_match), now that the library has the data.
  const missing = [...new Set(opts.pricingIds ?? [])].filter((id) => !findProvider({ providerId: id })).sort();
  if (missing.length) {
    warnings.push(`prices file ${file}: no provider with id ${missing.join(', ')} (catalog pricing_id); models of those providers are unpriced unless the catalog prices them`);
  }
  return done();
}
