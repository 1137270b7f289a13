// The Python clients' virtualenv, .venv-conformance/ at the repository root (git-ignored): made
// with `python3 -m venv` and filled with `pip install -r test/conformance/python/requirements.txt`
// when it is missing or was made from another requirements file or Python (a hash of both is kept
// in it); otherwise reused as is. Needs python3 with venv (Debian: python3-venv, which
// scripts/ensure-deps.sh installs) and PyPI, or a pip cache holding the pinned wheels.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../support/processes.js';

const run = promisify(execFile);

export const VENV = join(REPO_ROOT, '.venv-conformance');
export const REQUIREMENTS = join(REPO_ROOT, 'test', 'conformance', 'python', 'requirements.txt');
const MARKER = join(VENV, '.requirements.sha256');
const LOCK = `${VENV}.lock`;

export interface PythonEnv {
  python: string;
  /** True when the venv was reused; false when it was (re)installed just now. */
  cached: boolean;
  seconds: number;
}

/** The pinned version of a package in requirements.txt. */
export function pinned(pkg: string): string {
  const m = new RegExp(`^${pkg.replace(/[.-]/g, '[-_.]')}==(\\S+)`, 'im').exec(readFileSync(REQUIREMENTS, 'utf8'));
  if (!m) throw new Error(`${pkg} is not pinned in ${REQUIREMENTS}`);
  return m[1];
}

async function fingerprint(): Promise<string> {
  const { stdout } = await run('python3', ['-c', 'import sys; print(sys.version)']);
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).update(stdout).digest('hex');
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const end = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another run is installing; a lock older than 20 minutes is left over from a killed one.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 20 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > end) throw new Error(`waited too long for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function ensurePythonEnv(): Promise<PythonEnv> {
  const started = Date.now();
  const python = join(VENV, 'bin', 'python');
  const want = await fingerprint();
  const fresh = () => existsSync(python) && existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === want;
  if (fresh()) return { python, cached: true, seconds: (Date.now() - started) / 1000 };
  return withLock(async () => {
    if (fresh()) return { python, cached: true, seconds: (Date.now() - started) / 1000 };
    rmSync(VENV, { recursive: true, force: true });
    try {
      await run('python3', ['-m', 'venv', VENV]);
    } catch (e) {
      throw new Error(`python3 -m venv failed (on Debian install python3-venv; scripts/ensure-deps.sh does): ${(e as { stderr?: string }).stderr ?? e}`);
    }
    try {
      // --no-compile: byte-compiling all of LiteLLM takes longer than the download; Python compiles
      // what the drivers import on first use.
      await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-q', '--no-compile', '-r', REQUIREMENTS], {
        maxBuffer: 64 << 20,
        timeout: 15 * 60_000,
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      rmSync(VENV, { recursive: true, force: true });
      throw new Error(`pip install -r ${REQUIREMENTS} failed:\n${(err.stderr ?? '').slice(-4000)}${(err.stdout ?? '').slice(-2000)}`);
    }
    writeFileSync(MARKER, want + '\n');
    return { python, cached: false, seconds: (Date.now() - started) / 1000 };
  });
}
