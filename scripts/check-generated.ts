// `npm run check:generated`: every generator writes into a temporary copy of the repository and
// the result is compared with the committed files. Exit 1 with the list of drifted files: changed,
// missing, or left behind in a directory the generator owns.
//
// To add a generator (dashboards, …), append to GENERATORS: `write` puts its files under `outRoot`
// at their repository paths (reading hand-written inputs from `repoRoot`); `owns` lists directories
// whose every file it produces, so stale files there are reported too.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeDashboardArtifacts } from '../dashboards-src/build.js';
import { REPO_ROOT, RULES_DIR, writeRuleArtifacts } from '../prometheus/src/generate.js';
import { writeMetricsDoc } from '../exporter/src/contract/docs.js';
import { writeStackConfigs } from '../prometheus/src/stack-configs.js';
import { loadCatalog } from '../catalog/src/load.js';

export interface Generator {
  name: string;
  /** Repository-relative directories whose files all come from this generator. */
  owns: string[];
  write: (outRoot: string, repoRoot: string) => void | Promise<void>;
}

export const GENERATORS: Generator[] = [
  { name: 'prometheus rules (npm run build:rules)', owns: [RULES_DIR], write: (out, repo) => void writeRuleArtifacts(out, repo) },
  // docs/dashboards.md is generated too and compared, but docs/ holds hand-written files: not owned.
  { name: 'dashboards (npm run build:dashboards)', owns: ['provisioning/dashboards'], write: (out) => void writeDashboardArtifacts(out) },
  { name: 'docs/metrics.md (npm run build:docs)', owns: [], write: (out) => void writeMetricsDoc(out) },
  { name: 'Prometheus and Alertmanager configs (npm run build:rules)', owns: [], write: (out, repo) => void writeStackConfigs(out, loadCatalog(), repo) },
];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

export async function checkGenerated(repoRoot: string = REPO_ROOT, generators: Generator[] = GENERATORS): Promise<string[]> {
  const drift: string[] = [];
  for (const g of generators) {
    const tmp = mkdtempSync(join(tmpdir(), 'tokenscope-generated-'));
    try {
      await g.write(tmp, repoRoot);
      const produced = filesUnder(tmp).map((f) => relative(tmp, f));
      for (const rel of produced) {
        const committed = join(repoRoot, rel);
        if (!existsSync(committed)) drift.push(`${rel}: missing (${g.name})`);
        else if (readFileSync(committed, 'utf8') !== readFileSync(join(tmp, rel), 'utf8')) drift.push(`${rel}: differs from its source (${g.name})`);
      }
      for (const dir of g.owns) {
        for (const f of filesUnder(join(repoRoot, dir))) {
          const rel = relative(repoRoot, f);
          if (!produced.includes(rel)) drift.push(`${rel}: no longer generated (${g.name}); delete it`);
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return drift;
}

async function main(): Promise<void> {
  const drift = await checkGenerated();
  if (drift.length) {
    process.stderr.write(`generated files are out of date:\n${drift.map((d) => `  ${d}`).join('\n')}\nrun the generators named above and commit the result.\n`);
    process.exit(1);
  }
  process.stderr.write(`generated files are up to date (${GENERATORS.length} generator${GENERATORS.length === 1 ? '' : 's'})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
