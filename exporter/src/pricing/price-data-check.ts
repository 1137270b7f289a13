// Checks the text of a genai-prices data.json before it is loaded. The shape checks are only what
// must hold for the library to read the data at all (its d.ts types and README's required fields),
// so a broken file is named here instead of failing inside the library; then the library prices
// every model once, to catch what only it can judge (price keys, tiers, constraints).
import { calcPrice, type ModelInfo, type Provider } from '@pydantic/genai-prices';

/** A prices file that cannot be used; the message names the file and the problem, never its contents. */
export class PriceDataError extends Error {}

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
export function libraryReason(e: unknown): string {
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
