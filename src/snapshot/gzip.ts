// gzip for snapshot files: written in constant memory from synchronous
// chunks, and read back into a plain temporary file for the bbolt reader.
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { PAGE_HEADER, parseMeta } from './bbolt.js';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

const MAGIC = [0x1f, 0x8b];

// A gzip member written chunk by chunk: each chunk is deflated on its own
// and flushed to a byte boundary, the last block closes the stream, and the
// trailer carries the CRC-32 and length of everything written.
export class GzipSink {
  private crc = 0;
  private size = 0;

  constructor(private readonly out: (b: Buffer) => void) {
    // ID, deflate, no flags, no mtime, no extra flags, OS unknown.
    out(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]));
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.crc = zlib.crc32(chunk, this.crc);
    this.size = (this.size + chunk.length) % 2 ** 32;
    this.out(zlib.deflateRawSync(chunk, { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
  }

  end(): void {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size, 4);
    this.out(Buffer.concat([zlib.deflateRawSync(Buffer.alloc(0)), trailer]));
  }
}

// Whether the file starts with gzip's magic bytes (the name does not count).
export function isGzip(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    // Missing or unreadable: the reader that opens it says so.
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === MAGIC[0] && b[1] === MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

export class GzipError extends Error {}

// Decompresses a gzip snapshot chunk by chunk (each handed to `onChunk`,
// which may be async). What comes out must be a bbolt database: its first
// meta page is checked at once, and no more is taken than its meta pages
// say the database holds (plus the sha256 trailer), so a small file that
// inflates to gigabytes of anything else is refused early.
export async function gunzipStream(path: string, onChunk: (b: Buffer) => void | Promise<void>): Promise<void> {
  let limit = Infinity;
  let seen = 0;
  let head = Buffer.alloc(0);
  const check = (b: Buffer) => {
    seen += b.length;
    if (head.length < 2 * 65536) head = Buffer.concat([head, b.subarray(0, 2 * 65536 - head.length)]);
    if (limit === Infinity && head.length >= PAGE_HEADER + 64) {
      const m0 = parseMeta(head);
      if (typeof m0 === 'string')
        throw new GzipError(`${path} does not hold an etcd snapshot: what it decompresses to is not a bbolt database (meta page: ${m0})`);
      limit = Math.max(2, m0.pgid) * m0.pageSize + 32;
      if (head.length >= 2 * m0.pageSize) {
        const m1 = parseMeta(head.subarray(m0.pageSize));
        if (typeof m1 !== 'string') limit = Math.max(limit, m1.pgid * m1.pageSize + 32);
      }
    }
    if (seen > limit) throw new GzipError(`${path} decompresses to more than the ${limit} bytes its database says it has: refusing it`);
  };
  const gunzip = zlib.createGunzip();
  try {
    await pipeline(createReadStream(path), gunzip, async function* (source: AsyncIterable<Buffer>) {
      for await (const b of source) {
        check(b);
        await onChunk(b);
      }
      yield* [];
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Ours, and the sink's (a full disk names its file).
    if (e instanceof GzipError || typeof err.code !== 'string') throw e;
    if (err.code?.startsWith('Z_') || err.code === 'ERR_ZLIB_INIT_FAILED' || /unexpected end of file|incorrect header check|invalid/.test(err.message)) {
      throw new GzipError(`${path} is not a whole gzip file (${err.message})`);
    }
    if (err.code === 'EISDIR' || err.code === 'ENOENT' || err.code === 'EACCES') throw new GzipError(`cannot read ${path}: ${err.message}`);
    throw e;
  }
}
