// Writes a snapshot stream to `<path>.part`, checks its sha256 trailer as
// it goes, and renames it into place only once it is whole and on disk.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { goLinkError, goPathError } from '../cli/errors.js';
import { GzipSink } from '../backup/gzip.js';
import { hasTrailer, SnapshotError } from './status.js';

const TRAILER = 32;

export class SnapshotWriter {
  readonly part: string;
  private fd: number | undefined;
  private readonly hash: Hash = createHash('sha256');
  // The last 32 bytes seen: the trailer if the stream ends now.
  private tail = Buffer.alloc(0);
  // The bytes that reach the file (compressed or not), for sha256sum.
  private readonly fileHash: Hash = createHash('sha256');
  private readonly gzip: GzipSink | undefined;
  // Of the stream (uncompressed), and of the file.
  size = 0;
  fileSize = 0;

  constructor(
    readonly path: string,
    compress = false,
  ) {
    this.part = `${path}.part`;
    // Go's rename refuses a directory as the target; say so before the
    // download rather than after it.
    if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) this.renameFailed(Object.assign(new Error('file exists'), { code: 'EEXIST' }));
    try {
      this.fd = openSync(this.part, 'w', 0o600);
    } catch (e) {
      throw new SnapshotError(`could not open ${this.part} (${goPathError('open', this.part, e)})`);
    }
    if (compress) this.gzip = new GzipSink((b) => this.out(b));
  }

  private out(b: Buffer): void {
    writeSync(this.fd!, b);
    this.fileHash.update(b);
    this.fileSize += b.length;
  }

  write(chunk: Buffer): void {
    if (this.gzip) this.gzip.push(chunk);
    else this.out(chunk);
    this.size += chunk.length;
    const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const keep = Math.min(TRAILER, all.length);
    this.hash.update(all.subarray(0, all.length - keep));
    this.tail = Buffer.from(all.subarray(all.length - keep));
  }

  private renameFailed(e: unknown): never {
    throw new SnapshotError(`could not rename ${this.part} to ${this.path} (${goLinkError('rename', this.part, this.path, e)})`);
  }

  // Verifies, syncs and renames; returns the sha256 of the database part.
  finish(): string {
    if (!hasTrailer(this.size)) throw new SnapshotError(`sha256 checksum not found [bytes: ${this.size}]`);
    const digest = this.hash.digest();
    if (!digest.equals(this.tail)) {
      throw new SnapshotError(`the received snapshot is corrupt: its sha256 trailer says ${this.tail.toString('hex')} but the data hashes to ${digest.toString('hex')}`);
    }
    this.gzip?.end();
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
    try {
      renameSync(this.part, this.path);
    } catch (e) {
      this.renameFailed(e);
    }
    syncDir(dirname(this.path));
    this.fileSha256 = this.fileHash.digest('hex');
    return digest.toString('hex');
  }

  // The sha256 of the file as written, once finished.
  fileSha256 = '';

  // Removes the partial file; safe to call at any point, more than once.
  abort(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    try {
      unlinkSync(this.part);
    } catch {
      // Already gone (or renamed into place).
    }
  }
}

// A rename is durable only once its directory is synced.
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
