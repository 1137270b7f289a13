// Reads and validates the catalog. Errors name the file, the path inside it and what was expected,
// because the catalog is hand-edited by platform teams and a vague error costs them an evening.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../exporter/src/version.js';
import { catalogSchema, type Catalog, type SloTargets } from './schema.js';

/** catalog/tokenscope.yaml at the package root, from the sources and from dist/ alike. */
export const DEFAULT_CATALOG_PATH = join(PACKAGE_ROOT, 'catalog', 'tokenscope.yaml');

export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`${file}: invalid catalog\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

function pathOf(path: PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Cross-references zod cannot see: unique slugs, and names that must point at declared providers. */
function crossCheck(c: Catalog): string[] {
  const out: string[] = [];
  const slugs = new Set<string>();
  c.providers.forEach((p, i) => {
    if (slugs.has(p.slug)) out.push(`providers[${i}].slug: duplicate provider "${p.slug}"`);
    slugs.add(p.slug);
  });
  const modelKeys = new Set<string>();
  c.models.forEach((m, i) => {
    if (!slugs.has(m.provider)) out.push(`models[${i}].provider: expected one of the declared providers, got "${m.provider}"`);
    const key = `${m.provider}/${m.id}`;
    if (modelKeys.has(key)) out.push(`models[${i}].id: duplicate model "${key}"`);
    modelKeys.add(key);
    const p = c.providers.find((x) => x.slug === m.provider);
    if (p && !p.pricing_id && !m.prices) {
      out.push(`models[${i}].prices: expected prices for "${m.id}" because provider "${m.provider}" has no pricing_id`);
    }
  });
  c.budgets.providers.forEach((b, i) => {
    if (!slugs.has(b.name)) out.push(`budgets.providers[${i}].name: expected one of the declared providers, got "${b.name}"`);
  });
  for (const name of Object.keys(c.slo.providers)) {
    if (!slugs.has(name)) out.push(`slo.providers.${name}: expected one of the declared providers`);
  }
  return out;
}

export function parseCatalog(text: string, file = '<catalog>'): Catalog {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new CatalogError(file, [`(yaml): ${(e as Error).message.split('\n')[0]}`]);
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CatalogError(
      file,
      parsed.error.issues.map((i: z.core.$ZodIssue) => `${pathOf(i.path)}: ${i.message}`),
    );
  }
  const problems = crossCheck(parsed.data);
  if (problems.length) throw new CatalogError(file, problems);
  return parsed.data;
}

export function loadCatalog(file: string = DEFAULT_CATALOG_PATH): Catalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CatalogError(file, [`(file): cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseCatalog(text, file);
}

/** SLO targets for a provider: its own overrides on top of the global ones. */
export function sloFor(c: Catalog, provider: string): SloTargets {
  return { ...c.slo.global, ...(c.slo.providers[provider] ?? {}) };
}
