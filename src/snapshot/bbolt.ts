// A reader for bbolt files (etcd's backend database) and the few page
// writers restore needs. Pages are read on demand with positional reads,
// so a database of any size is walked in bounded memory.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { fnv1a64 } from './checksums.js';

export const PAGE_HEADER = 16;
const BLOCK = 1 << 20;
const BLOCKS_KEPT = 8;
const ELEMENT = 16;
const META_SIZE = 64;
const MAGIC = 0xed0cdaed;
const VERSION = 2;
export const NO_FREELIST = 0xffffffffffffffffn;

export const enum PageFlag {
  Branch = 0x01,
  Leaf = 0x02,
  Meta = 0x04,
  Freelist = 0x10,
}
export const BUCKET_LEAF = 0x01;

export class BoltError extends Error {}

export interface Meta {
  pageSize: number;
  root: number;
  freelist: bigint;
  pgid: number;
  txid: bigint;
}

export interface Page {
  id: number;
  flags: number;
  count: number;
  overflow: number;
  // The whole page including overflow pages (or an inline bucket's page).
  buf: Buffer;
}

// Key and value are views of a page read for this walk alone (never
// reused), so they stay valid after the walk moves on.
export interface Item {
  flags: number;
  key: Buffer;
  value: Buffer;
}

export function parseMeta(page: Buffer): Meta | string {
  if (page.length < PAGE_HEADER + META_SIZE) return 'too short';
  const m = page.subarray(PAGE_HEADER, PAGE_HEADER + META_SIZE);
  if (m.readUInt32LE(0) !== MAGIC) return 'invalid magic number';
  if (m.readUInt32LE(4) !== VERSION) return `unsupported version ${m.readUInt32LE(4)}`;
  if (m.readBigUInt64LE(56) !== fnv1a64(m.subarray(0, 56))) return 'checksum mismatch';
  return {
    pageSize: m.readUInt32LE(8),
    root: Number(m.readBigUInt64LE(16)),
    freelist: m.readBigUInt64LE(32),
    pgid: Number(m.readBigUInt64LE(40)),
    txid: m.readBigUInt64LE(48),
  };
}

export function metaPage(id: number, pageSize: number, meta: Meta): Buffer {
  const p = Buffer.alloc(pageSize);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(PageFlag.Meta, 8);
  const m = p.subarray(PAGE_HEADER, PAGE_HEADER + META_SIZE);
  m.writeUInt32LE(MAGIC, 0);
  m.writeUInt32LE(VERSION, 4);
  m.writeUInt32LE(pageSize, 8);
  m.writeBigUInt64LE(BigInt(meta.root), 16);
  m.writeBigUInt64LE(meta.freelist, 32);
  m.writeBigUInt64LE(BigInt(meta.pgid), 40);
  m.writeBigUInt64LE(meta.txid, 48);
  m.writeBigUInt64LE(fnv1a64(m.subarray(0, 56)), 56);
  return p;
}

// Leaf elements and their data, laid out as bbolt's node.write does:
// each element's pos is relative to the element itself.
export function leafBody(items: Item[]): Buffer {
  const n = items.length;
  const head = Buffer.alloc(n * ELEMENT);
  let data = n * ELEMENT;
  items.forEach((it, i) => {
    head.writeUInt32LE(it.flags, i * ELEMENT);
    head.writeUInt32LE(data - i * ELEMENT, i * ELEMENT + 4);
    head.writeUInt32LE(it.key.length, i * ELEMENT + 8);
    head.writeUInt32LE(it.value.length, i * ELEMENT + 12);
    data += it.key.length + it.value.length;
  });
  return Buffer.concat([head, ...items.flatMap((it) => [it.key, it.value])]);
}

export function branchBody(children: { key: Buffer; pgid: number }[]): Buffer {
  const n = children.length;
  const head = Buffer.alloc(n * ELEMENT);
  let data = n * ELEMENT;
  children.forEach((c, i) => {
    head.writeUInt32LE(data - i * ELEMENT, i * ELEMENT);
    head.writeUInt32LE(c.key.length, i * ELEMENT + 4);
    head.writeBigUInt64LE(BigInt(c.pgid), i * ELEMENT + 8);
    data += c.key.length;
  });
  return Buffer.concat([head, ...children.map((c) => c.key)]);
}

export function pageHeader(id: number, flags: number, count: number, overflow: number): Buffer {
  const h = Buffer.alloc(PAGE_HEADER);
  h.writeBigUInt64LE(BigInt(id), 0);
  h.writeUInt16LE(flags, 8);
  h.writeUInt16LE(count, 10);
  h.writeUInt32LE(overflow, 12);
  return h;
}

// A bucket header with no root page: the bucket's leaf page follows inline.
export function inlineBucket(items: Item[]): Buffer {
  return Buffer.concat([Buffer.alloc(16), pageHeader(0, PageFlag.Leaf, items.length, 0), leafBody(items)]);
}

export class BoltFile {
  readonly meta: Meta;
  readonly fileSize: number;
  // Structure problems found while walking; see check().
  readonly problems: string[] = [];
  private seen: Uint8Array | undefined;

  // Read-only files are read a block at a time: walking a tree touches
  // pages mostly in file order, and a read per page is a system call each.
  private readonly blocks = new Map<number, Buffer>();

  private constructor(
    private readonly fd: number,
    readonly path: string,
    private readonly writable: boolean,
  ) {
    this.fileSize = fstatSync(fd).size;
    if (this.fileSize === 0) throw new BoltError('the file is empty');
    const first = Buffer.alloc(Math.min(this.fileSize, 4096));
    readSync(fd, first, 0, first.length, 0);
    const m0 = parseMeta(first);
    const pageSize = typeof m0 === 'string' ? this.probePageSize() : m0.pageSize;
    const m1 = this.fileSize >= 2 * pageSize ? parseMeta(this.read(pageSize, pageSize)) : 'missing';
    const valid = [m0, m1].filter((m): m is Meta => typeof m !== 'string');
    if (valid.length === 0) throw new BoltError(`not a bbolt database (meta page 0: ${m0 as string}; meta page 1: ${m1 as string})`);
    this.meta = valid.reduce((a, b) => (b.txid > a.txid ? b : a));
    const need = this.meta.pgid * this.meta.pageSize;
    if (this.fileSize < need) {
      throw new BoltError(
        `the file is truncated: its database needs ${need} bytes (${this.meta.pgid} pages of ${this.meta.pageSize}) but the file has ${this.fileSize}`,
      );
    }
  }

  static open(path: string, writable = false): BoltFile {
    return new BoltFile(openSync(path, writable ? 'r+' : 'r'), path, writable);
  }

  // When meta page 0 is damaged, meta page 1 sits one page further on.
  private probePageSize(): number {
    for (let size = 1024; size <= 64 * 1024; size *= 2) {
      if (this.fileSize >= 2 * size && typeof parseMeta(this.read(size, size)) !== 'string') return size;
    }
    return 4096;
  }

  private read(offset: number, length: number): Buffer {
    const at = Math.floor(offset / BLOCK);
    if (!this.writable && Math.floor((offset + length - 1) / BLOCK) === at && (at + 1) * BLOCK <= this.fileSize) {
      let block = this.blocks.get(at);
      if (!block) {
        block = this.readDirect(at * BLOCK, BLOCK);
        if (this.blocks.size >= BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value!);
        this.blocks.set(at, block);
      }
      return block.subarray(offset - at * BLOCK, offset - at * BLOCK + length);
    }
    return this.readDirect(offset, length);
  }

  private readDirect(offset: number, length: number): Buffer {
    // Every byte is read over (a short read throws).
    const b = Buffer.allocUnsafe(length);
    const n = readSync(this.fd, b, 0, length, offset);
    if (n !== length) throw new BoltError(`short read at offset ${offset}`);
    return b;
  }

  get size(): number {
    return this.meta.pgid * this.meta.pageSize;
  }

  // `random`: read just the page, not its block: a lookup (get) touches
  // a few pages anywhere in the file, and a block is 1 MiB.
  page(id: number, random = false): Page {
    const ps = this.meta.pageSize;
    if (id < 2 || id >= this.meta.pgid) throw new BoltError(`page ${id} is outside the database (2..${this.meta.pgid - 1})`);
    const read = random ? (o: number, l: number) => this.readDirect(o, l) : (o: number, l: number) => this.read(o, l);
    const head = read(id * ps, PAGE_HEADER);
    const overflow = head.readUInt32LE(12);
    if (id + overflow >= this.meta.pgid) throw new BoltError(`page ${id}: ${overflow} overflow pages run past the end of the database`);
    // One read of the page: a view of its block where it lies in one.
    const buf = read(id * ps, (overflow + 1) * ps);
    const p: Page = { id: Number(head.readBigUInt64LE(0)), flags: head.readUInt16LE(8), count: head.readUInt16LE(10), overflow, buf };
    if (p.id !== id) this.problems.push(`page ${id}: header says page ${p.id}`);
    if (this.seen) {
      for (let i = id; i <= id + overflow; i++) {
        if (this.seen[i]) this.problems.push(`page ${i}: multiple references`);
        this.seen[i] = 1;
      }
    }
    return p;
  }

  // Elements of a branch or leaf page, checked against the page bounds and
  // for ascending keys.
  elements(p: Page, where = `page ${p.id}`): { flags: number; key: Buffer; value: Buffer; child: number }[] {
    const out: { flags: number; key: Buffer; value: Buffer; child: number }[] = [];
    const b = p.buf;
    if (PAGE_HEADER + p.count * ELEMENT > b.length) {
      this.problems.push(`${where}: ${p.count} elements do not fit in the page`);
      return out;
    }
    let prev: Buffer | undefined;
    for (let i = 0; i < p.count; i++) {
      const e = PAGE_HEADER + i * ELEMENT;
      let start: number;
      let ks: number;
      let vs = 0;
      let flags = 0;
      let child = 0;
      if (p.flags === PageFlag.Branch) {
        start = e + b.readUInt32LE(e);
        ks = b.readUInt32LE(e + 4);
        child = Number(b.readBigUInt64LE(e + 8));
      } else {
        flags = b.readUInt32LE(e);
        start = e + b.readUInt32LE(e + 4);
        ks = b.readUInt32LE(e + 8);
        vs = b.readUInt32LE(e + 12);
      }
      if (start + ks + vs > b.length) {
        this.problems.push(`${where}: element ${i} points past the end of the page`);
        return out;
      }
      const key = b.subarray(start, start + ks);
      if (prev && Buffer.compare(prev, key) >= 0) this.problems.push(`${where}: keys out of order at element ${i}`);
      prev = key;
      out.push({ flags, key, value: b.subarray(start + ks, start + ks + vs), child });
    }
    return out;
  }

  // Every item of the tree rooted at page `root`, in key order.
  *tree(root: number, where = `page ${root}`): Generator<Item> {
    let p: Page;
    try {
      p = this.page(root);
    } catch (e) {
      this.problems.push(`${where}: ${(e as Error).message}`);
      return;
    }
    yield* this.walk(p, where);
  }

  private *walk(p: Page, where: string): Generator<Item> {
    if (p.flags === PageFlag.Leaf) {
      for (const e of this.elements(p, where)) yield { flags: e.flags, key: e.key, value: e.value };
    } else if (p.flags === PageFlag.Branch) {
      for (const e of this.elements(p, where)) yield* this.tree(e.child, `page ${e.child}`);
    } else {
      this.problems.push(`${where}: page ${p.id} has flags 0x${p.flags.toString(16)}, expected a branch or leaf page`);
    }
  }

  // The items of a bucket given its value in the parent (header + inline page).
  *bucket(value: Buffer, name: string): Generator<Item> {
    if (value.length < 16) {
      this.problems.push(`bucket ${JSON.stringify(name)}: header is ${value.length} bytes`);
      return;
    }
    const root = Number(value.readBigUInt64LE(0));
    if (root !== 0) {
      yield* this.tree(root, `bucket ${JSON.stringify(name)}`);
      return;
    }
    const inline = value.subarray(16);
    if (inline.length < PAGE_HEADER) {
      this.problems.push(`bucket ${JSON.stringify(name)}: inline page is ${inline.length} bytes`);
      return;
    }
    yield* this.walk({ id: 0, flags: inline.readUInt16LE(8), count: inline.readUInt16LE(10), overflow: 0, buf: inline }, `bucket ${JSON.stringify(name)}`);
  }

  // A bucket's last key, along its right-most pages (the whole of an
  // inline bucket); undefined when it is empty.
  lastKey(value: Buffer, name: string): Buffer | undefined {
    const root = value.length >= 16 ? Number(value.readBigUInt64LE(0)) : 0;
    if (root === 0) {
      let last: Buffer | undefined;
      for (const it of this.bucket(value, name)) last = it.key;
      return last;
    }
    let p = this.page(root);
    while (p.flags === PageFlag.Branch) p = this.page(this.elements(p).at(-1)!.child);
    return this.elements(p).at(-1)?.key;
  }

  // One key's value in a bucket (given its value in the parent), found by
  // descending its tree; undefined when it is not there.
  get(value: Buffer, name: string, key: Buffer): Buffer | undefined {
    const root = value.length >= 16 ? Number(value.readBigUInt64LE(0)) : 0;
    if (root === 0) {
      for (const it of this.bucket(value, name)) if (it.key.equals(key)) return it.value;
      return undefined;
    }
    let p = this.page(root, true);
    while (p.flags === PageFlag.Branch) {
      // The last child whose first key is at or before the key.
      const children = this.elements(p);
      let child = children[0];
      for (const c of children) {
        if (Buffer.compare(c.key, key) > 0) break;
        child = c;
      }
      if (!child) return undefined;
      p = this.page(child.child, true);
    }
    return this.elements(p).find((e) => e.key.equals(key))?.value;
  }

  // The top-level buckets, by name.
  *buckets(): Generator<Item> {
    for (const it of this.tree(this.meta.root, 'root bucket')) {
      if (!(it.flags & BUCKET_LEAF)) this.problems.push(`root bucket: ${JSON.stringify(it.key.toString('latin1'))} is a value, not a bucket`);
      else yield it;
    }
  }

  // Starts tracking page references; finishCheck() then reports pages
  // that are neither reachable nor free.
  startCheck(): void {
    this.seen = new Uint8Array(this.meta.pgid);
    this.seen[0] = this.seen[1] = 1;
  }

  finishCheck(): string[] {
    const seen = this.seen!;
    if (this.meta.freelist !== NO_FREELIST) {
      // A synced freelist must list every unreachable page.
      const free = new Set<number>();
      try {
        const fl = this.page(Number(this.meta.freelist));
        let count = fl.count;
        let off = PAGE_HEADER;
        if (count === 0xffff) {
          count = Number(fl.buf.readBigUInt64LE(off));
          off += 8;
        }
        for (let i = 0; i < count; i++) free.add(Number(fl.buf.readBigUInt64LE(off + i * 8)));
      } catch (e) {
        this.problems.push(`freelist: ${(e as Error).message}`);
      }
      for (let i = 2; i < this.meta.pgid; i++) {
        if (seen[i] && free.has(i) && i !== Number(this.meta.freelist)) this.problems.push(`page ${i}: reachable freed`);
        if (!seen[i] && !free.has(i)) this.problems.push(`page ${i}: unreachable unfreed`);
      }
    }
    return this.problems;
  }

  writePages(pgid: number, bytes: Buffer): void {
    writeSync(this.fd, bytes, 0, bytes.length, pgid * this.meta.pageSize);
  }

  get descriptor(): number {
    return this.fd;
  }

  close(): void {
    closeSync(this.fd);
  }
}

// Appends pages from `next` on, each node on as many contiguous pages as
// it needs (overflow), handing them to `sink`.
export class PageWriter {
  constructor(
    readonly pageSize: number,
    public next: number,
    private readonly sink: (id: number, pages: Buffer) => void,
  ) {}

  write(flags: number, count: number, body: Buffer): number {
    const pages = Math.ceil((PAGE_HEADER + body.length) / this.pageSize);
    const id = this.next;
    this.next += pages;
    const buf = Buffer.alloc(pages * this.pageSize);
    pageHeader(id, flags, count, pages - 1).copy(buf);
    body.copy(buf, PAGE_HEADER);
    this.sink(id, buf);
    return id;
  }
}

// Packs a sorted stream of elements into pages of one kind, then builds
// branch levels above them until one page is left; returns its id.
export function buildTree(w: PageWriter, items: Iterable<Item>): number {
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

// A bucket's value in its parent for these (sorted) items: inline when
// small enough, as bbolt decides, else the header of a tree written with
// `w`. `header` supplies the sequence number to keep.
export function packBucket(w: PageWriter, items: Iterable<Item>, header: Buffer): Buffer {
  const head: Item[] = [];
  let size = PAGE_HEADER;
  const it = items[Symbol.iterator]();
  for (let r = it.next(); !r.done; r = it.next()) {
    head.push(r.value);
    size += ELEMENT + r.value.key.length + r.value.value.length;
    if (size > w.pageSize / 4) {
      const root = buildTree(
        w,
        (function* () {
          yield* head;
          yield* { [Symbol.iterator]: () => it };
        })(),
      );
      const value = Buffer.alloc(16);
      header.copy(value, 0, 0, 16);
      value.writeBigUInt64LE(BigInt(root));
      return value;
    }
  }
  return inlineBucket(head);
}
