// What a tailed file is, beyond its inode: a fingerprint of its first bytes, so a copy (logrotate's
// copytruncate) is recognised as content already read; and the checks that keep compressed
// rotations (`app.jsonl.1.gz`, which a `*.jsonl*` glob also matches) from ever being read as lines.
//
// The fingerprint covers the first line, newline included, or the first 1024 bytes when the first
// line is longer (the same idea as Fluent Bit's and Vector's checksums of a file's head). A file
// that has neither yet has no fingerprint: nothing in it can be delivered anyway, so deciding where
// to start in it waits until it has one. JSONL first lines carry a timestamp and a request id, so
// two different logs sharing one is not a practical concern; a byte-for-byte copy always shares it.
import { createHash } from 'node:crypto';

export const FINGERPRINT_MAX_BYTES = 1024;

export interface Fingerprint {
  /** First 128 bits of the SHA-256 of the file's first fpLen bytes, as hex. */
  fp: string;
  fpLen: number;
}

/** The fingerprint of a file whose first bytes are head (at most FINGERPRINT_MAX_BYTES of them). */
export function fingerprintOf(head: Buffer): Fingerprint | undefined {
  const nl = head.indexOf(0x0a);
  const len = nl !== -1 ? nl + 1 : head.length >= FINGERPRINT_MAX_BYTES ? FINGERPRINT_MAX_BYTES : 0;
  return len === 0 ? undefined : { fp: hashHead(head, len), fpLen: len };
}

/** Hash of head[0, len), comparable with a Fingerprint's fp. */
export function hashHead(head: Buffer, len: number): string {
  return createHash('sha256').update(head.subarray(0, len)).digest('hex').slice(0, 32);
}

/** Compression formats logrotate and friends produce, by file name. */
const BY_EXTENSION: Array<[RegExp, string]> = [
  [/\.(gz|tgz|z)$/i, 'gzip'],
  [/\.(zst|zstd|tzst)$/i, 'zstd'],
  [/\.(bz2|tbz2?)$/i, 'bzip2'],
  [/\.(xz|txz|lzma)$/i, 'xz'],
  [/\.lz4$/i, 'lz4'],
  [/\.zip$/i, 'zip'],
  [/\.7z$/i, '7z'],
  [/\.br$/i, 'brotli'],
];

/** The compression format a file name says, if any. */
export function compressedByName(path: string): string | undefined {
  for (const [re, format] of BY_EXTENSION) if (re.test(path)) return format;
  return undefined;
}

const MAGIC: Array<[number[], string]> = [
  [[0x1f, 0x8b], 'gzip'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
  [[0x04, 0x22, 0x4d, 0x18], 'lz4'],
  [[0x02, 0x21, 0x4c, 0x18], 'lz4'], // legacy frame
  [[0x50, 0x4b, 0x03, 0x04], 'zip'],
  [[0x50, 0x4b, 0x05, 0x06], 'zip'], // empty archive
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], '7z'],
];

/**
 * The compression format a file's first bytes say, if any. No magic number contains a newline, so
 * a head that already has a fingerprint is long enough to tell; none can start a line of JSON.
 */
export function compressedByMagic(head: Buffer): string | undefined {
  for (const [magic, format] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return format;
  }
  // "BZh" and the block size digit 1-9, then the block magic 0x314159265359 ("1AY&SY").
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39 && head.toString('latin1', 4, 10) === '1AY&SY') return 'bzip2';
  return undefined;
}
