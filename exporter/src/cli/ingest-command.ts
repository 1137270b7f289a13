// `tokenscope ingest --once FILE...`: one pass over the files, exposition on stdout, reasons on stderr.
import { loadCatalog } from '../../../catalog/src/load.js';
import { Pipeline } from '../ingest/pipeline.js';
import { expandFiles, forEachLine, withoutCompressed } from '../sources/files/read-files.js';
import { MetricsRenderer } from '../exposition/renderer.js';
import { writeOut } from './output.js';
import { applyPriceOptions, type PriceDataOptions } from './price-options.js';

export function skippedCompressed(file: string, format: string): void {
  process.stderr.write(`skipped ${file}: ${format} (compressed; decompress it to read it)\n`);
}

export async function runIngestOnce(patterns: string[], opts: { catalog?: string } & PriceDataOptions): Promise<void> {
  const catalog = loadCatalog(opts.catalog);
  applyPriceOptions(opts, catalog, (w) => process.stderr.write(`warning: ${w}\n`));
  const pipeline = new Pipeline(catalog, {
    onUnpriced: (provider, model) => process.stderr.write(`warning: no price for ${provider}/${model}; counted in ai_unpriced_requests_total\n`),
  });
  const files = await withoutCompressed(await expandFiles(patterns, { requireMatch: true }), skippedCompressed);
  let rejected = 0;
  for (const file of files) {
    await forEachLine(file, (line, lineNo) => {
      const r = pipeline.ingestLine(line, 'file');
      if (!r.ok) {
        rejected++;
        process.stderr.write(`${file}:${lineNo}: ${r.reason}: ${r.message}\n`);
      }
    });
  }
  const renderer = new MetricsRenderer(pipeline, { processMetrics: false });
  await writeOut(renderer.renderUsage() + renderer.renderCatalog());
  process.stderr.write(`ingested ${pipeline.stats.linesFor('file') - rejected} events from ${files.length} file(s), rejected ${rejected} line(s)\n`);
}
