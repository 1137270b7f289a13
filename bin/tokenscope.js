#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the repository needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../exporter/src/cli/main.ts');
await main(process.argv);
