// One expansion of the tailer's globs: the matching regular files with their stats.
import { promises as fsp, type Stats } from 'node:fs';
import fg from 'fast-glob';

/** Matching files with their stats, by absolute path, sorted; undefined if the glob itself failed. */
export async function scanFiles(globs: string[], onError: (err: Error, file?: string) => void): Promise<Map<string, Stats> | undefined> {
  let paths: string[];
  try {
    paths = await fg(globs, { absolute: true, onlyFiles: true, unique: true, suppressErrors: true });
  } catch (err) {
    onError(err as Error);
    return undefined;
  }
  paths.sort();
  const found = new Map<string, Stats>();
  const stats = await Promise.all(
    paths.map((p) =>
      fsp.stat(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') onError(err, p); // ENOENT: rotated between glob and stat
        return undefined;
      }),
    ),
  );
  paths.forEach((p, i) => {
    const st = stats[i];
    if (st?.isFile()) found.set(p, st);
  });
  return found;
}
