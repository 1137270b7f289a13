// `tokenscope backfill FILE... --out DIR`: months of old logs into Prometheus TSDB blocks.
import { loadCatalog } from '../../../catalog/src/load.js';
import { backfill } from '../ingest/backfill.js';
import { expandFiles, withoutCompressed } from '../sources/files/read-files.js';
import { skippedCompressed } from './ingest-command.js';
import { applyPriceOptions, type PriceDataOptions } from './price-options.js';

export async function runBackfill(
  patterns: string[],
  opts: { out: string; catalog?: string; step: number; maxBlockDuration: string; keepOpenmetrics?: string } & PriceDataOptions,
): Promise<void> {
  const catalog = loadCatalog(opts.catalog);
  applyPriceOptions(opts, catalog, (w) => process.stderr.write(`warning: ${w}\n`));
  const files = await withoutCompressed(await expandFiles(patterns, { requireMatch: true }), skippedCompressed);
  const r = await backfill({
    files,
    outDir: opts.out,
    catalog,
    stepSeconds: opts.step,
    maxBlockDuration: opts.maxBlockDuration,
    openMetricsDir: opts.keepOpenmetrics,
    onReject: (x) => process.stderr.write(`${x.file}:${x.lineNo}: ${x.reason}: ${x.message}\n`),
    pipeline: { onUnpriced: (p, m) => process.stderr.write(`warning: no price for ${p}/${m}; counted in ai_unpriced_requests_total\n`) },
  });
  process.stderr.write(
    `backfilled ${r.records} events (${new Date(r.firstMs).toISOString()} .. ${new Date(r.lastMs).toISOString()}) ` +
      `as ${r.steps} samples per series into ${opts.out}; rejected ${r.rejected} line(s)\n`,
  );
}
