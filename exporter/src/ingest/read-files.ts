// Reads whole log files line by line for the one-shot and backfill modes (tailing lives in
// sources/file-tail.ts). Each rejected line is reported with its file and line number.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import fg from 'fast-glob';

export interface RejectedLine {
  file: string;
  lineNo: number;
  reason: string;
  message: string;
}

/**
 * Expands globs (a plain path stays as it is, even if it does not exist, so the error names it).
 * With `requireMatch`, a glob matching nothing is an error: a one-shot run over a mistyped glob
 * must not succeed with zero events.
 */
export async function expandFiles(patterns: string[], opts: { requireMatch?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) {
    if (!fg.isDynamicPattern(p)) {
      out.push(p);
      continue;
    }
    const found = (await fg(p, { onlyFiles: true, absolute: true })).sort();
    if (found.length === 0 && opts.requireMatch) throw new Error(`no file matches ${p}`);
    out.push(...found);
  }
  return out;
}

export async function forEachLine(file: string, fn: (line: string, lineNo: number) => void): Promise<number> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.length === 0 || line.trim().length === 0) continue;
    fn(line, n);
  }
  return n;
}
