// The keyspace a snapshot file (or a member's db) holds: the latest version
// of every key that is not deleted, read from etcd's `key` bucket, where
// each revision of each key is stored under its revision (8-byte main,
// '_', 8-byte sub, and a trailing 't' for a deletion).
import * as pb from '../client/messages.js';
import { decode } from '../client/proto.js';
import type { KeyValue } from '../client/types.js';
import { BoltError, BoltFile } from './bbolt.js';
import { SnapshotError } from './errors.js';

export interface Keyspace {
  // The highest revision in the file.
  revision: bigint;
  // Live keys under the prefix, in the order they were last written (a
  // key order would mean holding every value; callers sort what they keep).
  keys(prefix: Buffer, end: Buffer): Generator<KeyValue>;
  close(): void;
}

export function openKeyspace(path: string): Keyspace {
  let db: BoltFile;
  try {
    db = BoltFile.open(path);
  } catch (e) {
    if (e instanceof BoltError) throw new SnapshotError(`${path} is not a usable snapshot: ${e.message}`);
    throw e;
  }
  const bucket = [...db.buckets()].find((b) => b.key.toString('latin1') === 'key')?.value;
  const entries = () => (bucket ? db.bucket(bucket, 'key') : []);
  let revision = 0n;
  for (const it of entries()) if (it.key.length >= 8) revision = it.key.readBigUInt64BE(0);
  const inRange = (k: Buffer, prefix: Buffer, end: Buffer) => Buffer.compare(k, prefix) >= 0 && (end.length === 1 && end[0] === 0 ? true : Buffer.compare(k, end) < 0);
  return {
    revision,
    *keys(prefix, end) {
      // First pass: each key's last revision (a deletion leaves it out).
      const last = new Map<string, string | null>();
      for (const it of entries()) {
        const kv = decode(pb.KeyValue, it.value) as unknown as KeyValue;
        if (!inRange(kv.key, prefix, end)) continue;
        last.set(kv.key.toString('latin1'), it.key.length === 18 && it.key[17] === 0x74 ? null : it.key.toString('latin1'));
      }
      // Second pass: the values of those revisions, one page at a time.
      const wanted = new Set([...last.values()].filter((rev): rev is string => rev !== null));
      last.clear();
      for (const it of entries()) {
        if (wanted.has(it.key.toString('latin1'))) yield decode(pb.KeyValue, Buffer.from(it.value)) as unknown as KeyValue;
      }
    },
    close: () => db.close(),
  };
}
