// etcd's concurrency recipes (clientv3/concurrency) with the same key
// layout, so that etcdctl and etcdctl-ts locks and elections interoperate:
// a session is a lease kept alive; a contender owns `<prefix><lease id in
// hex>`; the owner is the key under the prefix with the lowest create
// revision, and everyone else waits for the deletion of the key created
// just before theirs.
import { bytes } from '../base/bytes.js';
import type { EtcdClient } from './etcd.js';
import { prefixEnd } from './prefix.js';
import * as T from './types.js';

export class Session {
  private readonly stop = new AbortController();
  // Settles only if the lease could not be kept alive (not on close()).
  readonly expired: Promise<void>;

  private constructor(
    private readonly client: EtcdClient,
    readonly lease: bigint,
  ) {
    const ended = client.leaseKeepAlive(lease, () => undefined, this.stop.signal).catch(() => 'expired' as const);
    this.expired = ended.then((outcome) => (outcome === 'stopped' ? new Promise<void>(() => undefined) : undefined));
  }

  static async create(client: EtcdClient, ttl: number): Promise<Session> {
    const r = await client.leaseGrant(BigInt(ttl), 0n);
    return new Session(client, r.ID);
  }

  // Revokes the lease, which deletes every key the session owns.
  async close(): Promise<void> {
    this.stop.abort();
    await this.client.leaseRevoke(this.lease, { deadline: Date.now() + 1000 }).catch(() => undefined);
  }
}

export interface Held {
  key: Buffer;
  header?: T.ResponseHeader;
}

function firstCreated(pfx: Buffer): T.RangeRequest {
  return { key: pfx, range_end: prefixEnd(pfx), sort_target: T.SortTarget.Create, sort_order: T.SortOrder.Ascend, limit: 1n };
}

// Waits until the key is deleted (watching from `rev`).
function waitDelete(client: EtcdClient, key: Buffer, rev: bigint, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const h = client.watch({ key, start_revision: rev }, (r) => {
      if (r.events.some((e) => e.type === T.EventType.Delete)) {
        h.cancel();
        resolve();
      }
    });
    h.done.then(() => resolve(), reject);
    signal.addEventListener('abort', () => h.cancel(), { once: true });
  });
}

// Waits until no key under the prefix was created at or before maxRev:
// each time, for the last such key to go.
async function waitDeletes(client: EtcdClient, pfx: Buffer, maxRev: bigint, signal: AbortSignal): Promise<T.ResponseHeader | undefined> {
  for (;;) {
    if (signal.aborted) throw new Error('context canceled');
    const r = await client.range(
      { key: pfx, range_end: prefixEnd(pfx), sort_target: T.SortTarget.Create, sort_order: T.SortOrder.Descend, limit: 1n, max_create_revision: maxRev },
      { signal },
    );
    const last = [...r.kvs][0];
    if (!last) return r.header;
    await waitDelete(client, last.key, r.header!.revision, signal);
  }
}

// Creates our key under the prefix (or finds it) and waits for our turn.
async function acquire(client: EtcdClient, s: Session, pfx: Buffer, value: Buffer, signal: AbortSignal): Promise<Held> {
  const key = Buffer.concat([pfx, Buffer.from(s.lease.toString(16))]);
  const r = await client.txn(
    {
      compare: [{ result: T.CompareResult.Equal, target: T.CompareTarget.Create, key, create_revision: 0n }],
      success: [{ request_put: { key, value, lease: s.lease } }, { request_range: firstCreated(pfx) }],
      failure: [{ request_range: { key } }, { request_range: firstCreated(pfx) }],
    },
    { signal },
  );
  let myRev = r.header!.revision;
  if (!r.succeeded) myRev = [...r.responses[0]!.response_range!.kvs][0]!.create_revision;
  const owner = [...r.responses[1]!.response_range!.kvs][0];
  if (!owner || owner.create_revision === myRev) return { key, header: r.header };
  const header = await waitDeletes(client, pfx, myRev - 1n, signal);
  return { key, header };
}

export function lock(client: EtcdClient, s: Session, name: string, signal: AbortSignal): Promise<Held> {
  return acquire(client, s, bytes(`${name}/`), Buffer.alloc(0), signal);
}

export async function unlock(client: EtcdClient, held: Held): Promise<void> {
  await client.deleteRange({ key: held.key });
}

export function campaign(client: EtcdClient, s: Session, name: string, proposal: Buffer, signal: AbortSignal): Promise<Held> {
  return acquire(client, s, bytes(`${name}/`), proposal, signal);
}

// Reports the leader of an election and every change of it (including a
// new value proclaimed by the same leader) until aborted.
export async function observe(client: EtcdClient, name: string, onLeader: (r: T.RangeResponse) => void, signal: AbortSignal): Promise<void> {
  const pfx = bytes(`${name}/`);
  while (!signal.aborted) {
    const r = await client.range(firstCreated(pfx), { signal });
    let leader: T.KeyValue | undefined = [...r.kvs][0];
    if (!leader) {
      // Undefined when the wait was aborted.
      leader = await new Promise<T.KeyValue | undefined>((resolve, reject) => {
        const h = client.watch({ key: pfx, range_end: prefixEnd(pfx), start_revision: r.header!.revision }, (w) => {
          const put = w.events.find((e) => e.type === T.EventType.Put);
          if (put?.kv) {
            h.cancel();
            resolve(put.kv);
          }
        });
        h.done.then(() => resolve(undefined), reject);
        signal.addEventListener('abort', () => h.cancel(), { once: true });
      });
      if (!leader) return;
    }
    const current = leader;
    await new Promise<void>((resolve, reject) => {
      const h = client.watch({ key: current.key, start_revision: current.mod_revision }, (w) => {
        for (const e of w.events) {
          if (e.type === T.EventType.Delete) {
            h.cancel();
            resolve();
            return;
          }
          onLeader({ header: w.header, kvs: [e.kv!], more: false, count: r.count });
        }
      });
      h.done.then(() => resolve(), reject);
      signal.addEventListener('abort', () => h.cancel(), { once: true });
    });
  }
}
