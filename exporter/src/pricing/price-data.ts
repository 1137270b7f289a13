// Which price data @pydantic/genai-prices prices with: the data bundled with the installed library,
// or a newer copy of the library's own data.json given with --prices-file (docs/exporter.md, "Price
// data"). The file is handed to the library through its own updatePrices/setProviderData; this
// module only checks the outer shape first, so a bad file fails with a message naming where it is
// wrong (never quoting the file), then lets the library price every model in it once to catch what
// only the library can judge (price keys, tiers, constraints).
//
// The library keeps its data in one module-wide slot, so this module does too: activePriceData()
// describes what is loaded, and priceDataGeneration() changes on every load so a Pricer that
// memoised models under the old data drops them.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, findProvider, updatePrices, type ModelInfo, type Provider } from '@pydantic/genai-prices';
import { defaultClock } from '../clock.js';

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

/** A prices file that cannot be used; the message names the file and the problem, never its contents. */
export class PriceDataError extends Error {}

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

// ---------------------------------------------------------------------------------------------
// Shape checks: only what must hold for the library to read the data at all (its d.ts types and
// README's required fields), so a broken file is named here instead of failing inside the library.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;
}

function shapeError(where: string, expected: string, got: unknown): never {
  throw new PriceDataError(`${where}: expected ${expected}, got ${kind(got)}`);
}

function checkModelPrice(where: string, v: unknown): void {
  if (!isObject(v)) shapeError(where, 'an object of prices (e.g. input_mtok, output_mtok)', v);
}

function checkShape(data: unknown): asserts data is Provider[] {
  if (!Array.isArray(data)) shapeError('top level', 'a list of providers (genai-prices data.json)', data);
  if (data.length === 0) throw new PriceDataError('top level: the list of providers is empty');
  data.forEach((p: unknown, i) => {
    const at = `[${i}]`;
    if (!isObject(p)) shapeError(at, 'a provider object', p);
    for (const key of ['id', 'name', 'api_pattern'] as const) {
      if (typeof p[key] !== 'string' || p[key] === '') shapeError(`${at}.${key}`, 'a non-empty string', p[key]);
    }
    for (const key of ['model_match', 'provider_match'] as const) if (p[key] !== undefined && !isObject(p[key])) shapeError(`${at}.${key}`, 'a match object', p[key]);
    if (p.fallback_model_providers !== undefined && !(Array.isArray(p.fallback_model_providers) && p.fallback_model_providers.every((x) => typeof x === 'string'))) {
      shapeError(`${at}.fallback_model_providers`, 'a list of provider ids', p.fallback_model_providers);
    }
    if (p.extractors !== undefined && !Array.isArray(p.extractors)) shapeError(`${at}.extractors`, 'a list', p.extractors);
    if (!Array.isArray(p.models)) shapeError(`${at}.models`, 'a list of models', p.models);
    p.models.forEach((m: unknown, j) => {
      const mat = `${at}.models[${j}]`;
      if (!isObject(m)) shapeError(mat, 'a model object', m);
      if (typeof m.id !== 'string' || m.id === '') shapeError(`${mat}.id`, 'a non-empty string', m.id);
      if (!isObject(m.match)) shapeError(`${mat}.match`, 'a match object (e.g. {"equals": "…"})', m.match);
      if (Array.isArray(m.prices)) {
        if (m.prices.length === 0) throw new PriceDataError(`${mat}.prices: the list of conditional prices is empty`);
        m.prices.forEach((c: unknown, k) => {
          if (!isObject(c)) shapeError(`${mat}.prices[${k}]`, 'an object with "prices" and an optional "constraint"', c);
          checkModelPrice(`${mat}.prices[${k}].prices`, c.prices);
          if (c.constraint !== undefined && !isObject(c.constraint)) shapeError(`${mat}.prices[${k}].constraint`, 'a constraint object', c.constraint);
        });
      } else {
        checkModelPrice(`${mat}.prices`, m.prices);
      }
    });
  });
}

const PROBE_ID = 'tokenscope-check';

/** A library message without anything it quotes from the data (constraints are echoed after "got:"), bounded. */
function libraryReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg
    .replace(/, got:[\s\S]*$/, '')
    .replace(` model '${PROBE_ID}'`, '')
    .replace(/^(Invalid time-of-day constraint):[\s\S]*$/, '$1')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200);
}

const ZERO = { input_tokens: 0, output_tokens: 0 };

/**
 * Prices every model (and every conditional price) once with the library, as a one-model provider so
 * nothing global is touched. Throws on what the library rejects; returns the price keys it warned it
 * does not know (they would be ignored, i.e. priced at 0).
 */
function probe(data: Provider[]): string[] {
  const unknownKeys = new Set<string>();
  const warn = console.warn;
  // The library reports unknown price keys with console.warn (and prices them at 0); collect them.
  console.warn = (...args: unknown[]) => {
    const m = /^Unsupported price key for standard pricing: (.*)$/.exec(String(args[0]));
    if (m) for (const k of m[1].split(', ')) unknownKeys.add(k.replace(/[^\w.-]/g, '?').slice(0, 64));
    else warn(...args);
  };
  try {
    data.forEach((p, i) =>
      p.models.forEach((m, j) => {
        const sets: Array<[string, ModelInfo['prices']]> = [[`[${i}].models[${j}].prices`, m.prices]];
        if (Array.isArray(m.prices)) m.prices.forEach((c, k) => sets.push([`[${i}].models[${j}].prices[${k}].prices`, c.prices]));
        for (const [where, prices] of sets) {
          const provider: Provider = { id: p.id, name: p.name, api_pattern: p.api_pattern, models: [{ id: PROBE_ID, match: { equals: PROBE_ID }, prices }] };
          try {
            calcPrice(ZERO, PROBE_ID, { provider });
          } catch (e) {
            throw new PriceDataError(`${where}: genai-prices cannot use these prices: ${libraryReason(e)}`);
          }
        }
      }),
    );
  } finally {
    console.warn = warn;
  }
  return [...unknownKeys].sort();
}

/**
 * Parses and checks the text of a data.json, without loading it. Throws PriceDataError naming the
 * problem; returns the providers and the price keys this genai-prices version does not know.
 */
export function checkPriceData(text: string): { data: Provider[]; unknownPriceKeys: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the error, so it is not passed on.
    throw new PriceDataError('not valid JSON (expected genai-prices data.json: a list of providers)');
  }
  checkShape(data);
  return { data, unknownPriceKeys: probe(data) };
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
  if (!(Number.isFinite(maxAgeDays) && maxAgeDays >= 0)) throw new PriceDataError(`--prices-max-age-days must be a non-negative number of days, got ${maxAgeDays}`);
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
