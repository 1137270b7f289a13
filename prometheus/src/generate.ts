// `npm run build:rules`: catalog/tokenscope.yaml → prometheus/rules/*.yml, the rule list in
// docs/rules.md, the catalog fingerprint in the promtool cases of the catalog rules, and the
// catalog-driven parts of the Prometheus and Alertmanager configs (stack-configs.ts).
//   tsx prometheus/src/generate.ts                       rules and docs into the repository
//   tsx prometheus/src/generate.ts --out DIR [--max-for 2s] [--catalog FILE]
//                                                        rule files only, into DIR (tests, variants)
// --max-for caps every alert's `for:` so an integration test sees alerts fire in seconds; the
// committed files always carry production durations.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { catalogFingerprint } from '../../catalog/src/fingerprint.js';
import { loadCatalog } from '../../catalog/src/load.js';
import type { Catalog } from '../../catalog/src/schema.js';
import type { GenerateOptions } from './config.js';
import { withRuleList } from './docs.js';
import { renderRuleFiles, ruleFiles } from './mixin.js';
import { writeStackConfigs } from './stack-configs.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Repository-relative outputs. */
export const RULES_DIR = 'prometheus/rules';
export const RULES_DOC = 'docs/rules.md';
/** promtool cases of the catalog rules: hand-written, except the catalog's fingerprint in them. */
export const CATALOG_PROMTOOL_TESTS = 'test/rules/promtool/catalog.test.yml';
const FINGERPRINT_MARK = /Fingerprint of catalog\/tokenscope\.yaml: ([0-9a-f]{12})\b/;

/**
 * The promtool cases with every occurrence of the fingerprint they name (on their marked comment
 * line) replaced by the catalog's: a match case must present the rules' own fingerprint, which
 * changes with every catalog edit; the made-up ones of the mismatch cases stay.
 */
export function withCatalogFingerprint(text: string, fingerprint: string): string {
  const m = FINGERPRINT_MARK.exec(text);
  if (!m) throw new Error(`${CATALOG_PROMTOOL_TESTS}: expected a comment "Fingerprint of catalog/tokenscope.yaml: <12 hex>"`);
  return text.split(m[1]).join(fingerprint);
}

/**
 * Writes every rule file into `outDir` and removes .yml files no longer produced (a renamed
 * concern must not leave its old file behind for Prometheus to load). Returns the file names.
 */
export function writeRuleFiles(outDir: string, catalog: Catalog, opts: GenerateOptions = {}): string[] {
  mkdirSync(outDir, { recursive: true });
  const files = renderRuleFiles(catalog, opts);
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  for (const name of readdirSync(outDir)) {
    if (name.endsWith('.yml') && !files.has(name)) rmSync(join(outDir, name));
  }
  return [...files.keys()];
}

/**
 * Everything `build:rules` owns, written under `outRoot` (the repository, or a temporary copy for
 * the drift check). The docs' hand-written parts are read from `repoRoot`.
 */
export function writeRuleArtifacts(outRoot: string, repoRoot: string = REPO_ROOT, catalog: Catalog = loadCatalog()): string[] {
  const names = writeRuleFiles(join(outRoot, RULES_DIR), catalog);
  const docPath = join(repoRoot, RULES_DOC);
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Prometheus rules\n';
  mkdirSync(dirname(join(outRoot, RULES_DOC)), { recursive: true });
  writeFileSync(join(outRoot, RULES_DOC), withRuleList(doc, ruleFiles(catalog)));
  const written = [...names.map((n) => `${RULES_DIR}/${n}`), RULES_DOC];
  const casesPath = join(repoRoot, CATALOG_PROMTOOL_TESTS);
  if (existsSync(casesPath)) {
    mkdirSync(dirname(join(outRoot, CATALOG_PROMTOOL_TESTS)), { recursive: true });
    writeFileSync(join(outRoot, CATALOG_PROMTOOL_TESTS), withCatalogFingerprint(readFileSync(casesPath, 'utf8'), catalogFingerprint(catalog)));
    written.push(CATALOG_PROMTOOL_TESTS);
  }
  return written;
}

function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, catalog: { type: 'string' }, 'max-for': { type: 'string' } },
  });
  const catalog = loadCatalog(values.catalog);
  if (values.out === undefined && values['max-for'] !== undefined) throw new Error('--max-for needs --out: test variants never go into the repository');
  const written =
    values.out === undefined
      ? [...writeRuleArtifacts(REPO_ROOT, REPO_ROOT, catalog), ...writeStackConfigs(REPO_ROOT, catalog)]
      : writeRuleFiles(values.out, catalog, { maxFor: values['max-for'] });
  process.stderr.write(`wrote ${written.length} files${values.out ? ` to ${values.out}` : ''} from catalog ${catalogFingerprint(catalog)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
