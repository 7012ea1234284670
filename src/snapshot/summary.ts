// The revision and key count of a database as its bytes stream past, so a
// save knows them before its file is renamed into place (nothing after the
// rename may fail the backup), without reading the file back. Every page
// slot is looked at as it arrives, as if a page started there: a freed
// page's stale header may claim overflow pages that are live pages now,
// so no slot is skipped on a header's word. Leaves are summed up (element
// count, the first 8 bytes of the last key: etcd's revision, bucket
// elements), branches keep their children; at the end the tree of the
// newest meta page picks the pages that count.
import { BUCKET_LEAF, PAGE_HEADER, PageFlag, parseMeta, type Meta } from './bbolt.js';
import { SnapshotError } from './errors.js';

const ELEMENT = 16;
// Pages longer than this (64 MiB at 4 KiB pages) are taken for stale or
// garbled headers: etcd's values are far smaller.
const MAX_OVERFLOW = 16384;

interface BucketRef {
  name: string;
  root: number;
  // An inline bucket's items and last revision.
  count: number;
  last: bigint;
}

export class StreamSummary {
  private pageSize = 0;
  private readonly metas: Meta[] = [];
  // An owned copy of a slot not yet whole (the stream's buffers are
  // reused once push returns).
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private nextId = 0;
  // Slots kept from windowStart on, while a page with overflow is open.
  private window: Buffer[] = [];
  private windowStart = 0;
  private open: { start: number; end: number }[] = [];
  // Per page slot, in typed arrays (a Map of every page cost MBs on big
  // databases): its kind (branch or leaf flag, else 0), a leaf's count (a
  // page holds at most 65535 elements) and the first 8 bytes of its last key.
  private kinds = new Uint8Array(1024);
  private counts = new Uint16Array(1024);
  private lasts = new BigUint64Array(1024);
  private readonly children = new Map<number, number[]>();
  private readonly buckets = new Map<number, BucketRef[]>();

  push(chunk: Buffer): void {
    let off = 0;
    if (this.pageSize === 0) {
      const head = this.partialBytes ? Buffer.concat([...this.partial, chunk]) : chunk;
      if (head.length < PAGE_HEADER + 12) {
        this.partial = [Buffer.from(head)];
        this.partialBytes = head.length;
        return;
      }
      const ps = head.readUInt32LE(PAGE_HEADER + 8);
      if (ps < 512 || ps > 1 << 20 || (ps & (ps - 1)) !== 0) throw new SnapshotError(`the stream is not a bbolt database (page size ${ps})`);
      this.pageSize = ps;
    }
    const ps = this.pageSize;
    if (this.partialBytes) {
      const need = ps - this.partialBytes;
      if (chunk.length < need) {
        this.partial.push(Buffer.from(chunk));
        this.partialBytes += chunk.length;
        return;
      }
      this.slot(Buffer.concat([...this.partial, chunk.subarray(0, need)]));
      this.partial = [];
      this.partialBytes = 0;
      off = need;
    }
    for (; off + ps <= chunk.length; off += ps) this.slot(chunk.subarray(off, off + ps));
    if (off < chunk.length) {
      this.partial = [Buffer.from(chunk.subarray(off))];
      this.partialBytes = chunk.length - off;
    }
  }

  private slot(s: Buffer): void {
    const id = this.nextId++;
    const flags = s.readUInt16LE(8);
    const overflow = s.readUInt32LE(12);
    const node = id >= 2 && (flags === PageFlag.Leaf || flags === PageFlag.Branch);
    const opens = node && overflow > 0 && overflow <= MAX_OVERFLOW && id + overflow < this.highWater();
    if (this.open.length > 0 || opens) {
      if (this.window.length === 0) this.windowStart = id;
      this.window.push(Buffer.from(s));
    }
    if (id < 2) {
      const m = parseMeta(s);
      if (typeof m !== 'string') this.metas.push(m);
    } else if (node && overflow === 0) this.page(id, s);
    else if (opens) this.open.push({ start: id, end: id + overflow });
    if (this.open.length === 0) return;
    for (const c of this.open) if (c.end === id) this.page(c.start, Buffer.concat(this.window.slice(c.start - this.windowStart)));
    this.open = this.open.filter((c) => c.end > id);
    const from = this.open.reduce((m, c) => Math.min(m, c.start), id + 1);
    this.window = this.window.slice(from - this.windowStart);
    this.windowStart = from;
  }

  private highWater(): number {
    return this.metas.reduce((m, x) => Math.max(m, x.pgid), 0) || Infinity;
  }

  private grow(id: number): void {
    if (id < this.counts.length) return;
    let n = this.counts.length;
    while (n <= id) n *= 2;
    const k = new Uint8Array(n);
    k.set(this.kinds);
    this.kinds = k;
    const c = new Uint16Array(n);
    c.set(this.counts);
    this.counts = c;
    const l = new BigUint64Array(n);
    l.set(this.lasts);
    this.lasts = l;
  }

  private page(id: number, b: Buffer): void {
    const flags = b.readUInt16LE(8);
    const count = b.readUInt16LE(10);
    if (id < 2) {
      const m = parseMeta(b);
      if (typeof m !== 'string') this.metas.push(m);
      return;
    }
    this.grow(id);
    if (flags === PageFlag.Branch) {
      const kids: number[] = [];
      for (let i = 0; i < count; i++) kids.push(Number(b.readBigUInt64LE(PAGE_HEADER + i * ELEMENT + 8)));
      this.kinds[id] = flags;
      this.children.set(id, kids);
    } else if (flags === PageFlag.Leaf) {
      this.kinds[id] = flags;
      const s = leafSummary(b, 0);
      this.counts[id] = s.count;
      this.lasts[id] = s.last;
      if (s.buckets.length) this.buckets.set(id, s.buckets);
    }
  }

  // The newest meta page's revision and key count, as snapshot status
  // counts them.
  finish(): { revision: bigint; totalKey: number } {
    const meta = this.metas.reduce<Meta | undefined>((a, m) => (!a || m.txid > a.txid ? m : a), undefined);
    if (!meta) throw new SnapshotError('the stream has no valid bbolt meta page');
    let totalKey = 0;
    let revision = 0n;
    for (const leaf of this.leaves(meta.root)) {
      for (const bk of this.buckets.get(leaf) ?? []) {
        let last = bk.last;
        if (bk.root === 0) totalKey += bk.count;
        else {
          for (const l of this.leaves(bk.root)) {
            totalKey += this.counts[l]!;
            if (this.counts[l]! > 0) last = this.lasts[l]!;
          }
        }
        if (bk.name === 'key') revision = last;
      }
    }
    return { revision, totalKey };
  }

  // Leaf pages of a tree, in key order.
  private *leaves(id: number): Generator<number> {
    const kind = id < this.kinds.length ? this.kinds[id] : 0;
    if (kind === PageFlag.Leaf) yield id;
    else if (kind === PageFlag.Branch) for (const c of this.children.get(id)!) yield* this.leaves(c);
    else throw new SnapshotError(`the stream's database refers to page ${id}, which is not a branch or leaf page`);
  }
}

// A leaf page at `at` in `b`: its count, the revision of its last key (the
// first 8 bytes, big-endian), and the buckets among its elements.
function leafSummary(b: Buffer, at: number): { count: number; last: bigint; buckets: BucketRef[] } {
  const count = b.readUInt16LE(at + 10);
  const buckets: BucketRef[] = [];
  let last = 0n;
  for (let i = 0; i < count; i++) {
    const e = at + PAGE_HEADER + i * ELEMENT;
    if (e + ELEMENT > b.length) throw new SnapshotError('a leaf page of the stream has more elements than fit in it');
    const start = e + b.readUInt32LE(e + 4);
    const ks = b.readUInt32LE(e + 8);
    const vs = b.readUInt32LE(e + 12);
    if (start + ks + vs > b.length) throw new SnapshotError('a leaf element of the stream points past its page');
    if (i === count - 1) last = ks >= 8 ? b.readBigUInt64BE(start) : 0n;
    if (b.readUInt32LE(e) & BUCKET_LEAF && vs >= 16) {
      const v = start + ks;
      const root = Number(b.readBigUInt64LE(v));
      const ref: BucketRef = { name: b.toString('latin1', start, start + ks), root, count: 0, last: 0n };
      if (root === 0 && vs >= 16 + PAGE_HEADER) {
        const inner = leafSummary(b.subarray(v + 16, v + vs), 0);
        ref.count = inner.count;
        ref.last = inner.last;
      }
      buckets.push(ref);
    }
  }
  return { count, last, buckets };
}
