// The snapshot file formats on their own: checksums, IDs, WAL framing and
// the bbolt page writers read back by the reader.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BoltFile, inlineBucket, leafBody, metaPage, NO_FREELIST, PageFlag, pageHeader, BUCKET_LEAF } from '../../src/snapshot/bbolt.js';
import { crc32c, fnv1a64 } from '../../src/snapshot/checksums.js';
import { clusterId, memberId, walRecords } from '../../src/snapshot/raft.js';
import { SnapshotWriter } from '../../src/snapshot/save.js';
import { dbStatus } from '../../src/snapshot/status.js';
import { StreamSummary } from '../../src/snapshot/summary.js';

test('CRC-32C: check value, chaining, and lengths around the 8-byte stride', () => {
  assert.equal(crc32c(0, Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(crc32c(0, Buffer.from('1234')), Buffer.from('56789')), 0xe3069283);
  // Bit-at-a-time reference for every length 0..40.
  const slow = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const data = Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff));
  for (let n = 0; n <= 40; n++) assert.equal(crc32c(0, data.subarray(0, n)), slow(data.subarray(0, n)), `length ${n}`);
});

test('FNV-1a 64', () => {
  assert.equal(fnv1a64(Buffer.alloc(0)), 0xcbf29ce484222325n);
  assert.equal(fnv1a64(Buffer.from('a')), 0xaf63dc4c8601ec8cn);
});

test('member and cluster IDs as etcd derives them', () => {
  assert.equal(memberId(['http://localhost:2380'], 'etcd-cluster').toString(16), '8e9e05c52164694d');
  assert.equal(clusterId([0x8e9e05c52164694dn]).toString(16), 'cdf818194e3a8c32');
  const id = memberId(['http://127.0.0.1:24801'], 'tok1');
  assert.equal(id.toString(16), '18e0185557c0ce00');
  assert.equal(clusterId([id]).toString(16), 'd02ac130b9ebfd3b');
});

test('WAL records: offsets, padding and the running CRC of a one-member restore', () => {
  const id = 0x18e0185557c0ce00n;
  const wal = walRecords(id, 0xd02ac130b9ebfd3bn, [{ id, name: 'r1', peerURLs: ['http://127.0.0.1:24801'] }]);
  const records: { off: number; type: number; crc: number }[] = [];
  for (let off = 0; off < wal.length; ) {
    const field = wal.readBigUInt64LE(off);
    const len = Number(field & 0xffffffffffffffn);
    const pad = field >> 63n ? Number((field >> 56n) & 0x7n) : 0;
    const rec = wal.subarray(off + 8, off + 8 + len);
    // Record{1: type varint, 2: crc varint, …}
    let p = 1;
    const type = rec[p++]!;
    p++;
    let crc = 0;
    for (let shift = 0; ; shift += 7) {
      const b = rec[p++]!;
      crc += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
    }
    records.push({ off, type, crc });
    off += 8 + len + pad;
  }
  assert.deepEqual(
    records.map((r) => [r.off, r.type, r.crc.toString(16)]),
    [
      [0, 4, '0'],
      [16, 1, 'c1798668'],
      [56, 5, '51be5af1'],
      [80, 2, '3795d06a'],
      [200, 3, 'fff4533a'],
      [232, 5, '5b2a0cdf'],
    ],
  );
  assert.equal(wal.length, 256);
});

test('pages written by the writers read back, with inline and page buckets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bolt-'));
  try {
    const ps = 4096;
    const keyItems = Array.from({ length: 3 }, (_, i) => ({ flags: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));
    const leaf = Buffer.alloc(ps);
    pageHeader(2, PageFlag.Leaf, 3, 0).copy(leaf);
    leafBody(keyItems).copy(leaf, 16);
    const keyBucket = Buffer.alloc(16);
    keyBucket.writeBigUInt64LE(2n);
    const rootItems = [
      { flags: BUCKET_LEAF, key: Buffer.from('key'), value: keyBucket },
      { flags: BUCKET_LEAF, key: Buffer.from('meta'), value: inlineBucket([{ flags: 0, key: Buffer.from('a'), value: Buffer.from('b') }]) },
    ];
    const root = Buffer.alloc(ps);
    pageHeader(3, PageFlag.Leaf, 2, 0).copy(root);
    leafBody(rootItems).copy(root, 16);
    const meta = { pageSize: ps, root: 3, freelist: NO_FREELIST, pgid: 4, txid: 2n };
    const file = join(dir, 'db');
    writeFileSync(file, Buffer.concat([metaPage(0, ps, meta), metaPage(1, ps, { ...meta, txid: 1n }), leaf, root]));
    const db = BoltFile.open(file);
    try {
      db.startCheck();
      const seen: string[] = [];
      for (const b of db.buckets()) for (const it of db.bucket(b.value, b.key.toString())) seen.push(`${b.key}/${it.key}=${it.value}`);
      assert.deepEqual(seen, ['key/k0=v0', 'key/k1=v1', 'key/k2=v2', 'meta/a=b']);
      assert.deepEqual(db.finishCheck(), []);
      assert.equal(db.meta.txid, 2n);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A small etcd-like database: a key bucket of revision keys on page 3, the
// root on page 4, and on page 2 a freed page whose stale header still says
// it runs over pages 3 and 4 (bbolt leaves freed pages as they were).
function tinyDb(): Buffer {
  const ps = 4096;
  const rev = (n: number) => Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, n]), Buffer.from('_'), Buffer.alloc(8)]);
  const page = (id: number, flags: number, items: { flags: number; key: Buffer; value: Buffer }[], overflow = 0) => {
    const p = Buffer.alloc(ps);
    pageHeader(id, flags, items.length, overflow).copy(p);
    leafBody(items).copy(p, 16);
    return p;
  };
  const stale = page(2, PageFlag.Leaf, [{ flags: 0, key: rev(1), value: Buffer.from('old') }], 2);
  const keys = page(
    3,
    PageFlag.Leaf,
    [5, 6, 9].map((n) => ({ flags: 0, key: rev(n), value: Buffer.from(`v${n}`) })),
  );
  const keyBucket = Buffer.alloc(16);
  keyBucket.writeBigUInt64LE(3n);
  const root = page(4, PageFlag.Leaf, [
    { flags: BUCKET_LEAF, key: Buffer.from('key'), value: keyBucket },
    { flags: BUCKET_LEAF, key: Buffer.from('meta'), value: inlineBucket([{ flags: 0, key: Buffer.from('a'), value: Buffer.from('b') }]) },
  ]);
  const meta = { pageSize: ps, root: 4, freelist: NO_FREELIST, pgid: 5, txid: 2n };
  return Buffer.concat([metaPage(0, ps, meta), metaPage(1, ps, { ...meta, txid: 1n }), stale, keys, root]);
}

test('the streaming summary: revision and key count as snapshot status finds them, in any chunking, past stale overflow headers', () => {
  const db = tinyDb();
  const dir = mkdtempSync(join(tmpdir(), 'sum-'));
  try {
    writeFileSync(join(dir, 'db'), db);
    const st = dbStatus(join(dir, 'db'), db.length);
    assert.deepEqual([st.revision, st.totalKey], [9n, 4]);
    for (const size of [1, 7, 100, 4096, 5000, db.length]) {
      const s = new StreamSummary();
      for (let i = 0; i < db.length; i += size) s.push(db.subarray(i, i + size));
      assert.deepEqual(s.finish(), { revision: 9n, totalKey: 4 }, `chunks of ${size}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const notBolt = new StreamSummary();
  assert.throws(() => notBolt.push(Buffer.alloc(4096, 7)), /^Error: the stream is not a bbolt database \(page size \d+\)$/);
});

test('the save writer: renames only a stream whose trailer matches, and leaves nothing otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'save-'));
  try {
    const db = tinyDb();
    const sum = createHash('sha256').update(db).digest();
    // Chunks that split the trailer, as a stream may.
    const feed = (w: SnapshotWriter, bytes: Buffer) => {
      for (let i = 0; i < bytes.length; i += 5000) w.write(bytes.subarray(i, i + 5000));
    };
    const done = { sha256: sum.toString('hex'), revision: 9n, totalKey: 4 };
    const good = new SnapshotWriter(join(dir, 'good.db'));
    feed(good, Buffer.concat([db, sum]));
    assert.deepEqual(good.finish(), done);
    // Chunks shorter than the trailer, of its length, just over it, and one chunk.
    for (const size of [7, 32, 33, db.length + 32]) {
      const w = new SnapshotWriter(join(dir, `sized-${size}.db`));
      const bytes = Buffer.concat([db, sum]);
      for (let i = 0; i < bytes.length; i += size) w.write(bytes.subarray(i, i + size));
      assert.deepEqual(w.finish(), done, `chunks of ${size}`);
      rmSync(join(dir, `sized-${size}.db`));
    }
    assert.equal(statSync(join(dir, 'good.db')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['good.db']);

    const bad = new SnapshotWriter(join(dir, 'bad.db'));
    const wrong = Buffer.from(sum);
    wrong[0]! ^= 1;
    feed(bad, Buffer.concat([db, wrong]));
    assert.throws(() => bad.finish(), /^Error: the received snapshot is corrupt: its sha256 trailer says [0-9a-f]{64} but the data hashes to [0-9a-f]{64}$/);
    bad.abort();

    const short = new SnapshotWriter(join(dir, 'short.db'));
    feed(short, db.subarray(0, 5000));
    assert.throws(() => short.finish(), /sha256 checksum not found \[bytes: 5000\]/);
    short.abort();
    assert.deepEqual(readdirSync(dir), ['good.db']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
