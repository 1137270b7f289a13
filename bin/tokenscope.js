#!/usr/bin/env node
// The `tokenscope` command: runs the compiled JavaScript in dist/ (`npm run build` makes it; the
// published package ships it). No TypeScript loader at run time.
import { existsSync } from 'node:fs';

let cli;
try {
  cli = await import('../dist/exporter/src/cli/main.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(new URL('../dist/exporter/src/cli/main.js', import.meta.url))) {
    process.stderr.write('tokenscope: dist/ is missing; in a checkout, run `npm run build` first\n');
    process.exit(1);
  }
  throw e;
}
await cli.main(process.argv);
