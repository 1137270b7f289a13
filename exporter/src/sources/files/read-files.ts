// Reads whole log files line by line for the one-shot and backfill modes (tailing lives in
// sources/file-tail.ts). Each rejected line is reported with its file and line number.
import { createReadStream, promises as fsp } from 'node:fs';
import { createInterface } from 'node:readline';
import fg from 'fast-glob';
import { compressedByMagic, compressedByName } from './file-identity.js';

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

/**
 * Leaves out compressed files (by name, or by their first bytes): a `*.jsonl*` glob also matches
 * logrotate's `app.jsonl.2.gz`, whose bytes are not lines. Each one left out is told to onSkip.
 */
export async function withoutCompressed(files: string[], onSkip: (file: string, format: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let format = compressedByName(file);
    if (!format) {
      const head = Buffer.alloc(16);
      const n = await fsp
        .open(file, 'r')
        .then((fh) => fh.read(head, 0, head.length, 0).finally(() => fh.close()))
        .then((r) => r.bytesRead)
        .catch(() => 0); // unreadable: kept, so that reading it reports the error with its name
      format = compressedByMagic(head.subarray(0, n));
    }
    if (format) onSkip(file, format);
    else out.push(file);
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
