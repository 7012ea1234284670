// snapshot list: every snapshot file in a directory (plain or gzip, known
// by content, not name), each verified: its structure and sha256 trailer,
// and its <file>.sha256 where there is one.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotError } from '../snapshot/errors.js';
import { dbStatus, hasTrailer, sha256Prefix } from '../snapshot/status.js';
import { GzipError, isGzip } from './gzip.js';
import { withPlain } from './plain.js';

export interface Listed {
  name: string;
  path: string;
  modified: Date;
  size: number;
  compressed: boolean;
  revision?: bigint;
  totalKey?: number;
  // ok, none (a raw db without one), or bad
  trailer: 'ok' | 'none' | 'bad';
  checksumFile: 'ok' | 'missing' | 'bad';
  error?: string;
}

// A bbolt file's first meta page carries its magic at offset 16.
function isBolt(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(20);
    return readSync(fd, b, 0, 20, 0) === 20 && b.readUInt32LE(16) === 0xed0cdaed;
  } finally {
    closeSync(fd);
  }
}

export async function listSnapshots(dir: string): Promise<Listed[]> {
  const out: Listed[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.endsWith('.sha256') || name.endsWith('.part') || !lstatSync(path).isFile()) continue;
    const compressed = isGzip(path);
    if (!compressed && !isBolt(path)) continue;
    const st = statSync(path);
    const item: Listed = { name, path, modified: st.mtime, size: st.size, compressed, trailer: 'none', checksumFile: 'missing' };
    try {
      const s = await withPlain(path, join(tmpdir(), 'list'), (plain) => {
        const size = plain === path ? st.size : statSync(plain).size;
        const status = dbStatus(plain, size);
        item.trailer = hasTrailer(size) ? 'ok' : 'none';
        return status;
      });
      item.revision = s.revision;
      item.totalKey = s.totalKey;
    } catch (e) {
      if (!(e instanceof SnapshotError || e instanceof GzipError)) throw e;
      item.trailer = 'bad';
      item.error = e.message;
    }
    let sums: string | undefined;
    try {
      sums = readFileSync(`${path}.sha256`, 'utf8');
    } catch {
      sums = undefined;
    }
    if (sums !== undefined) {
      const want = /^([0-9a-f]{64}) [ *]?(.+)$/m.exec(sums);
      item.checksumFile = want && want[2] === name && want[1] === sha256Prefix(path, st.size).toString('hex') ? 'ok' : 'bad';
    }
    out.push(item);
  }
  return out;
}
