// Offline defragmentation: every bucket of a bbolt file is bulk-loaded,
// in key order, into a new file of tightly packed pages, which then
// replaces the original (what `defrag --data-dir` does to member/snap/db).
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BoltFile, buildTree, BUCKET_LEAF, metaPage, NO_FREELIST, packBucket, PageWriter, type Item } from './bbolt.js';
import { flockBinary, syncDir } from '../base/files.js';

// The items of a bucket, with nested buckets rebuilt too.
function* rebuilt(src: BoltFile, w: PageWriter, value: Buffer, name: string): Generator<Item> {
  for (const it of src.bucket(value, name)) {
    yield it.flags & BUCKET_LEAF ? { ...it, value: bucketValue(src, w, it.value, it.key.toString('latin1')) } : it;
  }
}

function bucketValue(src: BoltFile, w: PageWriter, value: Buffer, name: string): Buffer {
  return packBucket(w, rebuilt(src, w, value, name), value.subarray(0, 16));
}

export function compactDb(path: string): void {
  const src = BoltFile.open(path);
  const tmp = `${path}.defrag-${process.pid}`;
  let fd: number | undefined = openSync(tmp, 'w', 0o600);
  try {
    const ps = src.meta.pageSize;
    const out = fd;
    const w = new PageWriter(ps, 2, (id, buf) => writeSync(out, buf, 0, buf.length, id * ps));
    const top: Item[] = [];
    for (const b of src.buckets()) top.push({ flags: BUCKET_LEAF, key: b.key, value: bucketValue(src, w, b.value, b.key.toString('latin1')) });
    if (src.problems.length > 0) throw new Error(`the database has errors: ${src.problems.join('; ')}`);
    const root = buildTree(w, top);
    const meta = { pageSize: ps, root, freelist: NO_FREELIST, pgid: w.next, txid: src.meta.txid + 1n };
    writeSync(fd, metaPage(0, ps, { ...meta, txid: meta.txid - 1n }), 0, ps, 0);
    writeSync(fd, metaPage(1, ps, meta), 0, ps, ps);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    syncDir(dirname(path));
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    src.close();
  }
}

// Holds bbolt's exclusive lock on the file (flock(2), through util-linux's
// flock, as Node has no flock call) while `work` runs, so a running etcd is
// never rewritten under its feet. `onWait` is called once if the lock is
// not free within a second.
export async function withFileLock<T>(path: string, onWait: () => void, work: () => T): Promise<T> {
  const holder = spawn(flockBinary(), ['--exclusive', path, '--command', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = setTimeout(onWait, 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('error', (e) => reject(new Error(`cannot lock ${path}: ${e.message}`)));
      holder.once('exit', (code) => reject(new Error(`cannot lock ${path} (flock exited with ${code})`)));
    });
    clearTimeout(waiting);
    return work();
  } finally {
    clearTimeout(waiting);
    holder.stdin.end();
    holder.removeAllListeners('exit');
  }
}
