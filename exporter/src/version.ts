// The exporter's version, read once from package.json for build info and --version, and the
// package root the default catalog is found from. The root is found by walking up from this file
// to tokenscope's package.json, so the same code works from exporter/src (tsx, tests) and from the
// compiled dist/ (the installed package), whose directory depths differ.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tokenscope' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`tokenscope: no package.json named "tokenscope" above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const found = findPackage();

/** The directory holding tokenscope's package.json (the checkout, or node_modules/tokenscope). */
export const PACKAGE_ROOT: string = found.root;
export const VERSION: string = found.version;
