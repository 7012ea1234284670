// Offline defragmentation: every bucket of a bbolt file is bulk-loaded,
// in key order, into a new file of tightly packed pages, which then
// replaces the original (what `defrag --data-dir` does to member/snap/db).
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BoltFile, branchBody, BUCKET_LEAF, inlineBucket, leafBody, metaPage, NO_FREELIST, PAGE_HEADER, PageFlag, pageHeader, type Item } from './bbolt.js';
import { syncDir } from './save.js';

const ELEMENT = 16;

class PageWriter {
  next = 2;
  constructor(
    private readonly fd: number,
    readonly pageSize: number,
  ) {}

  write(flags: number, count: number, body: Buffer): number {
    const pages = Math.ceil((PAGE_HEADER + body.length) / this.pageSize);
    const id = this.next;
    this.next += pages;
    const buf = Buffer.alloc(pages * this.pageSize);
    pageHeader(id, flags, count, pages - 1).copy(buf);
    body.copy(buf, PAGE_HEADER);
    writeSync(this.fd, buf, 0, buf.length, id * this.pageSize);
    return id;
  }
}

// Packs a sorted stream of elements into pages of one kind, then builds
// branch levels above them until one page is left; returns its id.
function buildTree(w: PageWriter, items: Iterable<Item>): number {
  let level: { key: Buffer; pgid: number }[] = [];
  let batch: Item[] = [];
  let size = PAGE_HEADER;
  const flush = () => {
    level.push({ key: Buffer.from(batch[0]!.key), pgid: w.write(PageFlag.Leaf, batch.length, leafBody(batch)) });
    batch = [];
    size = PAGE_HEADER;
  };
  for (const it of items) {
    const need = ELEMENT + it.key.length + it.value.length;
    if (batch.length > 0 && size + need > w.pageSize) flush();
    batch.push(it);
    size += need;
  }
  if (batch.length > 0 || level.length === 0) {
    if (batch.length === 0) return w.write(PageFlag.Leaf, 0, Buffer.alloc(0));
    flush();
  }
  while (level.length > 1) {
    const up: { key: Buffer; pgid: number }[] = [];
    let group: { key: Buffer; pgid: number }[] = [];
    let gsize = PAGE_HEADER;
    const emit = () => {
      up.push({ key: group[0]!.key, pgid: w.write(PageFlag.Branch, group.length, branchBody(group)) });
      group = [];
      gsize = PAGE_HEADER;
    };
    for (const c of level) {
      const need = ELEMENT + c.key.length;
      // At least two children a branch page, as bbolt keeps them.
      if (group.length > 1 && gsize + need > w.pageSize) emit();
      group.push(c);
      gsize += need;
    }
    emit();
    level = up;
  }
  return level[0]!.pgid;
}

// The items of a bucket with nested buckets rebuilt too; copies, since
// the source pages are read one at a time.
function* rebuilt(src: BoltFile, w: PageWriter, value: Buffer, name: string): Generator<Item> {
  for (const it of src.bucket(value, name)) {
    const copy: Item = { flags: it.flags, key: Buffer.from(it.key), value: Buffer.from(it.value) };
    if (copy.flags & BUCKET_LEAF) copy.value = bucketValue(src, w, copy.value, copy.key.toString('latin1'));
    yield copy;
  }
}

// A bucket small enough stays inline in its parent, as bbolt decides.
function bucketValue(src: BoltFile, w: PageWriter, value: Buffer, name: string): Buffer {
  const items: Item[] = [];
  let size = PAGE_HEADER;
  const it = rebuilt(src, w, value, name);
  for (let r = it.next(); !r.done; r = it.next()) {
    items.push(r.value);
    size += ELEMENT + r.value.key.length + r.value.value.length;
    if (size > w.pageSize / 4) {
      const root = buildTree(w, (function* () {
        yield* items;
        yield* it;
      })());
      const header = Buffer.from(value.subarray(0, 16));
      header.writeBigUInt64LE(BigInt(root));
      return header;
    }
  }
  return inlineBucket(items);
}

export function compactDb(path: string): void {
  const src = BoltFile.open(path);
  const tmp = `${path}.defrag-${process.pid}`;
  let fd: number | undefined = openSync(tmp, 'w', 0o600);
  try {
    const ps = src.meta.pageSize;
    const w = new PageWriter(fd, ps);
    const top: Item[] = [];
    for (const b of src.buckets()) top.push({ flags: BUCKET_LEAF, key: Buffer.from(b.key), value: bucketValue(src, w, Buffer.from(b.value), b.key.toString('latin1')) });
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
  const holder = spawn('flock', ['--exclusive', path, '--command', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
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
