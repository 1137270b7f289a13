// Entry point: `npm run build:dashboards` (tsx dashboards-src/build.ts) writes every dashboard and
// the provisioning files. generateDashboards() returns the same content without writing, for drift
// checks (scripts/check-generated.ts) and tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as businessFinancial from './business-financial.js';
import * as executiveOverview from './executive-overview.js';
import * as incidentResponse from './incident-response.js';
import * as modelPerformance from './model-performance.js';
import * as providerComparison from './provider-comparison.js';
import * as tokensThroughput from './tokens-throughput.js';
import { dashboardsProvider, datasources } from './provisioning.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface DashboardFile {
  /** Grafana folder (the sub-directory under provisioning/dashboards/, one level). */
  folder: string;
  build: () => Dashboard;
}

/** Folders by audience: what a person opens first in the morning. */
export const DASHBOARDS: DashboardFile[] = [
  { folder: 'llm-overview', build: executiveOverview.build },
  { folder: 'llm-engineering', build: modelPerformance.build },
  { folder: 'llm-engineering', build: providerComparison.build },
  { folder: 'llm-finance', build: businessFinancial.build },
  { folder: 'llm-operations', build: incidentResponse.build },
  { folder: 'llm-engineering', build: tokensThroughput.build },
];

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** Every generated file, keyed by its path relative to the repository root (POSIX separators). */
export function generateDashboards(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of DASHBOARDS) {
    const d = f.build();
    if (!d.uid || d.uid.length > 40) throw new Error(`dashboard "${d.title}": uid must be 1-40 characters`);
    out.set(`provisioning/dashboards/${f.folder}/${d.uid}.json`, json(d));
  }
  out.set('provisioning/dashboards/dashboards.yaml', dashboardsProvider());
  out.set('provisioning/datasources/datasources.yaml', datasources());
  return out;
}

function main(): void {
  const files = generateDashboards();
  for (const [rel, content] of files) {
    const abs = join(REPO_ROOT, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  process.stdout.write(`wrote ${files.size} files under provisioning/\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
