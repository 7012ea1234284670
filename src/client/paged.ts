// A range read page by page at one revision: the first page pins the
// revision (its header's, unless one was asked for) and the rest read at
// it, so the pages together are the range as one request would have seen
// it, without the client or the server holding it all at once.
import type { EtcdClient, RequestOptions } from './etcd.js';
import { EtcdError } from './etcd.js';
import { boundYoungGeneration } from '../heap.js';
import { SortOrder, SortTarget, type KeyValue, type List, type RangeRequest, type ResponseHeader } from './types.js';

// Adaptive page sizes: start small (values may be large), then aim at
// TARGET_BYTES per page from the size of the keys read so far. Every page
// costs the server a walk over the rest of the range (it counts it), so
// pages are few: a rest of up to 1.5 pages comes as one.
const FIRST_KEYS = 64;
const MAX_KEYS = 65536;
const TARGET_BYTES = 8 << 20;

export const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';

export interface PagedOptions {
  // Keys per page; 0 or undefined sizes pages by bytes.
  pageSize?: number;
  // A fresh deadline for each page request.
  deadline?: () => number | undefined;
  signal?: AbortSignal;
}

// Whether one request can be split into pages that print the same: a
// range (not one key, not a count), ordered by key.
export function pageable(r: RangeRequest): boolean {
  return r.range_end !== undefined && r.range_end.length > 0 && !r.count_only && (r.sort_target ?? SortTarget.Key) === SortTarget.Key;
}

const NUL = Buffer.from([0]);

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
    const [minMod, maxMod, minCreate, maxCreate] = [req.min_mod_revision ?? 0n, req.max_mod_revision ?? 0n, req.min_create_revision ?? 0n, req.max_create_revision ?? 0n];
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

  private request(key: Buffer, end: Buffer, emitted: bigint): Promise<{ header?: ResponseHeader; kvs: List<KeyValue>; more: boolean; count: bigint }> {
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

  // The range left after a page whose last key is `last`, or undefined
  // when nothing can be left.
  private rest(key: Buffer, end: Buffer, last: Buffer): [Buffer, Buffer] | undefined {
    if (!this.descend) return [Buffer.concat([last, NUL]), end];
    // Below "\0" there is no key (and "\0" as a range end means no end).
    if (last.length === 1 && last[0] === 0) return undefined;
    return [key, last];
  }

  private resize(kvs: List<KeyValue>): void {
    this.seenKeys += kvs.length;
    this.seenBytes += kvs.byteLength ?? 0;
    if ((this.o.pageSize && this.o.pageSize > 0) || this.seenBytes === 0) return;
    const keys = Math.max(1, Math.min(MAX_KEYS, Math.floor(TARGET_BYTES / (this.seenBytes / this.seenKeys))));
    const left = Number(this.count) - this.seenKeys;
    this.pageKeys = left > 0 && left <= keys * 1.5 ? left : keys;
  }

  // Pages of key-values as the single response would list them (pruned,
  // cut at --limit). The next page is requested before one is handed out.
  async *pages(): AsyncGenerator<KeyValue[] | List<KeyValue>> {
    let key = this.req.key;
    let end = this.req.range_end!;
    this.revision = this.req.revision ?? 0n;
    let emitted = 0n;
    let page = await this.request(key, end, emitted);
    if (page.more) boundYoungGeneration();
    this.header = page.header;
    this.count = page.count;
    if (this.revision === 0n) this.revision = page.header?.revision ?? 0n;
    for (;;) {
      let kvs: KeyValue[] | List<KeyValue> = this.filtered ? [...page.kvs].filter(this.keep) : page.kvs;
      let cut = false;
      if (this.limit > 0n && BigInt(kvs.length) > this.limit - emitted) {
        kvs = [...kvs].slice(0, Number(this.limit - emitted));
        cut = true;
      }
      emitted += BigInt(kvs.length);
      const full = this.limit > 0n && emitted === this.limit;
      const last = page.kvs.at(-1);
      const rest = page.more && last ? this.rest(key, end, last.key) : undefined;
      this.resize(page.kvs);
      // Without pruning, every key left counts: a full read stops here.
      let next: ReturnType<PagedRange['request']> | undefined;
      if (rest && !cut && !(full && !this.filtered)) {
        [key, end] = rest;
        next = this.request(key, end, emitted);
        // Settled here too, so a page left unread never goes unhandled.
        next.catch(() => undefined);
      }
      if (kvs.length > 0) yield kvs;
      if (cut || (full && !this.filtered)) {
        this.more = cut || rest !== undefined;
        return;
      }
      if (!next) return;
      // With pruning, only another key that passes makes "more" true.
      if (full) {
        this.more = await this.anyKept(next, key, end);
        return;
      }
      page = await this.awaitPage(next);
    }
  }

  private async anyKept(next: ReturnType<PagedRange['request']>, key: Buffer, end: Buffer): Promise<boolean> {
    for (let page = await this.awaitPage(next); ; page = await this.awaitPage(this.request(key, end, 0n))) {
      if ([...page.kvs].some(this.keep)) return true;
      const last = page.kvs.at(-1);
      const rest = page.more && last ? this.rest(key, end, last.key) : undefined;
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
