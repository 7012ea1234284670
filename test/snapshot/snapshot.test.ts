// snapshot save, status and restore against real etcd: a server filled
// with thousands of keys (history, deletions, a compaction, leases, users,
// roles, a value spanning overflow pages) is saved by etcdctl-ts and by
// etcdctl, restored by etcdctl-ts for one and for three members, and the
// restored data dirs are booted and checked; then broken files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, watch, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BoltFile } from '../../src/snapshot/bbolt.js';
import { errorLines, etcdctl, exec, OURS, ours } from '../harness/cli.js';
import { onTerminal } from '../harness/tty.js';
import { freePort, startEtcd, startExisting, tempDir, type EtcdCluster, type EtcdServer, type MemberSpec } from '../harness/etcd.js';
import { start } from '../harness/proc.js';
import { server, SERVERS } from '../harness/servers.js';

let src: EtcdServer;
let dir: string;
let revision: string;
const at = (s: EtcdServer | string) => `--endpoints=${typeof s === 'string' ? s : s.endpoint}`;
const FORMATS = ['simple', 'json', 'fields', 'table', 'protobuf'];

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await etcdctl(args, { stdin });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.toString();
}

before(async () => {
  src = await startEtcd();
  dir = tempDir();
  // 3,200 keys of 4 kB in 25 transactions, then history on top.
  for (let t = 0; t < 25; t++) {
    const ops = Array.from({ length: 128 }, (_, i) => `put /data/${String(t * 128 + i).padStart(5, '0')} ${'v'.repeat(4000)}${i}`);
    await ok([at(src), 'txn'], `\n${ops.join('\n')}\n\n\n`);
  }
  for (let i = 0; i < 50; i++) await ok([at(src), 'put', '/hist/k', `version-${i}`]);
  await ok([at(src), 'del', '/data/00010', '/data/00020']);
  await ok([at(src), 'compaction', '60']);
  const lease = /lease ([0-9a-f]+) granted/.exec(await ok([at(src), 'lease', 'grant', '3600']))![1]!;
  await ok([at(src), 'put', '/leased', 'x', `--lease=${lease}`]);
  await ok([at(src), 'put', '/big', 'b'.repeat(100000)]);
  await ok([at(src), 'user', 'add', 'alice:pw']);
  await ok([at(src), 'role', 'add', 'reader']);
  await ok([at(src), 'role', 'grant-permission', 'reader', 'read', '/data/', '--prefix']);
  await ok([at(src), 'user', 'grant-role', 'alice', 'reader']);
  revision = /"revision":(\d+)/.exec(await ok([at(src), 'get', 'x', '-w', 'json']))![1]!;
});

after(async () => {
  await src?.stop();
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// WAL frames: a little-endian u64 (length, padding flag in the top byte),
// then walpb.Record{type=1, crc=2, data=3}, padded to 8 bytes; zeros end it.
function walFrames(wal: Buffer): { type: number; crc: number; data: Buffer }[] {
  const out = [];
  for (let pos = 0; pos + 8 <= wal.length; ) {
    const field = wal.readBigUInt64LE(pos);
    if (field === 0n) break;
    const len = Number(field & 0xffffffffffffffn);
    const pad = field >> 63n ? Number((field >> 56n) & 0x7n) : 0;
    const rec = wal.subarray(pos + 8, pos + 8 + len);
    let type = 0;
    let crc = 0;
    let data: Buffer = Buffer.alloc(0);
    for (let i = 0; i < rec.length; ) {
      const tag = rec[i++]!;
      const [v, n] = varint(rec, i);
      i += n;
      if (tag === 0x08) type = Number(v);
      else if (tag === 0x10) crc = Number(v);
      else if (tag === 0x1a) {
        data = rec.subarray(i, i + Number(v));
        i += Number(v);
      } else throw new Error(`unexpected WAL record tag ${tag}`);
    }
    out.push({ type, crc, data });
    pos += 8 + len + pad;
  }
  return out;
}

function varint(b: Buffer, at: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; ; i++) {
    const x = b[at + i]!;
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if (x < 0x80) return [v, i + 1];
  }
}

const uvarint = (v: bigint): Buffer => {
  const out: number[] = [];
  for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
  out.push(Number(v));
  return Buffer.from(out);
};

// Field 3 of walpb.Snapshot: raftpb.ConfState{voters=1 (ascending), auto_leave=5}.
function protoConfState(voters: bigint[]): Buffer {
  const body = Buffer.concat([
    ...[...voters].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((id) => Buffer.concat([Buffer.from([0x08]), uvarint(id)])),
    Buffer.from([0x28, 0x00]),
  ]);
  return Buffer.concat([Buffer.from([0x1a]), uvarint(BigInt(body.length)), body]);
}

// A .snap file past its CRC (field 1, a varint): the raft snapshot it holds.
function snapBody(b: Buffer): string {
  let i = 1;
  while (b[i]! & 0x80) i++;
  return b.subarray(i + 1).toString('latin1');
}

// Every bucket of a bbolt file with its keys and values, as hex.
function boltContent(path: string): Record<string, string[]> {
  const db = BoltFile.open(path, false);
  try {
    const out: Record<string, string[]> = {};
    for (const b of db.buckets()) {
      const name = b.key.toString('latin1');
      out[name] = [...db.bucket(b.value, name)].map((it) => `${it.key.toString('hex')}=${it.value.toString('hex')}`);
    }
    return out;
  } finally {
    db.close();
  }
}

describe('snapshot save and status', () => {
  test('save, then status in every format, as etcdctl on both files', async () => {
    const mine = join(dir, 'ours.db');
    const theirs = join(dir, 'theirs.db');
    const saved = await ours([at(src), 'snapshot', 'save', mine]);
    assert.equal(saved.stdout.toString(), `Snapshot saved at ${mine}\n`, saved.stderr);
    await ok([at(src), 'snapshot', 'save', theirs]);
    assert.equal(statSync(mine).mode & 0o777, 0o600);
    assert.equal(statSync(mine).size, statSync(theirs).size);
    for (const w of FORMATS) {
      const outs = await Promise.all([mine, theirs].flatMap((f) => [ours(['snapshot', 'status', f, '-w', w]), etcdctl(['snapshot', 'status', f, '-w', w])]));
      for (const r of outs) {
        assert.equal(r.stdout.toString(), outs[1]!.stdout.toString(), `status -w ${w}`);
        assert.deepEqual(errorLines(r.stderr), errorLines(outs[1]!.stderr));
        assert.equal(r.code, outs[1]!.code);
      }
    }
    const status = (await ours(['snapshot', 'status', mine, '-w', 'json'])).stdout.toString();
    assert.match(status, new RegExp(`^\\{"hash":\\d+,"revision":${revision},"totalKey":\\d+,"totalSize":\\d+\\}\n$`));
  });

  test('a spinner on a terminal only', async () => {
    const piped = await ours([at(src), 'snapshot', 'save', join(dir, 'piped.db')]);
    assert.equal(piped.stderr, '');
    const path = join(dir, 'tty.db');
    const { CI: _ci, ...env } = process.env;
    const { code, out } = await onTerminal([process.execPath, OURS, at(src), 'snapshot', 'save', path], { env, cols: 100 });
    assert.equal(code, 0, out.slice(0, 2000));
    assert.match(out, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](\x1b\[39m)? Saving snapshot/);
    assert.match(out, new RegExp(`Snapshot saved at ${path.replace(/[.]/g, '\\.')}`));
    assert.ok(existsSync(path));
  });

  test('-w json describes the saved file for scripts', async () => {
    const path = join(dir, 'described.db');
    const r = await ours([at(src), 'snapshot', 'save', path, '-w', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const file = readFileSync(path);
    const member = /"member_id":(\d+)/.exec(await ok([at(src), 'endpoint', 'status', '-w', 'json']))![1]!;
    const j = r.stdout.toString();
    assert.match(
      j,
      new RegExp(
        `^\\{"path":${JSON.stringify(path).replace(/[.]/g, '\\.')},"size":${file.length},"sha256":"${sha256(file.subarray(0, -32))}","endpoint":"${src.endpoint}","member_id":${member},"member_id_hex":"[0-9a-f]+","version":"${server().version.replace(/[.]/g, '\\.')}","duration_ms":\\d+,"revision":\\d+,"total_keys":\\d+,"compressed_size":null,"checksum_file":null,"pruned":\\[\\],"problems":\\[\\]\\}\n$`,
      ),
    );
    assert.equal(file.subarray(-32).toString('hex'), sha256(file.subarray(0, -32)));
  });

  test('several endpoints: the one that answers is chosen and named', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const path = join(dir, 'picked.db');
    const r = await ours([`--endpoints=${dead},${src.endpoint}`, 'snapshot', 'save', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^etcdctl-ts: ${dead} is not usable for the snapshot: context deadline exceeded$`, 'm'));
    assert.match(r.stderr, new RegExp(`^etcdctl-ts: saving the snapshot from ${src.endpoint} \\(member [0-9a-f]+, the leader\\)$`, 'm'));
    assert.ok(existsSync(path));
  });

  test("an unreachable member: etcdctl's error with --command-timeout, and without it no endless wait", async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const path = join(dir, 'unreachable.db');
    const args = [`--endpoints=${dead}`, '--command-timeout=1s', 'snapshot', 'save', path];
    const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
    assert.deepEqual(errorLines(got.stderr), ['Error: context deadline exceeded']);
    assert.equal(got.code, 5);
    assert.equal(ref.code, 5);
    assert.match(got.stderr, new RegExp(`^etcdctl-ts: nothing is listening at ${dead} \\(connection refused\\)`, 'm'));
    // etcdctl 3.4 waits for ever here; etcdctl-ts gives up after the default command timeout.
    const plain = await ours([`--endpoints=${dead}`, 'snapshot', 'save', path], { timeoutMs: 15000 });
    assert.equal(plain.code, 5);
    assert.deepEqual(errorLines(plain.stderr), ['Error: context deadline exceeded']);
    assert.ok(!existsSync(path));
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('unreachable')),
      [],
    );
  });

  test('errors as etcdctl: arguments, unwritable place', async () => {
    for (const args of [
      ['snapshot', 'save'],
      ['snapshot', 'save', 'a', 'b'],
      ['snapshot', 'status'],
      ['snapshot', 'restore'],
      ['snapshot', 'status', join(dir, 'nope.db')],
      [at(src), 'snapshot', 'save', join(dir, 'no', 'x.db')],
    ]) {
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
      assert.equal(got.code, ref.code, args.join(' '));
    }
    // A directory in the way: etcdctl's rename error (Go's "file exists"),
    // here before the download; one after the other, as both would use <dir>.part.
    const target = join(dir, 'a-directory');
    mkdirSync(target);
    const args = [at(src), 'snapshot', 'save', target];
    const ref = await etcdctl(args);
    const got = await ours(args);
    assert.deepEqual(errorLines(got.stderr), [`Error: could not rename ${target}.part to ${target} (rename ${target}.part ${target}: file exists)`]);
    assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr));
    assert.equal(got.code, ref.code);
    assert.ok(statSync(target).isDirectory());
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('a-directory.')),
      [],
    );
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    test(`a save interrupted mid-stream (${signal}) leaves no file`, async () => {
      const path = join(dir, `interrupted-${signal}.db`);
      const created = new Promise<void>((resolve) => {
        const w = watch(dir, (_ev, name) => {
          if (name && new RegExp(`^interrupted-${signal}\\.db\\.[0-9a-f]{8}\\.part$`).test(name)) {
            w.close();
            resolve();
          }
        });
      });
      const run = start(OURS, [at(src), 'snapshot', 'save', path]);
      await created;
      // The server stops sending, so the stream cannot finish under us.
      src.proc.kill('SIGSTOP');
      try {
        assert.ok(!existsSync(path));
        await run.stop(signal);
      } finally {
        src.proc.kill('SIGCONT');
      }
      assert.match(run.err(), /^Error: snapshot save interrupted; no file was written$/m);
      assert.ok(!existsSync(path));
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.startsWith(`interrupted-${signal}`)),
        [],
      );
    });
});

// Restores `file` for every spec with etcdctl-ts, boots them, returns the cluster.
async function restoreAndBoot(file: string, specs: MemberSpec[], token: string, version = server()): Promise<EtcdCluster> {
  const initial = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  for (const s of specs) {
    const r = await ours([
      'snapshot',
      'restore',
      file,
      `--name=${s.name}`,
      `--data-dir=${s.dataDir}`,
      `--initial-cluster=${initial}`,
      `--initial-cluster-token=${token}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${s.peerPort}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), '');
  }
  return startExisting(specs, version);
}

async function specs(n: number, prefix: string): Promise<MemberSpec[]> {
  const out: MemberSpec[] = [];
  for (let i = 0; i < n; i++)
    out.push({ name: `${prefix}${i}`, dataDir: join(dir, `${prefix}${i}`), clientPort: await freePort(), peerPort: await freePort() });
  return out;
}

// What must survive a restore, read through etcdctl.
async function sameData(restored: string): Promise<void> {
  const count = async (ep: string) => (await ok([at(ep), 'get', '/data/', '--prefix', '--keys-only'])).split('\n').filter(Boolean).length;
  assert.equal(await count(restored), 3200 - 10);
  assert.equal(await ok([at(restored), 'get', '/hist/k', '--print-value-only']), 'version-49\n');
  assert.equal((await ok([at(restored), 'get', '/big', '--print-value-only'])).length, 100001);
  const compacted = await etcdctl([at(restored), 'get', '/hist/k', '--rev=50']);
  assert.deepEqual(errorLines(compacted.stderr), ['Error: etcdserver: mvcc: required revision has been compacted']);
  assert.equal(await ok([at(restored), 'lease', 'list']), await ok([at(src), 'lease', 'list']));
  assert.equal(await ok([at(restored), 'user', 'get', 'alice']), 'User: alice\nRoles: reader\n');
  assert.equal(await ok([at(restored), 'role', 'get', 'reader']), await ok([at(src), 'role', 'get', 'reader']));
  const hash = async (ep: string) => /"hash":(\d+)/.exec(await ok([at(ep), 'endpoint', 'hashkv', `--rev=${revision}`, '-w', 'json']))![1];
  assert.equal(await hash(restored), await hash(src.endpoint));
}

describe("snapshot hashkv (etcdutl 3.6's hashkv, offline)", () => {
  // Before any later test writes: the file and the member hold the same history.
  test("equals the member's own HashKV at the latest revision, at the compaction and around it, and in the middle", async () => {
    const file = join(dir, 'hashkv.db');
    assert.equal((await ours([at(src), 'snapshot', 'save', file])).code, 0);
    const gz = join(dir, 'hashkv.db.gz');
    assert.equal((await ours([at(src), 'snapshot', 'save', gz, '--compress=gzip'])).code, 0);
    // Not at the compaction itself: 3.4 refuses it there, and 3.5 and later
    // answer with the hash they kept from before compacting (the offline
    // answer there is etcdutl's, checked below).
    for (const rev of ['0', '61', '62', '70', '77', revision]) {
      const live = await ours([at(src), 'endpoint', 'hashkv', `--rev=${rev}`, '-w', 'json']);
      assert.equal(live.code, 0, live.stderr);
      const want = (JSON.parse(live.stdout.toString()) as { HashKV: { hash: number; compact_revision: number } }[])[0]!.HashKV;
      // The compressed copy once: it hashes through a decompressed temporary.
      for (const f of rev === '0' ? [file, gz] : [file]) {
        const got = await ours(['snapshot', 'hashkv', f, `--rev=${rev}`, '-w', 'json']);
        assert.equal(got.code, 0, got.stderr);
        assert.deepEqual(
          JSON.parse(got.stdout.toString()),
          { hash: want.hash, hashRevision: Number(rev === '0' ? revision : rev), compactRevision: want.compact_revision },
          `--rev=${rev} of ${f}`,
        );
      }
    }
  });

  test('as etcdutl 3.6 prints it: every format, the compaction, compacted and future revisions, a missing file', async () => {
    // Keys without leases: etcdutl 3.6's hashkv panics on a leased key ("no lessor to attach lease").
    const plain = await startEtcd();
    try {
      for (let i = 0; i < 40; i++) await ok([at(plain), 'put', `/h/${i % 7}`, `v${i}`]);
      await ok([at(plain), 'del', '/h/3']);
      await ok([at(plain), 'compaction', '30']);
      await ok([at(plain), 'put', '/h/3', 'back']);
      const file = join(dir, 'hashkv-plain.db');
      assert.equal((await ours([at(plain), 'snapshot', 'save', file])).code, 0);
      const etcdutl = SERVERS['3.6'].etcdutl!;
      const cases = [
        ...FORMATS.map((w) => [file, '-w', w]),
        [file, '--rev=30'],
        [file, '--rev=31', '-w', 'fields'],
        [file, '--rev=29'],
        [file, '--rev=44'],
        [join(dir, 'none.db')],
      ];
      for (const args of cases) {
        const [ref, got] = await Promise.all([exec(etcdutl, ['hashkv', ...args]), ours(['snapshot', 'hashkv', ...args])]);
        assert.equal(got.stdout.toString('latin1'), ref.stdout.toString('latin1'), `${args.join(' ')}: ${ref.stderr}`);
        assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
        assert.equal(got.code, ref.code, args.join(' '));
      }
    } finally {
      await plain.stop();
    }
  });

  test("a running member's db is refused, naming the process that holds it", async () => {
    const got = await ours(['snapshot', 'hashkv', join(src.dataDir, 'member', 'snap', 'db')]);
    assert.equal(got.code, 1);
    assert.match(
      got.stderr,
      new RegExp(
        `^Error: .*/member/snap/db is in use by a running process \\(pid ${src.proc.pid}, an etcd member\\?\\): ask the member with \`endpoint hashkv\`, or stop it first\n$`,
      ),
    );
  });
});

describe('snapshot restore', () => {
  let file: string;
  before(async () => {
    file = join(dir, 'restore-src.db');
    assert.equal((await ours([at(src), 'snapshot', 'save', file])).code, 0);
  });

  test('one member: boots with every key, lease, user and role, and takes writes', async () => {
    const cl = await restoreAndBoot(file, await specs(1, 'one'), 'tok-one');
    try {
      const ep = cl.members[0]!.endpoint;
      await sameData(ep);
      assert.equal(await ok([at(ep), 'put', 'after', 'restore']), 'OK\n');
      assert.match(await ok([at(ep), 'get', 'after', '-w', 'json']), new RegExp(`"mod_revision":${Number(revision) + 1}`));
      assert.equal((await ok([at(ep), 'member', 'list'])).split('\n').filter(Boolean).length, 1);
    } finally {
      await cl.stop();
    }
  });

  // This release's snapshot on each later one (the same release boots above).
  const newer = (['3.6', '3.7'] as const).filter((v) => v > server().minor);
  test(`on newer servers: ${newer.length ? newer.join(' and ') : 'none after 3.7'} clusters of one and three members boot from it with every key, lease, user and role and the source's hashkv${newer.length ? '' : ' (skipped: 3.7 is the newest release tested)'}`, {
    skip: newer.length === 0 && 'no release after 3.7 is tested',
  }, async () => {
    for (const v of newer) {
      for (const n of [1, 3]) {
        const cl = await restoreAndBoot(file, await specs(n, `up${v.slice(2)}x${n}m`), `tok-up${v.slice(2)}-${n}`, SERVERS[v]);
        try {
          // Every key, lease, user and role on one member; on each, the release and the source's hash.
          await sameData(cl.members[0]!.endpoint);
          const hash = async (ep: string) => /"hash":(\d+)/.exec(await ok([at(ep), 'endpoint', 'hashkv', `--rev=${revision}`, '-w', 'json']))![1];
          const want = await hash(src.endpoint);
          for (const m of cl.members) {
            const status = JSON.parse(await ok([at(m.endpoint), 'endpoint', 'status', '-w', 'json'])) as { Status: { version: string } }[];
            assert.equal(status[0]!.Status.version, SERVERS[v].version);
            assert.equal(await hash(m.endpoint), want, m.name);
          }
          assert.equal(await ok([`--endpoints=${cl.endpoints}`, 'put', 'after', 'restore']), 'OK\n');
        } finally {
          await cl.stop();
        }
      }
    }
  });

  test("three members: WAL and .snap bytes equal etcdctl's, and they form one healthy cluster", async () => {
    const s = await specs(3, 'tri');
    const initial = s.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
    for (const m of s) {
      const ref = join(dir, `ref-${m.name}`);
      await ok([
        'snapshot',
        'restore',
        file,
        `--name=${m.name}`,
        `--data-dir=${ref}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-token=tok-three',
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      ]);
      const r = await ours([
        'snapshot',
        'restore',
        file,
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-token=tok-three',
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (const sub of ['member/wal/0000000000000000-0000000000000000.wal', 'member/snap/0000000000000001-0000000000000003.snap']) {
        assert.ok(readFileSync(join(m.dataDir, sub)).equals(readFileSync(join(ref, sub))), `${m.name}: ${sub}`);
      }
      assert.equal(statSync(m.dataDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(m.dataDir, 'member', 'snap', 'db')).mode & 0o777, 0o600);
      // etcdctl's own bbolt reader accepts the rewritten database.
      await ok(['snapshot', 'status', join(m.dataDir, 'member', 'snap', 'db')]);
    }
    const cl = await startExisting(s);
    try {
      const health = await etcdctl([at(cl.members[0]!), 'endpoint', 'health', '--cluster']);
      assert.equal(health.code, 0, health.stderr);
      assert.equal(health.stderr.match(/is healthy/g)?.length, 3);
      for (const m of cl.members) await sameData(m.endpoint);
      assert.equal(await ok([`--endpoints=${cl.endpoints}`, 'put', 'after', 'restore']), 'OK\n');
      assert.equal(await ok([at(cl.members[2]!), 'get', 'after', '--print-value-only', '--consistency=l']), 'restore\n');
      const list = await ok([at(cl.members[0]!), 'member', 'list']);
      for (const m of s) assert.match(list, new RegExp(`, started, ${m.name}, http://127.0.0.1:${m.peerPort}, http://127.0.0.1:${m.clientPort}, false`));
      // A restored cluster is also a source: several endpoints, the leader is chosen.
      const again = await ours([`--endpoints=${cl.endpoints}`, 'snapshot', 'save', join(dir, 'from-cluster.db')]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /, the leader\)\n$/);
    } finally {
      await cl.stop();
    }
  });

  test('against etcdutl of the same release: the same database content; 3.5: the same .snap, and the WAL differs only by the ConfState of its last snapshot record; 3.6 and 3.7: the same members in the .snap (their etcdutl orders them otherwise); 3.4 has no etcdutl', {
    skip: !server().etcdutl && 'etcd 3.4 has no etcdutl',
  }, async () => {
    const s = await specs(3, 'utl');
    const initial = s.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
    for (const m of s) {
      const flags = [
        `--name=${m.name}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-token=tok-utl',
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      ];
      const ref = join(dir, `etcdutl-${m.name}`);
      const theirs = await exec(server().etcdutl!, ['snapshot', 'restore', file, `--data-dir=${ref}`, ...flags]);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal((await ours(['snapshot', 'restore', file, `--data-dir=${m.dataDir}`, ...flags])).code, 0);
      const snap = 'member/snap/0000000000000001-0000000000000003.snap';
      if (server().minor !== '3.5') {
        // etcdutl 3.6 and 3.7 add the members to the v2 store in another
        // order (so their v2 indexes and its stats differ), and 3.7 writes
        // raft's messages without zero fields; 3.7 no longer reads the
        // .snap at boot. The same members with the same peer URLs, and the
        // same database, is what must hold (both boot: see the tests above).
        const members = (b: Buffer) => {
          const text = snapBody(b);
          const json = JSON.parse(jsonObjectAt(text, text.indexOf('{'))) as {
            Root: { Children: { '0': { Children: { members: { Children: Record<string, { Children: { raftAttributes: { Value: string } } }> } } } } };
          };
          const all = json.Root.Children['0'].Children.members.Children;
          return Object.fromEntries(Object.entries(all).map(([id, v]) => [id, v.Children.raftAttributes.Value]));
        };
        assert.deepEqual(members(readFileSync(join(m.dataDir, snap))), members(readFileSync(join(ref, snap))), `${m.name}: ${snap}`);
        assert.deepEqual(boltContent(join(m.dataDir, 'member', 'snap', 'db')), boltContent(join(ref, 'member', 'snap', 'db')));
        continue;
      }
      assert.ok(readFileSync(join(m.dataDir, snap)).equals(readFileSync(join(ref, snap))), `${m.name}: ${snap}`);

      const wal = 'member/wal/0000000000000000-0000000000000000.wal';
      const [mine, utl] = [walFrames(readFileSync(join(m.dataDir, wal))), walFrames(readFileSync(join(ref, wal)))];
      assert.deepEqual(mine.slice(0, -1), utl.slice(0, -1));
      const [lastMine, lastUtl] = [mine.at(-1)!, utl.at(-1)!];
      assert.equal(lastMine.type, 5);
      assert.equal(lastUtl.type, 5);
      // etcdutl appends field 3, raftpb.ConfState{voters, auto_leave=false}.
      assert.ok(lastUtl.data.subarray(0, lastMine.data.length).equals(lastMine.data));
      const confState = lastUtl.data.subarray(lastMine.data.length);
      assert.equal(confState[0], 0x1a);
      const voters = [
        ...readFileSync(join(ref, snap))
          .toString('latin1')
          .matchAll(/"Path":"\/0\/members\/([0-9a-f]+)","C/g),
      ].map((x) => BigInt(`0x${x[1]}`));
      assert.equal(voters.length, 3);
      assert.ok(confState.equals(protoConfState(voters)), confState.toString('hex'));

      assert.deepEqual(boltContent(join(m.dataDir, 'member', 'snap', 'db')), boltContent(join(ref, 'member', 'snap', 'db')));
    }
  });

  test('--bump-revision with --mark-compacted: later revisions, older ones compacted', async () => {
    const [m] = await specs(1, 'bump');
    const r = await ours([
      'snapshot',
      'restore',
      file,
      `--name=${m!.name}`,
      `--data-dir=${m!.dataDir}`,
      `--initial-cluster=${m!.name}=http://127.0.0.1:${m!.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m!.peerPort}`,
      '--bump-revision=1000',
      '--mark-compacted',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const cl = await startExisting([m!]);
    try {
      const ep = cl.members[0]!.endpoint;
      assert.equal(await ok([at(ep), 'put', 'after', 'bump']), 'OK\n');
      assert.match(await ok([at(ep), 'get', 'after', '-w', 'json']), new RegExp(`"mod_revision":${Number(revision) + 1001}`));
      const old = await etcdctl([at(ep), 'get', '/hist/k', `--rev=${revision}`]);
      assert.deepEqual(errorLines(old.stderr), ['Error: etcdserver: mvcc: required revision has been compacted']);
      assert.equal(await ok([at(ep), 'get', '/hist/k', '--print-value-only']), 'version-49\n');
    } finally {
      await cl.stop();
    }
    const bad = await ours(['snapshot', 'restore', file, '--data-dir', join(dir, 'x'), '--bump-revision=5']);
    assert.deepEqual(errorLines(bad.stderr), ['Error: --mark-compacted required if --revision-bump > 0']);
    assert.equal(bad.code, 128);
  });

  test("defrag --data-dir rewrites a stopped member's database compactly; a running one makes it wait", async () => {
    const [m] = await specs(1, 'offline');
    const r = await ours([
      'snapshot',
      'restore',
      file,
      `--name=${m!.name}`,
      `--data-dir=${m!.dataDir}`,
      `--initial-cluster=${m!.name}=http://127.0.0.1:${m!.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m!.peerPort}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const db = join(m!.dataDir, 'member', 'snap', 'db');
    const status = async () => (await ok(['snapshot', 'status', db, '-w', 'json'])).replace(/"totalSize":\d+/, '');
    const defrag = async () => {
      const d = await ours(['defrag', `--data-dir=${m!.dataDir}`]);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout.toString(), '');
    };
    // Same content, as etcdctl's own reader sees it, and the member boots from it.
    const before = await status();
    await defrag();
    assert.equal(await status(), before);
    let cl = await startExisting([m!]);
    const ep = () => at(cl.members[0]!);
    try {
      await sameData(cl.members[0]!.endpoint);
      // Free half the space, then compact so the old versions go too.
      await ok([ep(), 'del', '/data/00000', '/data/01600']);
      const rev = /"revision":(\d+)/.exec(await ok([ep(), 'put', 'after', 'defrag', '-w', 'json']))![1]!;
      await ok([ep(), 'compaction', rev, '--physical']);
    } finally {
      await cl.stop();
    }
    const fragmented = statSync(db).size;
    const kept = await status();
    await defrag();
    assert.equal(await status(), kept);
    assert.ok(statSync(db).size < fragmented - 4_000_000, `${statSync(db).size} vs ${fragmented}`);
    cl = await startExisting([m!]);
    try {
      assert.equal((await ok([ep(), 'get', '/data/', '--prefix', '--keys-only'])).split('\n').filter(Boolean).length, 3200 - 1600);
      assert.equal(await ok([ep(), 'get', 'after', '--print-value-only']), 'defrag\n');
      // etcd holds the database's lock: the offline defrag waits, and says why.
      const waiting = start(OURS, ['defrag', `--data-dir=${m!.dataDir}`]);
      for (let i = 0; i < 100 && !waiting.err().includes('waiting for etcd'); i++) await new Promise((res) => setTimeout(res, 50));
      assert.equal(waiting.err(), `waiting for etcd to close and release its lock on "${db}". To defrag a running etcd instance, omit --data-dir.\n`);
      await waiting.stop('SIGTERM');
      assert.equal(await ok([ep(), 'put', 'still', 'fine']), 'OK\n');
    } finally {
      await cl.stop();
    }
    const missing = await ours(['defrag', `--data-dir=${join(dir, 'nowhere')}`]);
    assert.deepEqual(errorLines(missing.stderr), [`Error: cannot open database at ${join(dir, 'nowhere', 'member', 'snap', 'db')}: no such file or directory`]);
    assert.equal(missing.code, 1);
  });

  test("--wal-dir: the WAL goes there, byte-identical to etcdctl's; an existing one is refused", async () => {
    const flags = ['--name=w', '--initial-cluster=w=http://127.0.0.1:23999', '--initial-advertise-peer-urls=http://127.0.0.1:23999'];
    const [mine, theirs] = ['mine', 'theirs'].map((t) => ({ data: join(dir, `wal-${t}`), wal: join(dir, `wal-${t}-wal`) }));
    await ok(['snapshot', 'restore', file, ...flags, `--data-dir=${theirs!.data}`, `--wal-dir=${theirs!.wal}`]);
    const r = await ours(['snapshot', 'restore', file, ...flags, `--data-dir=${mine!.data}`, `--wal-dir=${mine!.wal}`]);
    assert.equal(r.code, 0, r.stderr);
    for (const d of [mine!, theirs!]) {
      assert.deepEqual(readdirSync(d.wal), ['0000000000000000-0000000000000000.wal']);
      assert.deepEqual(readdirSync(join(d.data, 'member')), ['snap']);
    }
    assert.ok(
      readFileSync(join(mine!.wal, '0000000000000000-0000000000000000.wal')).equals(readFileSync(join(theirs!.wal, '0000000000000000-0000000000000000.wal'))),
    );
    const again = (d: string) => ['snapshot', 'restore', file, ...flags, `--data-dir=${join(dir, d)}`, `--wal-dir=${mine!.wal}`];
    const [ref, got] = await Promise.all([etcdctl(again('wal-again-ref')), ours(again('wal-again'))]);
    assert.deepEqual(errorLines(got.stderr), [`Error: wal-dir "${mine!.wal}" exists`]);
    assert.deepEqual(errorLines(ref.stderr), errorLines(got.stderr));
    assert.equal(got.code, 1);
    assert.equal(ref.code, 1);
    assert.ok(!existsSync(join(dir, 'wal-again')));
  });

  test("--wal-dir inside the data dir: the same tree and WAL as etcdctl's; a data dir inside the WAL dir is refused as etcdctl refuses it", async () => {
    const tree = (root: string) => (readdirSync(root, { recursive: true }) as string[]).sort();
    const WAL = '0000000000000000-0000000000000000.wal';
    const [mine, theirs] = [join(dir, 'nested-mine'), join(dir, 'nested-theirs')];
    await ok(['snapshot', 'restore', file, `--data-dir=${theirs}`, `--wal-dir=${join(theirs, 'wal')}`]);
    const r = await ours(['snapshot', 'restore', file, `--data-dir=${mine}`, `--wal-dir=${join(mine, 'wal')}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(mine), tree(theirs));
    assert.ok(tree(mine).includes(join('wal', WAL)));
    assert.ok(readFileSync(join(mine, 'wal', WAL)).equals(readFileSync(join(theirs, 'wal', WAL))));
    for (const [data, wal, first] of [
      ['inner/data', 'inner', 'data'],
      ['same', 'same', 'member'],
    ]) {
      const args = (t: string) => ['snapshot', 'restore', file, `--data-dir=${join(dir, t, data!)}`, `--wal-dir=${join(dir, t, wal!)}`];
      const [ref, got] = await Promise.all([etcdctl(args('ref')), ours(args('ours'))]);
      assert.deepEqual(errorLines(got.stderr), [`Error: expected "${join(dir, 'ours', wal!)}" to be empty, got ["${first}"]`]);
      assert.deepEqual(
        errorLines(got.stderr),
        errorLines(ref.stderr).map((l) => l.replace(join(dir, 'ref'), join(dir, 'ours'))),
      );
      assert.equal(got.code, ref.code);
      // etcdctl leaves its half-made data dir; etcdctl-ts leaves nothing.
      assert.ok(!existsSync(join(dir, 'ours')));
    }
  });

  test('refusals as etcdctl, and nothing left behind', async () => {
    const existing = join(dir, 'existing');
    await ok(['snapshot', 'restore', file, '--data-dir', existing]);
    const cases: [string[], RegExp][] = [
      [['snapshot', 'restore', file, '--data-dir', existing], /^Error: data-dir ".*" exists$/],
      [
        ['snapshot', 'restore', file, '--data-dir', join(dir, 'n1'), '--name', 'zz'],
        /^Error: couldn't find local name "zz" in the initial cluster configuration$/,
      ],
      [
        ['snapshot', 'restore', file, '--data-dir', join(dir, 'n2'), '--initial-advertise-peer-urls', 'http://127.0.0.1:9999'],
        /^Error: --initial-cluster has default=http:\/\/localhost:2380 but missing from --initial-advertise-peer-urls=http:\/\/127\.0\.0\.1:9999 \(resolved urls: /,
      ],
      // Two URLs each: the first pair that differs after sorting.
      [
        [
          'snapshot',
          'restore',
          file,
          '--data-dir',
          join(dir, 'n3'),
          '--initial-cluster=default=http://127.0.0.1:1,default=http://127.0.0.1:2',
          '--initial-advertise-peer-urls=http://127.0.0.1:9999,http://127.0.0.1:1',
        ],
        /\(resolved urls: "http:\/\/127\.0\.0\.1:9999" != "http:\/\/127\.0\.0\.1:2"\)$/,
      ],
      [
        [
          'snapshot',
          'restore',
          file,
          '--data-dir',
          join(dir, 'n4'),
          '--initial-cluster=default=http://127.0.0.1:1,default=http://127.0.0.1:9',
          '--initial-advertise-peer-urls=http://127.0.0.1:1',
        ],
        /\(len\(\["http:\/\/127\.0\.0\.1:1"\]\) != len\(\["http:\/\/127\.0\.0\.1:1" "http:\/\/127\.0\.0\.1:9"\]\)\)$/,
      ],
      [
        [
          'snapshot',
          'restore',
          file,
          '--data-dir',
          join(dir, 'n5'),
          '--initial-cluster=default=http://127.0.0.1:1',
          '--initial-advertise-peer-urls=http://127.0.0.1:9,http://127.0.0.1:1',
        ],
        /^Error: --initial-advertise-peer-urls has http:\/\/127\.0\.0\.1:9 but missing from --initial-cluster=default=http:\/\/127\.0\.0\.1:1,default=http:\/\/127\.0\.0\.1:9$/,
      ],
      [['snapshot', 'restore', file, '--data-dir', join(dir, 'n6'), '--initial-cluster=bad'], /^Error: URL scheme must be http, https, unix, or unixs: $/],
      [['snapshot', 'restore', join(dir, 'no-such.db'), '--data-dir', join(dir, 'n7')], /^Error: open .*no-such\.db: no such file or directory$/],
    ];
    for (const [i, url] of ['http://127.0.0.1:2380/', 'http://127.0.0.1', 'ftp://x:1', '127.0.0.1:2380'].entries()) {
      cases.push([
        ['snapshot', 'restore', file, '--data-dir', join(dir, `bad-url-${i}`), `--initial-cluster=default=${url}`, `--initial-advertise-peer-urls=${url}`],
        /^Error: (URL|parse)/,
      ]);
    }
    for (const [args, error] of cases) {
      const before = readdirSync(dir).sort();
      const [ref, got] = await Promise.all([etcdctl(args), ours(args)]);
      assert.deepEqual(errorLines(got.stderr), errorLines(ref.stderr), args.join(' '));
      assert.match(errorLines(got.stderr)[0]!, error);
      assert.equal(got.code, 1);
      assert.equal(ref.code, 1);
      assert.deepEqual(readdirSync(dir).sort(), before);
    }
  });
});

describe('broken snapshot files', () => {
  let good: Buffer;
  before(async () => {
    const file = join(dir, 'good.db');
    assert.equal((await ours([at(src), 'snapshot', 'save', file])).code, 0);
    good = readFileSync(file);
  });

  // Restore must fail and leave no data dir and no temporary directory.
  async function refusedRestore(file: string, target: string, skip = false): Promise<string> {
    const before = readdirSync(dir);
    const r = await ours(['snapshot', 'restore', file, '--data-dir', join(dir, target), ...(skip ? ['--skip-hash-check'] : [])]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), before.sort());
    return errorLines(r.stderr)[0]!;
  }

  test('a truncated file', async () => {
    const file = join(dir, 'truncated.db');
    writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
    const st = await ours(['snapshot', 'status', file]);
    assert.equal(st.code, 1);
    assert.match(
      errorLines(st.stderr)[0]!,
      /is not a usable snapshot: the file is truncated: its database needs \d+ bytes \(\d+ pages of 4096\) but the file has \d+$/,
    );
    assert.match(await refusedRestore(file, 'from-truncated', true), /the file is truncated/);
  });

  test('a flipped byte', async () => {
    const file = join(dir, 'flipped.db');
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0xff;
    writeFileSync(file, bad);
    const st = await ours(['snapshot', 'status', file]);
    assert.equal(st.code, 1);
    assert.match(errorLines(st.stderr)[0]!, /^Error: snapshot file is corrupt: its sha256 trailer says [0-9a-f]{64} but its content hashes to [0-9a-f]{64}$/);
    const ref = await etcdctl(['snapshot', 'restore', file, '--data-dir', join(dir, 'ref-flipped')]);
    assert.equal(await refusedRestore(file, 'from-flipped'), errorLines(ref.stderr)[0]);
    assert.match(errorLines(ref.stderr)[0]!, /^Error: expected sha256 \[[\d ]+\], got \[[\d ]+\]$/);
  });

  test('a missing trailer', async () => {
    const file = join(dir, 'no-trailer.db');
    copyFileSync(join(dir, 'good.db'), file);
    truncateSync(file, good.length - 32);
    const ref = await etcdctl(['snapshot', 'restore', file, '--data-dir', join(dir, 'ref-no-trailer')]);
    assert.equal(await refusedRestore(file, 'from-no-trailer'), 'Error: snapshot missing hash but --skip-hash-check=false');
    assert.deepEqual(errorLines(ref.stderr), ['Error: snapshot missing hash but --skip-hash-check=false']);
    // A database copied out of a data dir has no trailer: status still reads it.
    const [a, b] = await Promise.all([ours(['snapshot', 'status', file]), etcdctl(['snapshot', 'status', file])]);
    assert.equal(a.stdout.toString(), b.stdout.toString());
  });

  test('not a database at all', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const st = await ours(['snapshot', 'status', file]);
    assert.match(
      errorLines(st.stderr)[0]!,
      /is not a usable snapshot: not a bbolt database \(meta page 0: invalid magic number; meta page 1: invalid magic number\)$/,
    );
    assert.equal(st.code, 1);
  });
});

// The JSON object that starts at `from`, by its balanced braces: the bytes
// after it (raft's protobuf) may hold a '}' too, by chance of the IDs.
function jsonObjectAt(text: string, from: number): string {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(from, i + 1);
  }
  throw new Error(`no whole JSON object at ${from}`);
}
