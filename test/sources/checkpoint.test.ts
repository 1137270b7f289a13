import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptCheckpointError, readCheckpoint, writeCheckpointAtomic } from '../../exporter/src/sources/files/checkpoint.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenscope-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checkpoint', () => {
  it('round-trips and replaces atomically, leaving no temporary file', () => {
    const file = path.join(dir, 'state.json');
    expect(readCheckpoint(file)).toBeUndefined();
    const first = { version: 1, positions: { '/var/log/a.log': { dev: 1, ino: 2, offset: 3, lineNo: 1 } } };
    writeCheckpointAtomic(file, first);
    expect(readCheckpoint(file)).toEqual(first);
    const second = { version: 1, positions: {}, note: 'ünïcode' };
    writeCheckpointAtomic(file, second);
    expect(readCheckpoint<typeof second>(file)).toEqual(second);
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('rejects data that is not JSON and keeps the previous checkpoint', () => {
    const file = path.join(dir, 'state.json');
    writeCheckpointAtomic(file, { a: 1 });
    expect(() => writeCheckpointAtomic(file, undefined)).toThrow(/state\.json/);
    expect(() => writeCheckpointAtomic(file, { n: 1n })).toThrow();
    expect(readCheckpoint(file)).toEqual({ a: 1 });
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('names a corrupt checkpoint in the error and keeps it aside', () => {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"version":1,"positions":{');
    let err: unknown;
    try {
      readCheckpoint(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as Error).message).toContain(file);
    const kept = fs.readdirSync(dir);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^state\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect((err as CorruptCheckpointError).movedTo).toBe(path.join(dir, kept[0]));
    expect((err as Error).message).toContain(kept[0]);
    expect(fs.readFileSync(path.join(dir, kept[0]), 'utf8')).toBe('{"version":1,"positions":{');
    expect(readCheckpoint(file)).toBeUndefined(); // the next start begins without it
  });
});
