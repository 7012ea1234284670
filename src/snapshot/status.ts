// snapshot status: etcdctl 3.4's hash, revision, key count and size of a
// snapshot or db file, plus a structure check and the sha256 trailer check.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { kindOf } from '../base/files.js';
import { goPathError } from '../base/errors.js';
import { BoltError, BoltFile } from './bbolt.js';
import { crc32c } from './checksums.js';

export interface DbStatus {
  hash: number;
  revision: bigint;
  totalKey: number;
  totalSize: number;
}

import { SnapshotError } from './errors.js';

export { SnapshotError };

// etcd's snapshots end in the sha256 of what comes before: a bbolt file is
// whole pages, so a length of 32 past a 512-byte boundary means a trailer.
export const hasTrailer = (size: number) => size % 512 === 32;

// sha256 of the first `length` bytes of a file, read in chunks, each also
// handed to `onChunk` (restore copies the database this way).
export function sha256Prefix(path: string, length: number, onChunk?: (chunk: Buffer) => void): Buffer {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let off = 0; off < length; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - off), off);
      if (n === 0) throw new SnapshotError(`${path}: short read at offset ${off}`);
      h.update(buf.subarray(0, n));
      onChunk?.(buf.subarray(0, n));
      off += n;
    }
    return h.digest();
  } finally {
    closeSync(fd);
  }
}

// A snapshot read as a stream: everything but the last 32 bytes is hashed
// (and handed on) as it comes; at the end those 32 bytes are the trailer
// if the length says there is one.
export class TrailerSplit {
  private readonly hash = createHash('sha256');
  private tail = Buffer.alloc(0);
  size = 0;

  // The bytes that are surely not the trailer: hand them on.
  push(chunk: Buffer): Buffer {
    const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const keep = Math.min(32, all.length);
    const data = all.subarray(0, all.length - keep);
    this.hash.update(data);
    this.tail = Buffer.from(all.subarray(all.length - keep));
    this.size += chunk.length;
    return data;
  }

  // The trailer and the hash of what came before it, or, without a
  // trailer, the last bytes still to hand on.
  end(): { trailer: Buffer; digest: Buffer } | { rest: Buffer } {
    return hasTrailer(this.size) ? { trailer: this.tail, digest: this.hash.digest() } : { rest: this.tail };
  }
}

export function readTrailer(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(32);
    readSync(fd, b, 0, 32, size - 32);
    return b;
  } finally {
    closeSync(fd);
  }
}

// One wording for a trailer that does not match, wherever it is checked.
const trailerMismatch = (want: string, got: string) =>
  new SnapshotError(`snapshot file is corrupt: its sha256 trailer says ${want} but its content hashes to ${got}`);

// Whether the file behind `db` ends in a sha256 trailer of its database
// (a member's db file has none).
export const hasOwnTrailer = (db: BoltFile) => hasTrailer(db.fileSize) && db.fileSize === db.size + 32;

export function verifyTrailer(path: string, size: number): void {
  const want = readTrailer(path, size);
  const got = sha256Prefix(path, size - 32);
  if (!got.equals(want)) throw trailerMismatch(want.toString('hex'), got.toString('hex'));
}

// The same check on a worker thread, so that a reader can walk the file
// meanwhile (k8s --snapshot): resolves once the trailer matches, rejects
// with verifyTrailer's error when it does not.
export function verifyTrailerAside(path: string, size: number): Promise<void> {
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const code = `
    const { workerData: { path, length }, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const h = require('node:crypto').createHash('sha256');
    const fd = fs.openSync(path, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let off = 0; off < length; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, length - off), off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
    const want = Buffer.alloc(32);
    fs.readSync(fd, want, 0, 32, length);
    fs.closeSync(fd);
    parentPort.postMessage({ got: h.digest('hex'), want: want.toString('hex') });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { path, length: size - 32 } });
    w.once('message', ({ got, want }: { got: string; want: string }) => {
      void w.terminate();
      if (got === want) resolve();
      else reject(trailerMismatch(want, got));
    });
    w.once('error', reject);
  });
}

// A snapshot to read must be a regular file: a directory, a FIFO or a
// device is refused before it is opened (a FIFO's open would block).
export function checkSnapshotFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new SnapshotError(goPathError('open', path, e));
  }
  if (!st.isFile()) throw new SnapshotError(`${path} is ${kindOf(st)}, not a snapshot file`);
}

// A snapshot file (or a member's db) opened for reading; what is wrong
// with one that is not a bbolt file is said in a SnapshotError.
// `shown` is the name errors give it (the user's file, not a decompressed copy).
export function openSnapshotDb(path: string, shown = path): BoltFile {
  try {
    return BoltFile.open(path);
  } catch (e) {
    if (e instanceof BoltError) throw new SnapshotError(`${shown} is not a usable snapshot: ${e.message}`);
    throw e;
  }
}

export function dbStatus(path: string, fileSize: number, shown = path): DbStatus {
  const db = openSnapshotDb(path, shown);
  try {
    db.startCheck();
    let crc = 0;
    let revision = 0n;
    let totalKey = 0;
    for (const b of db.buckets()) {
      crc = crc32c(crc, b.key);
      const isKey = b.key.length === 3 && b.key.toString('latin1') === 'key';
      for (const it of db.bucket(b.value, b.key.toString('latin1'))) {
        crc = crc32c(crc32c(crc, it.key), it.value);
        if (isKey && it.key.length >= 8) revision = it.key.readBigUInt64BE(0);
        totalKey++;
      }
    }
    const problems = db.finishCheck();
    if (problems.length > 0) throw new SnapshotError(`snapshot file integrity check failed. ${problems.length} errors found.\n${problems.join('\n')}`);
    if (hasOwnTrailer(db)) verifyTrailer(path, fileSize);
    return { hash: crc, revision, totalKey, totalSize: db.size };
  } finally {
    db.close();
  }
}
