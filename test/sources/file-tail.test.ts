import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileTailer,
  LineTooLongError,
  type FileTailerOptions,
  type LineBatch,
  type SavedPositions,
} from '../../exporter/src/sources/files/file-tail.js';

let dir: string;
const tailers: FileTailer[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenscope-tail-'));
});
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const p = (name: string) => path.join(dir, name);
const append = (name: string, text: string) => fs.appendFileSync(p(name), text);

/** A tailer that records "<basename>:<lineNo>:<text>" for every delivered line, and every error. */
function tail(opts: Partial<FileTailerOptions> = {}) {
  const got: string[] = [];
  const batches: LineBatch[] = [];
  const errors: { err: Error; file?: string }[] = [];
  const tailer = new FileTailer({
    globs: [p('*.log')],
    ...opts,
    onLines: (b) => {
      batches.push(b);
      b.lines.forEach((line, i) => got.push(`${path.basename(b.file)}:${b.firstLineNo + i}:${line}`));
      opts.onLines?.(b);
    },
    onError: (err, file) => errors.push({ err, file }),
  });
  tailers.push(tailer);
  /** Lines delivered since the last call. */
  const take = () => got.splice(0);
  return { tailer, take, batches, errors };
}

describe('FileTailer', () => {
  it('keeps saved positions whose file is missing at start, and resumes them when it reappears', async () => {
    append('a.log', 'one\ntwo\n');
    const first = tail();
    await first.tailer.pollOnce();
    expect(first.take()).toEqual(['a.log:1:one', 'a.log:2:two']);
    const saved = JSON.parse(JSON.stringify(first.tailer.positions())) as SavedPositions;
    await first.tailer.stop();

    // The log directory is unavailable when the exporter restarts (e.g. mounted late).
    fs.renameSync(p('a.log'), p('a.away'));
    const second = tail({ positions: saved });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual([]);
    expect(second.tailer.positions()[p('a.log')]).toMatchObject({ offset: 8, lineNo: 2 });
    expect(second.errors.map((e) => e.err.message).join()).toMatch(/saved positions for 1 file\(s\) not found yet/);

    fs.renameSync(p('a.away'), p('a.log'));
    append('a.log', 'three\n');
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['a.log:3:three']);
  });

  it('holds a partial line back until its newline arrives', async () => {
    const { tailer, take, batches } = tail();
    append('a.log', 'one\ntw');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:one']);
    expect(tailer.positions()[p('a.log')]).toMatchObject({ offset: 4, lineNo: 1 });

    append('a.log', 'o\nthr');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:2:two']);
    await tailer.pollOnce();
    expect(take()).toEqual([]);

    append('a.log', 'ee\nfour\nfive\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:3:three', 'a.log:4:four', 'a.log:5:five']);
    expect(batches.at(-1)?.lines).toHaveLength(3); // one batch per chunk
    const st = fs.statSync(p('a.log'));
    expect(tailer.positions()).toEqual({
      // fp: the fingerprint of the first line, by which a copy of the file is recognised.
      [p('a.log')]: { dev: st.dev, ino: st.ino, offset: st.size, lineNo: 5, size: st.size, fp: expect.stringMatching(/^[0-9a-f]{32}$/), fpLen: 4 },
    });
  });

  it('follows rename+create rotation with a *.log* glob: nothing lost, nothing twice', async () => {
    const { tailer, take } = tail({ globs: [p('*.log*')] });
    const writer = fs.openSync(p('app.log'), 'a');
    fs.writeSync(writer, '1\n2\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log:1:1', 'app.log:2:2']);

    fs.writeSync(writer, '3\n');
    fs.renameSync(p('app.log'), p('app.log.1'));
    fs.writeSync(writer, '4\n'); // the writer has not reopened yet
    fs.closeSync(writer);
    append('app.log', '5\n6\n');
    await tailer.pollOnce();
    // The old file is read to its end before its successor starts.
    expect(take()).toEqual(['app.log.1:3:3', 'app.log.1:4:4', 'app.log:1:5', 'app.log:2:6']);

    append('app.log.1', '7\n'); // still followed under its new name
    await tailer.pollOnce();
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log.1:5:7']);
    const pos = tailer.positions();
    expect(Object.keys(pos).sort()).toEqual([p('app.log'), p('app.log.1')]);
    expect(pos[p('app.log.1')]).toMatchObject({ ino: fs.statSync(p('app.log.1')).ino, lineNo: 5 });
    expect(pos[p('app.log')]).toMatchObject({ ino: fs.statSync(p('app.log')).ino, offset: 4, lineNo: 2 });
  });

  it('drains a file rotated out of the glob, then forgets it', async () => {
    const { tailer, take } = tail({ globs: [p('app.log')] });
    const writer = fs.openSync(p('app.log'), 'a');
    fs.writeSync(writer, '1\n');
    await tailer.pollOnce();
    fs.writeSync(writer, '2\n');
    fs.renameSync(p('app.log'), p('app.old'));
    fs.writeSync(writer, '3\n');
    fs.closeSync(writer);
    append('app.log', 'new\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log:1:1', 'app.log:2:2', 'app.log:3:3', 'app.log:1:new']);
    expect(tailer.positions()).toEqual({
      [p('app.log')]: expect.objectContaining({ ino: fs.statSync(p('app.log')).ino, offset: 4, lineNo: 1 }),
    });
  });

  it('drains a deleted file and drops its position', async () => {
    const { tailer, take } = tail();
    append('a.log', '1\n');
    await tailer.pollOnce();
    const fd = fs.openSync(p('a.log'), 'a');
    fs.unlinkSync(p('a.log'));
    fs.writeSync(fd, '2\n');
    fs.closeSync(fd);
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:1', 'a.log:2:2']);
    expect(tailer.positions()).toEqual({});
  });

  it('reads a file truncated in place (copytruncate) from the start', async () => {
    const { tailer, take } = tail();
    append('a.log', 'old 1\nold 2\n');
    await tailer.pollOnce();
    fs.copyFileSync(p('a.log'), p('a.log.1'));
    fs.truncateSync(p('a.log'), 0);
    append('a.log', 'new\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:old 1', 'a.log:2:old 2', 'a.log:1:new']);
    expect(tailer.positions()[p('a.log')]).toMatchObject({ offset: 4, lineNo: 1 });
  });

  it('copytruncate under *.log*: the copy resumes at the old offset, the original at 0', async () => {
    const { tailer, take } = tail({ globs: [p('*.log*')] });
    append('app.log', 'old 1\nold 2\n');
    await tailer.pollOnce();
    append('app.log', 'unread 3\n'); // written after our last read, before the copy
    fs.copyFileSync(p('app.log'), p('app.log.1'));
    fs.truncateSync(p('app.log'), 0);
    append('app.log', 'new 1\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log:1:old 1', 'app.log:2:old 2', 'app.log:1:new 1', 'app.log.1:3:unread 3']);
    append('app.log', 'new 2\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log:2:new 2']);
    expect(Object.keys(tailer.positions()).sort()).toEqual([p('app.log'), p('app.log.1')]); // nothing left detached
  });

  it('copytruncate seen half-way: the copy is held while the original still has its content', async () => {
    const { tailer, take } = tail({ globs: [p('*.log*')] });
    append('app.log', '1\n2\n');
    await tailer.pollOnce();
    append('app.log', '3\n');
    fs.copyFileSync(p('app.log'), p('app.log.1'));
    append('app.log', '4\n'); // after the copy: only in the original
    await tailer.pollOnce(); // both exist, same content
    expect(take()).toEqual(['app.log:1:1', 'app.log:2:2', 'app.log:3:3', 'app.log:4:4']);
    expect(Object.keys(tailer.positions())).toEqual([p('app.log')]); // a held copy has no position of its own
    fs.truncateSync(p('app.log'), 0);
    append('app.log', '5\n');
    await tailer.pollOnce();
    await tailer.pollOnce();
    expect(take()).toEqual(['app.log:1:5']);
    append('app.log.1', '6\n'); // should the copy grow, it is read from its end
    await tailer.pollOnce();
    // (Its line numbers go on from the original's: the copy is shorter than what was read of it.)
    expect(take()).toEqual(['app.log.1:5:6']);
  });

  it('copytruncate while down: the original from 0, the copy from the saved offset', async () => {
    const first = tail({ globs: [p('*.log*')] });
    append('app.log', 'a 1\na 2\n');
    await first.tailer.pollOnce();
    const saved = JSON.parse(JSON.stringify(first.tailer.positions())) as SavedPositions;
    await first.tailer.stop();
    append('app.log', 'a 3\n');
    fs.copyFileSync(p('app.log'), p('app.log.1'));
    fs.truncateSync(p('app.log'), 0);
    append('app.log', 'b 1 is longer than the old lines\n'); // grown past the old offset: size alone would not tell
    const second = tail({ globs: [p('*.log*')], positions: saved });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['app.log:1:b 1 is longer than the old lines', 'app.log.1:3:a 3']);
  });

  it('restarts with a copy held: it is held again, not read from 0', async () => {
    const first = tail({ globs: [p('*.log*')] });
    append('app.log', '1\n2\n');
    fs.copyFileSync(p('app.log'), p('app.log.1'));
    await first.tailer.pollOnce();
    expect(first.take()).toEqual(['app.log:1:1', 'app.log:2:2']);
    const saved = JSON.parse(JSON.stringify(first.tailer.positions())) as SavedPositions;
    await first.tailer.stop();
    const second = tail({ globs: [p('*.log*')], positions: saved });
    await second.tailer.pollOnce();
    fs.truncateSync(p('app.log'), 0);
    append('app.log', '3\n');
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['app.log:1:3']);
  });

  it('a truncation whose copy shows up later (even after a restart) leaves a detached position for it', async () => {
    const first = tail({ globs: [p('*.log*')] });
    append('app.log', '1\n2\n');
    await first.tailer.pollOnce();
    append('app.log', '3\n');
    fs.copyFileSync(p('app.log'), p('app.tmp')); // not matched yet
    fs.truncateSync(p('app.log'), 0);
    await first.tailer.pollOnce();
    const saved = JSON.parse(JSON.stringify(first.tailer.positions())) as SavedPositions;
    await first.tailer.stop();
    expect(Object.values(saved).filter((s) => s.detached)).toEqual([expect.objectContaining({ offset: 4, lineNo: 2 })]);
    fs.renameSync(p('app.tmp'), p('app.log.1'));
    const second = tail({ globs: [p('*.log*')], positions: saved });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['app.log.1:3:3']);
    expect(Object.values(second.tailer.positions()).some((s) => s.detached)).toBe(false);
  });

  it('a file replaced under the same inode number is read from 0 when its first line differs', async () => {
    const first = tail();
    append('a.log', 'first 1\nfirst 2\n');
    await first.tailer.pollOnce();
    const saved = first.tailer.positions();
    await first.tailer.stop();
    fs.writeFileSync(p('a.log'), 'other 1\nother 2\nother 3\n'); // same inode, new content, larger
    const second = tail({ positions: saved });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['a.log:1:other 1', 'a.log:2:other 2', 'a.log:3:other 3']);
  });

  it('restarts from a checkpoint taken inside onLines: every line exactly once', async () => {
    const all = Array.from({ length: 40 }, (_, i) => `{"n":${i},"s":"${'x'.repeat(i % 7)}"}`);
    append('a.log', all.slice(0, 25).join('\n') + '\n' + all[25].slice(0, 5)); // ends mid-line
    // Commit (lines + positions, as the exporter does) on every third batch, then "crash".
    let counted: string[] = [];
    let committed = { lines: [] as string[], positions: '{}' };
    let n = 0;
    const first = tail({
      readChunkBytes: 13,
      onLines: (b) => {
        counted = counted.concat(b.lines);
        if (++n % 3 === 0) committed = { lines: [...counted], positions: JSON.stringify(first.tailer.positions()) };
      },
    });
    await first.tailer.pollOnce();
    expect(counted).toEqual(all.slice(0, 25));
    expect(committed.lines.length).toBeLessThan(25); // the crash loses uncommitted work

    append('a.log', all[25].slice(5) + '\n' + all.slice(26).join('\n') + '\n');
    const positions = JSON.parse(committed.positions) as SavedPositions;
    const second = tail({ readChunkBytes: 13, positions });
    await second.tailer.pollOnce();
    const resumed = second.take().map((s) => s.split(':').slice(2).join(':'));
    expect([...committed.lines, ...resumed]).toEqual(all);
    expect(second.tailer.positions()[p('a.log')]).toMatchObject({ lineNo: 40, offset: fs.statSync(p('a.log')).size });
  });

  it('restarts after a rotation while down: the rotated file is resumed by inode under *.log*', async () => {
    const first = tail({ globs: [p('*.log*')] });
    append('app.log', '1\n2\n');
    await first.tailer.pollOnce();
    const saved = JSON.parse(JSON.stringify(first.tailer.positions())) as SavedPositions;
    await first.tailer.stop();

    append('app.log', '3\n');
    fs.renameSync(p('app.log'), p('app.log.1'));
    append('app.log', '4\n');

    const second = tail({ globs: [p('*.log*')], positions: saved, startAt: 'end' });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['app.log:1:4', 'app.log.1:3:3']);
  });

  it('restarts after a rotation while down with a glob missing the rotated file: the new file from 0', async () => {
    const first = tail({ globs: [p('app.log')] });
    append('app.log', '1\n2\n');
    await first.tailer.pollOnce();
    const saved = first.tailer.positions();
    await first.tailer.stop();

    append('app.log', 'lost\n'); // documented loss: written to the old file after the checkpoint
    fs.renameSync(p('app.log'), p('app.log.1'));
    append('app.log', '4\n');
    const second = tail({ globs: [p('app.log')], positions: saved, startAt: 'end' });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['app.log:1:4']);
  });

  it('restarts from 0 when the file shrank below the saved offset while down', async () => {
    const first = tail();
    append('a.log', 'aaaa\nbbbb\n');
    await first.tailer.pollOnce();
    const saved = first.tailer.positions();
    fs.truncateSync(p('a.log'), 0);
    append('a.log', 'c\n');
    const second = tail({ positions: saved });
    await second.tailer.pollOnce();
    expect(second.take()).toEqual(['a.log:1:c']);
  });

  it('keeps given positions in positions() until the first scan has matched them', () => {
    const saved: SavedPositions = { '/x/a.log': { dev: 1, ino: 2, offset: 3, lineNo: 1 } };
    expect(tail({ positions: saved }).tailer.positions()).toEqual(saved);
  });

  it("startAt 'end' skips existing complete lines on a first run and keeps the line in progress", async () => {
    append('a.log', 'old 1\nold 2\npart');
    const { tailer, take } = tail({ startAt: 'end' });
    await tailer.pollOnce();
    expect(take()).toEqual([]);
    append('a.log', 'ial\nnew\n');
    append('b.log', 'b1\n'); // appeared after the first scan: read from its start
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:partial', 'a.log:2:new', 'b.log:1:b1']);
  });

  for (const readChunkBytes of [4, 1024]) {
    it(`skips an oversize line, reports file and line number, and goes on (chunk ${readChunkBytes})`, async () => {
      const { tailer, take, errors } = tail({ maxLineBytes: 10, readChunkBytes });
      append('a.log', 'ok 1\n' + 'x'.repeat(30) + '\nok 3\n0123456789\n');
      await tailer.pollOnce();
      expect(take()).toEqual(['a.log:1:ok 1', 'a.log:3:ok 3', 'a.log:4:0123456789']);
      expect(errors).toHaveLength(1);
      const err = errors[0].err as LineTooLongError;
      expect(err).toBeInstanceOf(LineTooLongError);
      expect(errors[0].file).toBe(p('a.log'));
      expect(err.message).toContain(`${p('a.log')}:2:`);
      expect(err.lineNo).toBe(2);
      expect(tailer.positions()[p('a.log')]).toMatchObject({ lineNo: 4, offset: fs.statSync(p('a.log')).size });
    });
  }

  it('reports an oversize line still being written once, and resumes after its newline', async () => {
    const { tailer, take, errors } = tail({ maxLineBytes: 8, readChunkBytes: 4 });
    append('a.log', 'a\n' + 'y'.repeat(20));
    await tailer.pollOnce();
    expect(errors).toHaveLength(1); // reported, and no longer buffered, before its end arrives
    append('a.log', 'y'.repeat(20));
    await tailer.pollOnce();
    append('a.log', 'yy\nb\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:a', 'a.log:3:b']);
    expect(errors.map((e) => (e.err as LineTooLongError).lineNo)).toEqual([2]);
  });

  it('strips CR, skips empty lines but counts them, keeping batches consecutive', async () => {
    const { tailer, take, batches } = tail();
    append('a.log', 'a\r\nb\r\n\r\n\nc\n\nd\r\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:a', 'a.log:2:b', 'a.log:5:c', 'a.log:7:d']);
    expect(batches.map((b) => [b.firstLineNo, b.lines])).toEqual([
      [1, ['a', 'b']],
      [5, ['c']],
      [7, ['d']],
    ]);
    expect(tailer.positions()[p('a.log')]).toMatchObject({ lineNo: 7 });
  });

  it('strips a CR split from its LF across chunks and polls', async () => {
    const { tailer, take } = tail({ readChunkBytes: 2 });
    append('a.log', 'ab\r');
    await tailer.pollOnce();
    append('a.log', '\ncd\r\n');
    await tailer.pollOnce();
    expect(take()).toEqual(['a.log:1:ab', 'a.log:2:cd']);
  });

  for (const readChunkBytes of [1, 2, 3, 5]) {
    it(`decodes multi-byte UTF-8 split across chunks of ${readChunkBytes} bytes`, async () => {
      const lines = ['é', 'naïve €uro', '日本語テキスト', '😀 smile 🎉', '{"m":"Grüße"}'];
      const { tailer, take } = tail({ readChunkBytes });
      append('a.log', lines.join('\n') + '\n');
      await tailer.pollOnce();
      expect(take()).toEqual(lines.map((l, i) => `a.log:${i + 1}:${l}`));
    });
  }

  it('polls on its own after start() and stops cleanly', async () => {
    const { tailer, take } = tail({ pollIntervalMs: 10 });
    append('a.log', '1\n');
    await tailer.start();
    expect(take()).toEqual(['a.log:1:1']);
    append('a.log', '2\n');
    await expect.poll(() => take(), { timeout: 2000 }).toEqual(['a.log:2:2']);
    await tailer.stop();
    expect(tailer.positions()[p('a.log')]).toMatchObject({ lineNo: 2, offset: 4 });
    await expect(tailer.pollOnce()).rejects.toThrow(/stopped/);
  });
});
