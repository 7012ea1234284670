// A range read page by page at one revision: the first page pins the
// revision (its header's, unless one was asked for) and the rest read at
// it, so the pages together are the range as one request would have seen
// it, without the client or the server holding it all at once.
import type { EtcdClient, RequestOptions } from './etcd.js';
import { EtcdError } from './etcd.js';
import { boundYoungGeneration } from '../heap.js';
import { isNul } from './prefix.js';
import { Code } from './transport.js';
import { SortOrder, SortTarget, type KeyValue, type List, type RangeRequest, type RangeResponse, type ResponseHeader } from './types.js';

// Adaptive page sizes: start small (values may be large), then aim at
// `target` bytes per page from the size of the keys read so far: 1 MiB,
// doubled up to 8 MiB each time a page's end is guessed short (see bound()).
const FIRST_KEYS = 64;
const MAX_KEYS = 65536;
const TARGET_BYTES = 1 << 20;
const MAX_TARGET_BYTES = 8 << 20;
// Keys of a page read to guess where the next one ends.
const SAMPLE = 32;

export const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';

export interface PagedOptions {
  // Keys per page; 0 or undefined sizes pages by bytes.
  pageSize?: number;
  // A fresh deadline for each page request.
  deadline?: () => number | undefined;
  signal?: AbortSignal;
  // After the first page, read the rest of an ascending range through
  // KV.RangeStream (etcd 3.7) at the pinned revision; servers without it
  // go on page by page.
  stream?: boolean;
}

// Whether one request can be split into pages that print the same: a
// range (not one key, not a count), ordered by key.
export function pageable(r: RangeRequest): boolean {
  return r.range_end !== undefined && r.range_end.length > 0 && !r.count_only && (r.sort_target ?? SortTarget.Key) === SortTarget.Key;
}

const NUL = Buffer.from([0]);

interface Page {
  header?: ResponseHeader;
  kvs: List<KeyValue>;
  more: boolean;
  count: bigint;
}

// etcd 3.4 and 3.5 count every key left in a range for each page they
// answer, so a page asked for with the range's own end costs the server a
// walk over the rest of it: pages over a million keys would walk tens of
// millions. An ascending page therefore ends where the keys of the page
// before it suggest that about `want` more keys end. The guess only sizes
// the walk: a page that ends early is followed by the next, and the count
// of the whole range comes from the first page.
//
// Keys are read as numbers: the 6 bytes after the prefix that the page's
// first and last keys share, each as its rank among the bytes seen there
// in a sample of the page, so that keys of digits count in tens and names
// in letters and digits. The next end is the last key's number stepped
// on by the page's span per key times `want`. Undefined when the page
// tells nothing (fewer than two keys) or the step leaves the keyspace.
export function nextBound(sample: Buffer[], keys: number, want: number): Buffer | undefined {
  const first = sample[0];
  const last = sample.at(-1);
  if (keys < 2 || !first || !last) return undefined;
  let c = 0;
  while (c < first.length && c < last.length && first[c] === last[c]) c++;
  // A step past the shared prefix is taken again with a byte less of it.
  for (; c >= 0; c--) {
    const end = boundAt(sample, c, keys, want);
    if (end) return Buffer.compare(end, last) > 0 ? end : undefined;
  }
  return undefined;
}

function boundAt(sample: Buffer[], c: number, keys: number, want: number): Buffer | undefined {
  const last = sample.at(-1)!;
  const seen = new Uint8Array(256);
  for (const k of sample) for (let i = c; i < c + 6 && i < k.length; i++) seen[k[i]!] = 1;
  // A window inside the shared prefix says nothing of density: take the
  // page to span one unit of it, so that the step reaches a next sibling
  // (the byte after the last key's, at each place, is a digit too).
  const inside = c + 6 <= sample[0]!.length && sample[0]!.subarray(c, c + 6).equals(last.subarray(c, c + 6));
  if (inside) for (let i = c; i < c + 6; i++) if (last[i]! < 255) seen[last[i]! + 1] = 1;
  const alphabet: number[] = [];
  // A byte's digit: its rank among the bytes seen, rounded down; no byte
  // (a shorter key) is the lowest, so digits never decrease along the keys.
  const digit = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    if (seen[v]) alphabet.push(v);
    digit[v] = Math.max(0, alphabet.length - 1);
  }
  const base = alphabet.length;
  const place = (k: Buffer) => {
    let v = 0;
    for (let i = c; i < c + 6; i++) v = v * base + (i < k.length ? digit[k[i]!]! : 0);
    return v;
  };
  const [a, b] = [place(sample[0]!), place(last)];
  const span = inside ? 1 : b - a;
  let to = Math.floor(b + Math.max(1, (span / (keys - 1)) * want));
  if (span <= 0 || to >= base ** 6) return undefined;
  const bytes = Buffer.alloc(6);
  for (let i = 5; i >= 0; i--, to = Math.floor(to / base)) bytes[i] = alphabet[to % base]!;
  return Buffer.concat([last.subarray(0, c), bytes]);
}

// The lower of two range ends, where "\0" is no end.
function lower(a: Buffer, b: Buffer): Buffer {
  if (isNul(b)) return a;
  return Buffer.compare(a, b) < 0 ? a : b;
}

export class PagedRange {
  // From the first page: what a single response's header and count would be.
  header: ResponseHeader | undefined;
  count = 0n;
  // Known once the pages are exhausted: whether --limit left keys out.
  more = false;
  revision = 0n;

  private readonly descend: boolean;
  private readonly limit: bigint;
  private readonly keep: (kv: KeyValue) => boolean;
  private readonly filtered: boolean;
  private pageKeys: number;
  private seenKeys = 0;
  private seenBytes = 0;
  private target = TARGET_BYTES;

  constructor(
    private readonly client: EtcdClient,
    private readonly req: RangeRequest,
    private readonly o: PagedOptions = {},
  ) {
    this.descend = req.sort_order === SortOrder.Descend;
    this.limit = req.limit ?? 0n;
    this.pageKeys = o.pageSize && o.pageSize > 0 ? o.pageSize : FIRST_KEYS;
    // The server prunes by revision after reading the whole range, on
    // every page; here each page is read plainly and pruned the same way.
    const [minMod, maxMod, minCreate, maxCreate] = [
      req.min_mod_revision ?? 0n,
      req.max_mod_revision ?? 0n,
      req.min_create_revision ?? 0n,
      req.max_create_revision ?? 0n,
    ];
    this.filtered = minMod > 0n || maxMod > 0n || minCreate > 0n || maxCreate > 0n;
    this.keep = (kv) =>
      (minMod === 0n || kv.mod_revision >= minMod) &&
      (maxMod === 0n || kv.mod_revision <= maxMod) &&
      (minCreate === 0n || kv.create_revision >= minCreate) &&
      (maxCreate === 0n || kv.create_revision <= maxCreate);
  }

  // Two buffers take the pages in turn: page n+2 is asked for only after
  // page n was handed out and the generator resumed, so its buffer is free
  // again. Reused, large pages cost neither new allocations nor garbage.
  private readonly slots: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  private turn = 0;

  private request(key: Buffer, end: Buffer, emitted: bigint): Promise<Page> {
    const slot = this.turn++ % 2;
    const alloc = (size: number) => {
      if (this.slots[slot]!.length < size) this.slots[slot] = Buffer.allocUnsafe(size);
      return this.slots[slot]!.subarray(0, size);
    };
    let limit = BigInt(this.pageKeys);
    // Without pruning, the last page asks for no more than --limit leaves.
    if (this.limit > 0n && !this.filtered && this.limit - emitted < limit) limit = this.limit - emitted;
    const r: RangeRequest = {
      ...this.req,
      key,
      range_end: end,
      limit,
      revision: this.revision,
      min_mod_revision: 0n,
      max_mod_revision: 0n,
      min_create_revision: 0n,
      max_create_revision: 0n,
    };
    const o: RequestOptions = { deadline: this.o.deadline?.(), signal: this.o.signal, alloc };
    return this.client.range(r, o);
  }

  // The range left after a page asked for [key, asked) of [key, end), or
  // undefined when nothing can be left.
  private rest(page: Page, key: Buffer, end: Buffer, asked: Buffer): [Buffer, Buffer] | undefined {
    const last = page.kvs.at(-1)?.key;
    if (this.descend) {
      // Below "\0" there is no key (and "\0" as a range end means no end).
      if (!page.more || !last || isNul(last)) return undefined;
      return [key, last];
    }
    if (page.more && last) return [Buffer.concat([last, NUL]), end];
    return asked !== end ? [asked, end] : undefined;
  }

  private resize(kvs: List<KeyValue>): void {
    this.seenKeys += kvs.length;
    this.seenBytes += kvs.byteLength ?? 0;
    if ((this.o.pageSize && this.o.pageSize > 0) || this.seenBytes === 0) return;
    const keys = Math.max(1, Math.min(MAX_KEYS, Math.floor(this.target / (this.seenBytes / this.seenKeys))));
    const left = Number(this.count) - this.seenKeys;
    this.pageKeys = left > 0 && left <= keys * 1.5 ? left : keys;
  }

  // Where the next ascending page of [key, end) should end (see nextBound):
  // not once the rest is about one page, and not after a bounded page that
  // came back short (the keys thin out, or a prefix ends): the page after
  // it, up to the range's end, sizes the guess again. Prefixes that end
  // about a page apart would make that every other page, so pages grow
  // until they span a few such prefixes and the guess can step over them.
  private bound(page: Page, asked: Buffer, key: Buffer, end: Buffer): Buffer {
    const kvs = page.kvs;
    if (this.descend || Number(this.count) - this.seenKeys <= this.pageKeys) return end;
    if (asked !== end && !page.more && kvs.length < this.pageKeys / 4) {
      if (!(this.o.pageSize && this.o.pageSize > 0)) this.target = Math.min(MAX_TARGET_BYTES, this.target * 2);
      return end;
    }
    const sample: Buffer[] = [];
    for (let i = 0; i < SAMPLE && kvs.length > 0; i++) sample.push(kvs.at(Math.floor((i * (kvs.length - 1)) / (SAMPLE - 1)))!.key);
    const b = nextBound(sample, kvs.length, this.pageKeys * 2);
    return b && Buffer.compare(b, key) > 0 ? lower(b, end) : end;
  }

  // Pages of key-values as the single response would list them (pruned,
  // cut at --limit). The next page is requested before one is handed out.
  async *pages(): AsyncGenerator<KeyValue[] | List<KeyValue>> {
    let key = this.req.key;
    let end = this.req.range_end!;
    let asked = end;
    this.revision = this.req.revision ?? 0n;
    let emitted = 0n;
    let page = await this.request(key, asked, emitted);
    if (page.more) boundYoungGeneration();
    this.header = page.header;
    this.count = page.count;
    if (this.revision === 0n) this.revision = page.header?.revision ?? 0n;
    let streamed = this.o.stream === true && !this.descend && !this.filtered && !(this.o.pageSize && this.o.pageSize > 0);
    for (;;) {
      let kvs: KeyValue[] | List<KeyValue> = this.filtered ? [...page.kvs].filter(this.keep) : page.kvs;
      let cut = false;
      if (this.limit > 0n && BigInt(kvs.length) > this.limit - emitted) {
        kvs = [...kvs].slice(0, Number(this.limit - emitted));
        cut = true;
      }
      emitted += BigInt(kvs.length);
      const full = this.limit > 0n && emitted === this.limit;
      const rest = this.rest(page, key, end, asked);
      this.resize(page.kvs);
      // Without pruning, every key left counts: a full read stops here.
      if (streamed && rest && !cut && !full) {
        if (kvs.length > 0) yield kvs;
        const more = yield* this.streamRest(rest[0], end, emitted);
        if (more === undefined) {
          streamed = false;
          [key, end] = rest;
          asked = end;
          page = await this.awaitPage(this.request(key, asked, emitted));
          continue;
        }
        this.more = more;
        return;
      }
      let next: Promise<Page> | undefined;
      if (rest && !cut && !(full && !this.filtered)) {
        [key, end] = rest;
        asked = this.bound(page, asked, key, end);
        next = this.request(key, asked, emitted);
        // Settled here too, so a page left unread never goes unhandled.
        next.catch(() => undefined);
      }
      if (kvs.length > 0) yield kvs;
      if (cut || (full && !this.filtered)) {
        // The first page counted the whole range.
        this.more = cut || this.count > emitted;
        return;
      }
      if (!next) return;
      // With pruning, only another key that passes makes "more" true.
      if (full) {
        this.more = await this.anyKept(next, key, end, asked);
        return;
      }
      page = await this.awaitPage(next);
    }
  }

  // The rest of the range from `key` as one stream; returns whether
  // --limit left keys out, or undefined when the server has no
  // RangeStream (nothing was read then).
  private async *streamRest(key: Buffer, end: Buffer, emitted: bigint): AsyncGenerator<List<KeyValue>, boolean | undefined> {
    const r: RangeRequest = { ...this.req, key, range_end: end, revision: this.revision, limit: this.limit > 0n ? this.limit - emitted : 0n };
    const chunks = this.client.rangeStream(r, { deadline: this.o.deadline, signal: this.o.signal });
    let first = true;
    for (;;) {
      let next: IteratorResult<RangeResponse>;
      try {
        next = await this.awaitPage(chunks.next());
      } catch (e) {
        if (first && e instanceof EtcdError && e.code === Code.Unimplemented) return undefined;
        throw e;
      }
      first = false;
      if (next.done) break;
      emitted += BigInt(next.value.kvs.length);
      if (next.value.kvs.length > 0) yield next.value.kvs;
    }
    return this.limit > 0n && emitted === this.limit && this.count > emitted;
  }

  private async anyKept(next: Promise<Page>, key: Buffer, end: Buffer, asked: Buffer): Promise<boolean> {
    for (let page = await this.awaitPage(next); ; asked = end, page = await this.awaitPage(this.request(key, asked, 0n))) {
      if ([...page.kvs].some(this.keep)) return true;
      const rest = this.rest(page, key, end, asked);
      if (!rest) return false;
      [key, end] = rest;
    }
  }

  // A page after the first: a compaction past the pinned revision is
  // explained, since the read itself began without error.
  private async awaitPage<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof EtcdError && e.message === COMPACTED) {
        e.hints.push(
          `the cluster compacted past revision ${this.revision} while this read was under way (it had read part of the range at that revision): run it again, or read a newer revision with --rev`,
        );
      }
      throw e;
    }
  }
}
