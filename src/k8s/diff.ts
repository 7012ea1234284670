// What changed between two states of the keyspace under /registry: both
// sides are walked in key order, side by side, and only keys whose stored
// version differs are decoded and compared.
import { classify, DecodeError, toObject, type JsonObject } from './decode.js';
import { summarize, type ObjectSummary, type StoredKv } from './summary.js';

// One key on one side of a diff, in key order.
export interface DiffEntry {
  // The key as latin1, so that string order is byte order.
  id: string;
  modRevision: bigint;
  // Of the stored value: equal digests and revisions mean one version.
  digest(): string;
  load(): StoredKv;
}

export type Change = 'added' | 'deleted' | 'modified';

export interface Version {
  kv: StoredKv;
  // The object it decodes to, or why it does not.
  object?: JsonObject;
  error?: string;
}

export interface Difference {
  change: Change;
  // Of the version on the newer side (the older one for a deletion).
  summary: ObjectSummary;
  from?: Version;
  to?: Version;
}

function version(kv: StoredKv): Version {
  try {
    return { kv, object: toObject(classify(kv.value), kv.mod_revision) };
  } catch (e) {
    if (e instanceof DecodeError) return { kv, error: e.message };
    throw e;
  }
}

// What the API server rewrites on every write: the resourceVersion and
// the times in managedFields. Without --all, a change to these alone is none.
function withoutBookkeeping(o: JsonObject): string {
  const md = o.metadata;
  if (md === null || typeof md !== 'object' || Array.isArray(md)) return JSON.stringify(o, big);
  const { resourceVersion: _r, managedFields, ...rest } = md;
  const fields = Array.isArray(managedFields)
    ? managedFields.map((m) => (m !== null && typeof m === 'object' && !Array.isArray(m) ? { ...m, time: null } : m))
    : managedFields;
  return JSON.stringify({ ...o, metadata: { ...rest, managedFields: fields ?? null } }, big);
}
const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

// Whether two versions of one key differ, as the diff counts it.
function modified(from: Version, to: Version, all: boolean): boolean {
  if (from.object && to.object) {
    if (all) return JSON.stringify(from.object, big) !== JSON.stringify(to.object, big);
    return withoutBookkeeping(from.object) !== withoutBookkeeping(to.object);
  }
  // Values that do not decode (or stay encrypted) are compared as bytes.
  return !from.kv.value.equals(to.kv.value) || (all && from.kv.mod_revision !== to.kv.mod_revision);
}

// A cursor over batches of entries.
class Cursor {
  private batch: DiffEntry[] = [];
  private i = 0;
  constructor(private readonly it: AsyncIterator<DiffEntry[]>) {}
  async peek(): Promise<DiffEntry | undefined> {
    while (this.i >= this.batch.length) {
      const r = await this.it.next();
      if (r.done) return undefined;
      this.batch = r.value;
      this.i = 0;
    }
    return this.batch[this.i];
  }
  skip(): void {
    this.i++;
  }
}

// The differences from side `a` to side `b`, in key order.
export async function* differences(a: AsyncIterable<DiffEntry[]>, b: AsyncIterable<DiffEntry[]>, all: boolean): AsyncGenerator<Difference> {
  const ca = new Cursor(a[Symbol.asyncIterator]());
  const cb = new Cursor(b[Symbol.asyncIterator]());
  for (;;) {
    const x = await ca.peek();
    const y = await cb.peek();
    if (!x && !y) return;
    if (x && (!y || x.id < y.id)) {
      ca.skip();
      const from = version(x.load());
      yield { change: 'deleted', summary: summarize(from.kv), from };
    } else if (y && (!x || y.id < x.id)) {
      cb.skip();
      const to = version(y.load());
      yield { change: 'added', summary: summarize(to.kv), to };
    } else {
      ca.skip();
      cb.skip();
      if (x!.modRevision === y!.modRevision && x!.digest() === y!.digest()) continue;
      const from = version(x!.load());
      const to = version(y!.load());
      if (modified(from, to, all)) yield { change: 'modified', summary: summarize(to.kv), from, to };
    }
  }
}
