// `tokenscope export`: usage per hour, day or week and per model/provider/team/feature (or project)
// as CSV or JSON for spreadsheets, read from Prometheus. All or nothing, like the report.
import type { Command } from 'commander';
import { PrometheusClient } from '../../../reader/src/prometheus-client/client.js';
import { prometheusUrl } from '../../../reader/src/prometheus-client/url-setting.js';
import { buildExport, exportCsv, exportJson, type ExportResult } from '../../../reader/src/report/export.js';
import { parseBound } from '../../../reader/src/report/periods.js';
import { BUCKET_SIZES, type BucketSize } from '../../../reader/src/report/time-buckets.js';
import { REQUEST_DIMENSIONS, type Dimension } from '../../../reader/src/report/usage.js';
import { writeOut } from './output.js';
import { seconds } from './report-command.js';

export interface ExportCommandOptions {
  from: string;
  to: string;
  groupBy: string;
  by?: string;
  models?: string;
  providers?: string;
  format: string;
  prometheus?: string;
  catalog?: string;
  timeout: number;
}

const DIMENSIONS: readonly Dimension[] = [...REQUEST_DIMENSIONS, 'project'];

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export async function runExport(opts: ExportCommandOptions): Promise<void> {
  const fromMs = parseBound(opts.from, '--from', 'start');
  const toMs = parseBound(opts.to, '--to', 'end');
  if (toMs <= fromMs) throw new Error(`--to (${opts.to}) must be after --from (${opts.from})`);
  if (!BUCKET_SIZES.includes(opts.groupBy as BucketSize)) throw new Error(`--group-by must be one of ${BUCKET_SIZES.join(', ')}, got "${opts.groupBy}"`);
  const by = list(opts.by);
  for (const d of by) if (!DIMENSIONS.includes(d as Dimension)) throw new Error(`--by: expected a comma list of ${DIMENSIONS.join(', ')}, got "${d}"`);
  if (new Set(by).size !== by.length) throw new Error(`--by: "${opts.by}" names a label twice`);
  if (opts.format !== 'csv' && opts.format !== 'json') throw new Error(`--format must be csv or json, got "${opts.format}"`);
  if (!(opts.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  const client = new PrometheusClient({ url: prometheusUrl(opts.prometheus, '--prometheus'), timeoutMs: opts.timeout * 1000 });
  // Imported here, not at the top: the catalog's zod schema is most of `tokenscope --help`'s start-up.
  const { loadCatalog } = await import('../../../catalog/src/load.js');
  const catalog = loadCatalog(opts.catalog);
  let result: ExportResult;
  try {
    result = await buildExport({
      client, catalog, fromMs, toMs, groupBy: opts.groupBy as BucketSize, by: by as Dimension[], filter: { models: list(opts.models), providers: list(opts.providers), catalogModels: catalog.models },
    });
  } catch (e) {
    throw new Error(`no export written: ${(e as Error).message}`);
  }
  await writeOut(opts.format === 'csv' ? exportCsv(result) : exportJson(result));
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('usage per time bucket and group as CSV or JSON for spreadsheets, read from Prometheus')
    .requiredOption('--from <when>', 'start: YYYY-MM-DD (UTC) or ISO date-time with zone')
    .requiredOption('--to <when>', 'end: a date is inclusive (the whole day), a date-time exclusive')
    .option('--group-by <size>', 'hour | day | week (ISO weeks, Monday 00:00 UTC)', 'day')
    .option('--by <labels>', 'comma list of model, provider, team, feature; or project alone')
    .option('--models <list>', 'only these model ids (comma list)')
    .option('--providers <list>', 'only these providers (comma list)')
    .option('--format <f>', 'csv | json', 'csv')
    .option('--prometheus <url>', 'Prometheus base URL (default: env PROMETHEUS_URL)')
    .option('--catalog <file>', 'catalog YAML (display currency)')
    .option('--timeout <seconds>', 'deadline for each Prometheus query', seconds, 30)
    .action(runExport);
}
