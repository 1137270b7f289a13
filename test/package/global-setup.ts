// vitest globalSetup: the tests start the CLI as users do (bin/tokenscope.js), and the bin runs the
// compiled dist/. Rebuild it first when a source is newer, so a test never runs stale code.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../support/processes.js';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
