// `tokenscope report`: a daily, weekly or monthly cost report read from Prometheus, as Markdown
// (chat, email), CSV or JSON. Nothing is written unless every query succeeded (docs/reports.md).
import { InvalidArgumentError, type Command } from 'commander';
import { PrometheusClient } from '../../../reader/src/prometheus-client/client.js';
import { prometheusUrl } from '../../../reader/src/prometheus-client/url-setting.js';
import { buildReport, type CostReport } from '../../../reader/src/report/build-report.js';
import { REPORT_PERIODS, type ReportPeriod } from '../../../reader/src/report/periods.js';
import { renderReportCsv } from '../../../reader/src/report/render-csv.js';
import { renderMarkdown } from '../../../reader/src/report/render-markdown.js';
import { writeOut } from './output.js';

export interface ReportCommandOptions {
  period: string;
  at?: string;
  format: string;
  prometheus?: string;
  catalog?: string;
  /** Seconds per Prometheus query. */
  timeout: number;
}

const FORMATS = ['md', 'csv', 'json'] as const;

export async function runReport(opts: ReportCommandOptions): Promise<void> {
  if (!REPORT_PERIODS.includes(opts.period as ReportPeriod)) throw new Error(`--period must be one of ${REPORT_PERIODS.join(', ')}, got "${opts.period}"`);
  if (!FORMATS.includes(opts.format as (typeof FORMATS)[number])) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
  if (!(opts.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  const client = new PrometheusClient({ url: prometheusUrl(opts.prometheus, '--prometheus'), timeoutMs: opts.timeout * 1000 });
  // Imported here, not at the top: the catalog's zod schema is most of `tokenscope --help`'s start-up.
  const { loadCatalog } = await import('../../../catalog/src/load.js');
  const catalog = loadCatalog(opts.catalog);
  let report: CostReport;
  try {
    report = await buildReport({ client, catalog, period: opts.period as ReportPeriod, at: opts.at });
  } catch (e) {
    throw new Error(`no report written: ${(e as Error).message}`);
  }
  const text = opts.format === 'md' ? renderMarkdown(report) : opts.format === 'csv' ? renderReportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
  await writeOut(text);
}

/** Seconds, fractions allowed ("0.5"), for --timeout. */
export function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${v}"`);
  return n;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('cost report for a UTC day, ISO week or calendar month, read from Prometheus')
    .option('--period <p>', 'daily | weekly | monthly', 'daily')
    .option('--at <date>', 'a date inside the period, YYYY-MM-DD (monthly: also YYYY-MM); default: the last complete period')
    .option('--format <f>', 'md | csv | json', 'md')
    .option('--prometheus <url>', 'Prometheus base URL (default: env PROMETHEUS_URL)')
    .option('--catalog <file>', 'catalog YAML (display currency, budgets, thresholds)')
    .option('--timeout <seconds>', 'deadline for each Prometheus query', seconds, 30)
    .action(runReport);
}
