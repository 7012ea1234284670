// gzip for snapshot files: written in constant memory from synchronous
// chunks, and read back into a plain temporary file for the bbolt reader.
import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync } from 'node:fs';
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
    fd = openSync(path, 'r');
  } catch {
    // Missing or unreadable: the reader that opens it says so.
    return false;
  }
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === MAGIC[0] && b[1] === MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

export class GzipError extends Error {}

// Decompresses `path` into `to` (created 0600), streaming; on any failure
// `to` is removed and the cause is a GzipError.
export async function gunzipTo(path: string, to: string): Promise<void> {
  try {
    await pipeline(createReadStream(path), zlib.createGunzip(), createWriteStream(to, { mode: 0o600, flags: 'wx' }));
  } catch (e) {
    rmSync(to, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_') || err.code === 'ERR_ZLIB_INIT_FAILED' || /unexpected end of file|incorrect header check|invalid/.test(err.message)) {
      throw new GzipError(`${path} is not a whole gzip file (${err.message})`);
    }
    throw e;
  }
}
