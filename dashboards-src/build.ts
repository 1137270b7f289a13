// Entry point: `npm run build:dashboards` (tsx dashboards-src/build.ts) writes every dashboard, the
// provisioning files and docs/dashboards.md. generateDashboards() returns the same content without
// writing, for drift checks (scripts/check-generated.ts) and tests.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as businessFinancial from './business-financial.js';
import * as executiveOverview from './executive-overview.js';
import * as incidentResponse from './incident-response.js';
import * as modelPerformance from './model-performance.js';
import * as providerComparison from './provider-comparison.js';
import * as tokensThroughput from './tokens-throughput.js';
import { renderDocs, type BuiltDashboard } from './docs.js';
import { dashboardsProvider, datasources } from './provisioning.js';
import { SCHEMA_VERSION } from './defaults.js';

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
  const built: BuiltDashboard[] = [];
  for (const f of DASHBOARDS) {
    const d = f.build();
    // The SDK has no setter; its default is newer than the pinned Grafana (see SCHEMA_VERSION).
    d.schemaVersion = SCHEMA_VERSION;
    if (!d.uid || d.uid.length > 40) throw new Error(`dashboard "${d.title}": uid must be 1-40 characters`);
    const path = `provisioning/dashboards/${f.folder}/${d.uid}.json`;
    if (out.has(path)) throw new Error(`duplicate dashboard uid ${d.uid}`);
    out.set(path, json(d));
    built.push({ folder: f.folder, path, dashboard: d });
  }
  out.set('provisioning/dashboards/dashboards.yaml', dashboardsProvider());
  out.set('provisioning/datasources/datasources.yaml', datasources());
  out.set('docs/dashboards.md', renderDocs(built));
  return out;
}

/** Writes every generated file under `outRoot` (the repository, or a temporary copy for a drift check). */
export function writeDashboardArtifacts(outRoot: string = REPO_ROOT): string[] {
  const files = generateDashboards();
  for (const [rel, content] of files) {
    const abs = join(outRoot, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return [...files.keys()];
}

/** Dashboard JSON files on disk that the generator no longer produces (renamed or removed dashboards). */
function stale(files: Set<string>): string[] {
  const root = join(REPO_ROOT, 'provisioning', 'dashboards');
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const f of readdirSync(join(root, entry.name))) {
      const rel = `provisioning/dashboards/${entry.name}/${f}`;
      if (f.endsWith('.json') && !files.has(rel)) out.push(rel);
    }
  }
  return out;
}

function main(): void {
  const written = writeDashboardArtifacts(REPO_ROOT);
  const removed = stale(new Set(written));
  for (const rel of removed) rmSync(join(REPO_ROOT, rel));
  process.stdout.write(`wrote ${written.length} files${removed.length ? `, removed ${removed.length} stale` : ''}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
