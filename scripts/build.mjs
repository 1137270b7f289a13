// `npm run build`: compiles exporter/src, catalog/src and reader/src to dist/ (JavaScript + .d.ts) with tsc -p tsconfig.build.json.
// Plain JavaScript, so it runs before anything is built and without tsx.
//
//   node scripts/build.mjs             always build; any type error fails it (npm pack runs this)
//   node scripts/build.mjs --if-stale  build only when a source or tsconfig is newer than dist/; a
//                                      type error is reported but the emitted JavaScript is kept,
//                                      as tsx would have run it (the tests and npm start use this;
//                                      npm test type-checks separately)
//
// The build goes to a temporary directory that then replaces dist/, so a running `tokenscope`
// never sees a half-written dist/ and files of deleted sources do not linger. A lock directory
// keeps concurrent builds (two vitest runs, npm test and npm start) from racing: the second one
// waits, then finds dist/ fresh and does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(ROOT, '.dist.lock');
const INPUTS = ['exporter/src', 'catalog/src', 'reader/src', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time among the build's inputs. */
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const i of INPUTS) visit(join(ROOT, i));
  return newest;
}

export function isStale() {
  if (!existsSync(STAMP) || !existsSync(join(DIST, 'cli', 'main.js'))) return true;
  return newestInput() > statSync(STAMP).mtimeMs;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function withLock(fn) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      // A lock left by a build that was killed is taken over.
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`build: ${LOCK} held for 3 minutes; remove it if no build is running`);
      else sleep(100);
    }
  }
  try {
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function build({ lenient }) {
  const started = Date.now();
  const tmp = join(ROOT, `.dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', tmp], { cwd: ROOT, stdio: 'inherit' });
  // tsc exits 2 when it reported errors but still wrote every file, 1 when it wrote nothing.
  if (r.status === 2 && lenient && existsSync(join(tmp, 'cli', 'main.js'))) {
    process.stderr.write('build: type errors above; dist/ built anyway (npm run build would fail)\n');
  } else if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`build: tsc failed (exit ${r.status ?? r.signal})`);
  }
  // Stamped with the start time: a source saved during the build leaves dist/ stale.
  writeFileSync(join(tmp, '.build-stamp'), '');
  utimesSync(join(tmp, '.build-stamp'), started / 1000, started / 1000);
  const old = join(ROOT, `.dist.old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
}

export function ensureBuilt({ ifStale = false } = {}) {
  if (ifStale && !isStale()) return false;
  return withLock(() => {
    if (ifStale && !isStale()) return false; // another process built it while we waited
    build({ lenient: ifStale });
    return true;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (ensureBuilt({ ifStale }) && ifStale) process.stderr.write('built dist/ (a source changed)\n');
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
