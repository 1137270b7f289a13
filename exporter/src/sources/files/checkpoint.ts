// Durable checkpoints: a JSON file replaced atomically, so after a crash it holds either the previous
// or the new snapshot, never a mix or a torn write.
//
// Synchronous on purpose: the caller takes the counters and the tailer's positions() in one
// synchronous turn and writes them before yielding, so no line is handled between the snapshot and
// the write (they cannot drift apart), two saves cannot land out of order, and a save also works
// from an 'exit' handler, where async I/O never completes. The files are small.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class CorruptCheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly movedTo: string,
    cause: unknown,
  ) {
    super(
      `checkpoint ${file} is corrupt (${(cause as Error)?.message ?? String(cause)}); ` +
        `moved aside to ${movedTo} for inspection`,
      { cause },
    );
    this.name = 'CorruptCheckpointError';
  }
}

/**
 * Writes data as JSON to file.tmp-<pid>, fsyncs it, renames it over file and fsyncs the directory.
 * Mode 0600: the state holds request ids and file names, for the exporter's user alone.
 *
 * afterRename runs as soon as the rename has made the new checkpoint the one a restart reads (a
 * kill -9 loses no page cache), before the directory fsync: what must not happen before the
 * checkpoint, but must follow it as closely as possible, goes there (the request log's lines).
 */
export function writeCheckpointAtomic(file: string, data: unknown, afterRename?: () => void): void {
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`checkpoint ${file}: data is not JSON-serialisable`);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, json + '\n');
      fs.fsyncSync(fd); // the data must be on disk before the rename makes it the checkpoint
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  try {
    afterRename?.();
  } finally {
    fsyncDir(path.dirname(file)); // makes the rename itself durable
  }
}

/** The parsed checkpoint, or undefined if there is none. A corrupt one is moved aside and reported. */
export function readCheckpoint<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    // Kept, not deleted: it may still be repaired by hand, and it is evidence of what went wrong.
    const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, movedTo);
    throw new CorruptCheckpointError(file, movedTo, err);
  }
}

function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // Windows cannot open directories; there, rename durability is up to the filesystem
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // Some filesystems do not support fsync on directories; the rename is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  } finally {
    fs.closeSync(fd);
  }
}
