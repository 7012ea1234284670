// The hash a member's HashKV answers, computed from a db file (etcdutl
// 3.6's `hashkv`): CRC-32C over the name of the `key` bucket, then over
// each revision's key and value up to the revision asked for, in revision
// order. Revisions at or below the compaction count only where etcd would
// keep them if it compacted at that revision (the latest of each key that
// is live there), as etcd's index decides, rebuilt here from the bucket.
import { lockHolder } from '../base/files.js';
import { crc32c } from './checksums.js';
import { keyOf } from './keyspace.js';
import { checkSnapshotFile, openSnapshotDb } from './status.js';
import { SnapshotError } from './errors.js';

export interface KvHash {
  hash: number;
  // The revision hashed up to, and the compaction etcd would report (-1: none).
  revision: bigint;
  compactRevision: bigint;
}

export const COMPACTED = 'mvcc: required revision has been compacted';
export const FUTURE = 'mvcc: required revision is a future revision';

const KEY_BUCKET = Buffer.from('key');
const main = (rev: Buffer) => rev.readBigUInt64BE(0);
const isTombstone = (rev: Buffer) => rev.length === 18 && rev[17] === 0x74;
// A revision as etcd's index names it: main and sub, without the tombstone mark.
const revId = (rev: Buffer) => rev.toString('latin1', 0, 17);

// `rev` 0 hashes up to the file's latest revision.
export function hashKV(path: string, rev: bigint, shown = path): KvHash {
  checkSnapshotFile(path);
  // A running member holds bbolt's lock and rewrites pages as it goes: a
  // read then could mix two states. (etcdutl waits for the lock, forever.)
  const pid = lockHolder(path);
  if (pid !== undefined)
    throw new SnapshotError(`${shown} is in use by a running process (pid ${pid}, an etcd member?): ask the member with \`endpoint hashkv\`, or stop it first`);
  const db = openSnapshotDb(path, shown);
  try {
    const buckets = new Map([...db.buckets()].map((b) => [b.key.toString('latin1'), b.value]));
    const items = (name: string) => {
      const b = buckets.get(name);
      return b ? db.bucket(b, name) : [];
    };
    let compactRev = -1n;
    for (const it of items('meta')) {
      const name = it.key.toString('latin1');
      if ((name === 'finishedCompactRev' || name === 'scheduledCompactRev') && it.value.length >= 8 && main(it.value) > compactRev) compactRev = main(it.value);
    }
    // A store starts at revision 1; a compaction ahead of the keys moves it on.
    const keyBucket = buckets.get('key');
    const last = keyBucket ? db.lastKey(keyBucket, 'key') : undefined;
    let currentRev = last && last.length >= 17 ? main(last) : 1n;
    if (currentRev < compactRev) currentRev = compactRev;
    if (rev > 0n && rev < compactRev) throw new SnapshotError(COMPACTED);
    if (rev > currentRev) throw new SnapshotError(FUTURE);
    const at = rev === 0n ? currentRev : rev;
    const keep = kept(items('key'), at);

    let crc = crc32c(0, KEY_BUCKET);
    for (const it of items('key')) {
      if (it.key.length < 17) continue;
      const m = main(it.key);
      if (m > at) continue;
      if (m <= compactRev && keep.size > 0 && !keep.has(revId(it.key))) continue;
      crc = crc32c(crc32c(crc, it.key), it.value);
    }
    return { hash: crc, revision: at, compactRevision: compactRev };
  } finally {
    db.close();
  }
}

// The revisions etcd's index keeps at `at`: per key, the latest revision
// at or below it in the generation (a life between deletions) that is
// live at `at`; none where the key is deleted there. One pass in
// revision order: a deletion at or below `at` ends a generation that
// cannot be the one, and the first revision above it settles the key.
function kept(items: Iterable<{ key: Buffer; value: Buffer }>, at: bigint): Set<string> {
  const latest = new Map<string, string | undefined>();
  const settled = new Set<string>();
  for (const it of items) {
    if (it.key.length < 17) continue;
    const name = keyOf(it.value).toString('latin1');
    if (settled.has(name)) continue;
    if (main(it.key) > at) {
      settled.add(name);
      continue;
    }
    latest.set(name, isTombstone(it.key) ? undefined : revId(it.key));
  }
  const out = new Set<string>();
  for (const r of latest.values()) if (r !== undefined) out.add(r);
  return out;
}
