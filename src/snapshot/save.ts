// Writes a snapshot stream to a temporary file of its own beside the target
// (or to a pipe), checks its sha256 trailer and sums up its database as it
// goes, and renames it into place only once it is whole and on disk.
import { createHash, type Hash } from 'node:crypto';
import { fstatSync, writeSync } from 'node:fs';
import { abandon, checkTarget, createTemp, place, writeAll, type Temp } from '../base/files.js';
import { GzipSink } from './gzip.js';
import { SnapshotError, TrailerSplit } from './status.js';
import { StreamSummary } from './summary.js';

export class SnapshotWriter {
  private temp: Temp | undefined;
  private readonly split = new TrailerSplit();
  // The bytes that reach the file (compressed or not), for sha256sum.
  private readonly fileHash: Hash = createHash('sha256');
  private readonly gzip: GzipSink | undefined;
  private readonly summary = new StreamSummary();
  // Of the file.
  fileSize = 0;
  // The sha256 of the file as written, once finished.
  fileSha256 = '';

  // `path` is a file to create, or undefined for standard output (a pipe
  // or a regular file the shell opened).
  constructor(
    readonly path: string | undefined,
    compress = false,
  ) {
    if (path === undefined) {
      const st = fstatSync(1);
      if (process.stdout.isTTY) throw new SnapshotError('refusing to write a snapshot to a terminal: redirect standard output to a file or a pipe');
      if (!st.isFIFO() && !st.isFile() && !st.isSocket()) throw new SnapshotError('standard output is not a file or a pipe');
    } else {
      checkTarget(path);
      this.temp = createTemp(path);
    }
    if (compress) this.gzip = new GzipSink((b) => this.out(b));
  }

  // Of the stream (uncompressed).
  get size(): number {
    return this.split.size;
  }

  get part(): string | undefined {
    return this.temp?.path;
  }

  private out(b: Buffer): void {
    if (this.temp) writeAll(this.temp, b);
    else toStdout(b, this.fileSize);
    this.fileHash.update(b);
    this.fileSize += b.length;
  }

  write(chunk: Buffer): void {
    this.summary.push(this.split.push(chunk));
    if (this.gzip) this.gzip.push(chunk);
    else this.out(chunk);
  }

  // Verifies the stream and sums up its database, then syncs and renames:
  // all that can fail happens before the file has its name.
  finish(): { sha256: string; revision: bigint; totalKey: number } {
    const end = this.split.end();
    if (!('trailer' in end)) throw new SnapshotError(`sha256 checksum not found [bytes: ${this.size}]`);
    const { trailer, digest } = end;
    if (!digest.equals(trailer)) {
      throw new SnapshotError(
        `the received snapshot is corrupt: its sha256 trailer says ${trailer.toString('hex')} but the data hashes to ${digest.toString('hex')}`,
      );
    }
    const { revision, totalKey } = this.summary.finish();
    this.gzip?.end();
    if (this.temp) place(this.temp, this.path!);
    this.temp = undefined;
    this.fileSha256 = this.fileHash.digest('hex');
    return { sha256: digest.toString('hex'), revision, totalKey };
  }

  // Removes the temporary file; safe to call at any point, more than once.
  abort(): void {
    if (this.temp) abandon(this.temp);
    this.temp = undefined;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

// A pipe's reader may be slower than etcd (Node leaves the pipe
// non-blocking): wait for it a millisecond at a time. A reader that went
// away fails the save, unlike a listing cut short by `| head`.
function toStdout(b: Buffer, before: number): void {
  for (let off = 0; off < b.length; ) {
    try {
      off += writeSync(1, b, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') throw new SnapshotError(`standard output was closed by its reader after ${before + off} bytes of the snapshot`);
      else throw new SnapshotError(`could not write to standard output: ${(e as Error).message}`);
    }
  }
}
