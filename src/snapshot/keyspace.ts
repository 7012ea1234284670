// The keyspace a snapshot file (or a member's db) holds: the latest version
// of every key that is not deleted, read from etcd's `key` bucket, where
// each revision of each key is stored under its revision (8-byte main,
// '_', 8-byte sub, and a trailing 't' for a deletion).
import * as pb from '../client/messages.js';
import { isNul } from '../client/prefix.js';
import { decode } from '../client/proto.js';
import type { KeyValue } from '../client/types.js';
import { boundYoungGeneration } from '../heap.js';
import { checkSnapshotFile, hasOwnTrailer, openSnapshotDb, verifyTrailerAside } from './status.js';

export interface Keyspace {
  // The highest revision in the file.
  revision: bigint;
  // What `f` makes of the last version of every live key under [prefix,
  // end), by key: one pass over the revisions, `f` called for each version
  // (a later one replaces it, a deletion removes it), so only what `f`
  // keeps of each key stays in memory. `at` is the version's revision in
  // the bucket (8-byte main, '_', 8-byte sub), for stored(); it is a view
  // of a page, so what is kept of it must be copied.
  latest<T>(prefix: Buffer, end: Buffer, f: (kv: KeyValue, at: Buffer) => T): Map<string, T>;
  // The version stored at a revision `latest` handed out.
  stored(at: Buffer): KeyValue | undefined;
  // Settles once the sha256 trailer has been checked (rejects if it is wrong).
  trailer: Promise<void>;
  // What could not be read: damaged pages, values that do not decode.
  problems(): string[];
  close(): void;
}

// A stored mvccpb.KeyValue's key: field 1, which etcd writes first.
export function keyOf(value: Buffer): Buffer {
  if (value[0] === 0x0a) {
    let len = 0;
    let i = 1;
    for (let shift = 0; i < value.length && shift < 35; shift += 7) {
      const x = value[i++]!;
      len += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) return value.subarray(i, i + len);
    }
  }
  return (decode(pb.KeyValue, value) as unknown as KeyValue).key;
}

// A record of the key bucket that does not decode, named by its revision.
const undecodable = (rev: Buffer, e: unknown) =>
  `revision ${rev.length >= 8 ? rev.readBigUInt64BE(0) : '?'}: the stored key-value does not decode (${(e as Error).message})`;

// The file's sha256 trailer, where it has one (a member's db has none),
// is checked on a worker thread while the keys are read: `trailer`
// settles once it has been, and a reader waits for it before answering.
export function openKeyspace(path: string, shown = path): Keyspace {
  checkSnapshotFile(path);
  const db = openSnapshotDb(path, shown);
  const trailer = hasOwnTrailer(db) ? verifyTrailerAside(path, db.fileSize) : Promise.resolve();
  trailer.catch(() => undefined);
  const undecoded: string[] = [];
  const bucket = [...db.buckets()].find((b) => b.key.toString('latin1') === 'key')?.value;
  const entries = () => (bucket ? db.bucket(bucket, 'key') : []);
  let revision = 0n;
  for (const it of entries()) if (it.key.length >= 8) revision = it.key.readBigUInt64BE(0);
  const inRange = (k: Buffer, prefix: Buffer, end: Buffer) => Buffer.compare(k, prefix) >= 0 && (isNul(end) || Buffer.compare(k, end) < 0);
  return {
    revision,
    latest(prefix, end, f) {
      boundYoungGeneration();
      const out = new Map();
      for (const it of entries()) {
        let key: Buffer;
        try {
          key = keyOf(it.value);
        } catch (e) {
          undecoded.push(undecodable(it.key, e));
          continue;
        }
        if (!inRange(key, prefix, end)) continue;
        const name = key.toString('latin1');
        // A deletion's revision ends in 't'.
        if (it.key.length === 18 && it.key[17] === 0x74) out.delete(name);
        else {
          // Map order is insertion order: a key written again moves to the end.
          out.delete(name);
          let kv: KeyValue;
          try {
            kv = decode(pb.KeyValue, it.value) as unknown as KeyValue;
          } catch (e) {
            undecoded.push(undecodable(it.key, e));
            continue;
          }
          out.set(name, f(kv, it.key));
        }
      }
      return out;
    },
    stored(at) {
      const value = bucket && db.get(bucket, 'key', at);
      return value ? (decode(pb.KeyValue, value) as unknown as KeyValue) : undefined;
    },
    trailer,
    problems: () => [...db.problems, ...undecoded],
    close: () => db.close(),
  };
}
